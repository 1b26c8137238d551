// 值班日志: one shift's log on one page — the shift, its people and sign-ins, then every
// entry in time order — printable on A4 and downloadable as a workbook.
import { el } from "../dom.js";
import { actorName, t, unitName } from "../i18n.js";
import { formatDateTime, formatTime } from "../time.js";
import { describe, kindName } from "./words.js";

function meta(shift) {
  const officers = shift.officers.map((o) => `${o.name}${o.phone ? ` ${o.phone}` : ""}`).join(t("listSep"));
  const signed = shift.sign_ins.length
    ? shift.sign_ins.map((s) => `${s.name} ${formatTime(s.at)}`).join(t("listSep"))
    : t(shift.absent ? "roster.absent" : "roster.notSigned");
  const pairs = [
    ["roster.log.period", `${formatDateTime(shift.starts_at)} – ${formatDateTime(shift.ends_at)}`],
    ["roster.col.leader", `${shift.leader.name}${shift.leader.phone ? ` ${shift.leader.phone}` : ""}`],
    ["roster.col.officers", officers],
    ["roster.col.line", shift.line || "—"],
    ["roster.col.state", signed],
  ];
  return el("dl", { className: "meta" }, pairs.flatMap(([key, value]) => [el("dt", { text: t(key) }), el("dd", { text: value })]));
}

export function renderLog(node, log, units) {
  const { shift } = log;
  const rows = log.entries.map((entry) =>
    el(
      "tr",
      { className: entry.kind === "shift.absent" ? "absent" : "", dataset: { kind: entry.kind } },
      el("td", { text: formatDateTime(entry.at) }),
      el("td", { className: "kind", text: kindName(entry.kind) }),
      el("td", { text: describe(entry, units) }),
      el("td", { text: entry.incident_title || (entry.incident ? `#${entry.incident}` : "") }),
      el("td", { text: actorName(entry.actor, entry.actor_name) }),
    ),
  );
  if (!rows.length) rows.push(el("tr", {}, el("td", { colspan: 5, className: "muted", text: t("roster.log.empty") })));
  node.replaceChildren(
    el(
      "header",
      {},
      el("h2", { text: t("roster.log.title", { unit: unitName(units.get(shift.unit), shift.unit_name) }) }),
      el(
        "div",
        { className: "log-actions" },
        el("button", { type: "button", className: "secondary small", id: "print-log", text: t("roster.log.print"), onclick: () => window.print() }),
        el("a", { className: "button secondary-link small", id: "log-xlsx", href: `/api/duty/shifts/${shift.id}/log.xlsx`, text: t("roster.log.xlsx") }),
      ),
    ),
    meta(shift),
    el("p", { className: "counts", text: t("roster.log.counts", log.counts) }),
    el(
      "table",
      { id: "log-table" },
      el("thead", {}, el("tr", {}, ["roster.log.col.at", "roster.log.col.kind", "roster.log.col.what", "roster.log.col.incident", "roster.log.col.by"].map((key) => el("th", { text: t(key) })))),
      el("tbody", {}, rows),
    ),
    el("p", { className: "muted", text: t("roster.log.generated", { at: formatDateTime(log.generated_at) }) }),
  );
}
