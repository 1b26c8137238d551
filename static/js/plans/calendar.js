// The drill calendar: one week, day by day, every occurrence of every drill.
import { el } from "../dom.js";
import { t } from "../i18n.js";
import { formatDay, formatTime, localDate } from "../time.js";

const OPEN = new Set(["scheduled", "in_progress"]);

export function occurrencesByDay(drills, dates) {
  const days = new Map(dates.map((date) => [date, []]));
  for (const drill of drills) {
    for (const span of drill.occurrences || []) {
      const item = { drill, starts: Date.parse(span.starts_at), ends: Date.parse(span.ends_at), start: span.starts_at };
      days.get(localDate(item.starts))?.push(item);
    }
  }
  for (const items of days.values()) items.sort((a, b) => a.starts - b.starts);
  return days;
}

// What a coordinator may do with an occurrence now.
function actions(item, now, handlers) {
  const { drill } = item;
  const buttons = [];
  if (drill.status === "completed" || (drill.rrule && item.ends <= now)) {
    buttons.push(el("button", { type: "button", className: "secondary", text: t("plans.viewEvaluation"), onclick: () => handlers.view(drill) }));
  }
  if (!handlers.canManage) return buttons.length ? el("div", { className: "actions" }, buttons) : null;
  if (OPEN.has(drill.status) && item.starts <= now && !drill.rrule) {
    buttons.push(el("button", { type: "button", className: "secondary", text: t("plans.complete"), onclick: () => handlers.complete(drill) }));
  }
  const evaluable = drill.rrule ? item.ends <= now && drill.status !== "cancelled" : drill.status === "completed";
  if (evaluable) {
    buttons.push(el("button", { type: "button", text: t("plans.evaluate"), onclick: () => handlers.evaluate(drill, item.start) }));
  }
  return buttons.length ? el("div", { className: "actions" }, buttons) : null;
}

function entry(item, now, handlers) {
  const { drill } = item;
  return el(
    "li",
    { className: `drill status-${drill.status}`, dataset: { drill: drill.id } },
    el("span", { className: "drill-line", text: `${formatTime(item.starts)}–${formatTime(item.ends)} ${drill.title}` }),
    el("span", {
      className: "drill-line meta",
      text: [drill.organizer_name, t(`drill.form.${drill.form}`), t(`drill.status.${drill.status}`)].join(" · "),
    }),
    el("span", { className: "watermark", "aria-hidden": "true", text: t("exercise") }),
    actions(item, now, handlers),
  );
}

export function renderCalendar(list, drills, week, now, handlers) {
  const today = localDate(now);
  const days = occurrencesByDay(drills, week.dates);
  list.replaceChildren(
    ...[...days].map(([date, items]) =>
      el(
        "li",
        { className: `day${date === today ? " today" : ""}`, dataset: { date } },
        el("h3", { text: formatDay(`${date}T12:00:00Z`) }),
        items.length
          ? el("ul", {}, items.map((item) => entry(item, now, handlers)))
          : el("p", { className: "empty", text: t("plans.noDrills") }),
      ),
    ),
  );
}
