// The roster's table: one row a shift, grouped by day, the one on duty now marked; the
// buttons edit a shift or open its duty log.
import { el } from "../dom.js";
import { t } from "../i18n.js";
import { formatDay, formatTime, localDate } from "../time.js";

function people(list) {
  return list.map((person) => el("span", { className: "person-line" }, person.name, person.phone ? el("small", { text: person.phone }) : null));
}

function stateCell(shift, now) {
  if (shift.absent) return el("span", { className: "state-absent", text: t("roster.absent") });
  if (shift.sign_ins.length) return el("span", { className: "state-signed", title: shift.sign_ins.map((s) => s.name).join(t("listSep")), text: t("roster.signedIn", { n: shift.sign_ins.length }) });
  return el("span", { className: "muted", text: Date.parse(shift.starts_at) > now ? t("roster.upcoming") : t("roster.notSigned") });
}

export function renderRoster(body, count, shifts, { now, canManage, selected, onEdit, onLog }) {
  let lastDay = null;
  const rows = shifts.map((shift) => {
    const day = localDate(Date.parse(shift.starts_at));
    const first = day !== lastDay;
    lastDay = day;
    const on = Date.parse(shift.starts_at) <= now && now < Date.parse(shift.ends_at);
    const ended = Date.parse(shift.ends_at) <= now;
    const classes = [first ? "day-start" : "", on ? "now" : "", selected === shift.id ? "selected" : ""].filter(Boolean).join(" ");
    return el(
      "tr",
      { className: classes, dataset: { shift: shift.id } },
      el("td", { className: "date", text: first ? formatDay(shift.starts_at) : "" }),
      el("td", { className: "time" }, `${formatTime(shift.starts_at)}–${formatTime(shift.ends_at)}`, on ? el("small", { text: t("roster.onNow") }) : null),
      el("td", { className: "people" }, people([shift.leader])),
      el("td", { className: "people" }, people(shift.officers)),
      el("td", { className: "nowrap", text: shift.line || "—" }),
      el("td", { className: "nowrap" }, stateCell(shift, now)),
      el(
        "td",
        { className: "row-actions" },
        canManage && !ended ? el("button", { type: "button", className: "secondary small", dataset: { edit: shift.id }, text: t("roster.edit"), onclick: () => onEdit(shift) }) : null,
        " ",
        el("button", { type: "button", className: "secondary small", dataset: { log: shift.id }, text: t("roster.log.open"), onclick: () => onLog(shift) }),
      ),
    );
  });
  if (!rows.length) rows.push(el("tr", {}, el("td", { colspan: 7, className: "muted", text: t("roster.none") })));
  body.replaceChildren(...rows);
  count.textContent = shifts.length ? t("roster.count", { n: shifts.length }) : "";
}
