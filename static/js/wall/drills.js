// The day's and the week's drills, every item marked 演练.
import { el } from "../dom.js";
import { t, unitName } from "../i18n.js";
import { formatDay, formatTime, localDate } from "../time.js";

const INACTIVE = new Set(["cancelled", "postponed"]);

// One entry per occurrence of each drill in the week, in time order.
export function occurrences(drills) {
  const items = [];
  for (const drill of drills) {
    const spans = drill.occurrences?.length ? drill.occurrences : [{ starts_at: drill.starts_at, ends_at: drill.ends_at }];
    for (const span of spans) {
      items.push({ drill, starts: Date.parse(span.starts_at), ends: Date.parse(span.ends_at) });
    }
  }
  return items.sort((a, b) => a.starts - b.starts || a.drill.id - b.drill.id);
}

// Drills under way now (the header shows them).
export function runningDrills(drills, now) {
  return occurrences(drills).filter(
    (o) => !INACTIVE.has(o.drill.status) && o.drill.status !== "completed" && o.starts <= now && now < o.ends,
  );
}

function entry(item, units, withDay, now) {
  const { drill } = item;
  const organizer = unitName(units.get(drill.organizer), drill.organizer_name);
  const when = `${withDay ? `${formatDay(item.starts)} ` : ""}${formatTime(item.starts)}–${formatTime(item.ends)}`;
  const classes = ["drill", `status-${drill.status}`, item.ends <= now ? "past" : ""].join(" ").trim();
  return el(
    "li",
    { className: classes, dataset: { drill: drill.id } },
    el("time", { className: "drill-when", text: when }),
    el("span", { className: "drill-title", text: drill.title }),
    el("span", {
      className: "drill-meta",
      text: [organizer, t(`drill.form.${drill.form}`), t(`drill.status.${drill.status}`)].join(" · "),
    }),
    el("span", { className: "watermark", "aria-hidden": "true", text: t("exercise") }),
  );
}

export function renderDrills(todayList, weekList, state, now) {
  const today = localDate(now);
  const all = occurrences(state.drills);
  const todays = all.filter((o) => localDate(o.starts) === today || (o.starts <= now && now < o.ends));
  const rest = all.filter((o) => !todays.includes(o));
  const empty = (key) => el("li", { className: "drills-empty", text: t(key) });
  todayList.replaceChildren(...(todays.length ? todays.map((o) => entry(o, state.units, false, now)) : [empty("wall.noDrillsToday")]));
  weekList.replaceChildren(...(rest.length ? rest.map((o) => entry(o, state.units, true, now)) : [empty("wall.noDrillsWeek")]));
  fitDrills(todayList);
  fitDrills(weekList);
}

// The entries that do not fit whole give way to a line saying how many more there are
// (never a card cut in half).
function fitDrills(list) {
  const items = [...list.querySelectorAll(".drill")];
  const bottom = () => list.getBoundingClientRect().bottom;
  if (!items.length || items.at(-1).getBoundingClientRect().bottom <= bottom() + 0.5) return;
  const more = el("li", { className: "drills-more", text: t("wall.moreDrills", { n: 1 }) });
  list.append(more);
  let hidden = 0;
  for (const item of items.reverse()) {
    if (more.getBoundingClientRect().bottom <= bottom() + 0.5 && item.getBoundingClientRect().bottom <= more.getBoundingClientRect().top) break;
    item.hidden = true;
    hidden += 1;
    more.textContent = t("wall.moreDrills", { n: hidden });
  }
}

export function renderDrillsLoading(...lists) {
  for (const list of lists) list.replaceChildren(el("li", { className: "drills-empty loading", text: t("wall.loading") }));
}
