// The incident view: what happened, the chain of reports, every reporting clock, the map,
// the verdicts, leaders' instructions and the audit history; the actions sit on top.
import { el } from "../dom.js";
import { has, placeName, t } from "../i18n.js";
import { formatDateTime } from "../time.js";
import { clock } from "../clocks.js";
import { actorLabel, factsLabel, kindLabel, levelLong, obligationLabel, unitLabel } from "./words.js";
import { reviewSection } from "./review.js";

// The status lifecycle the server enforces (command/incidents/service.py TRANSITIONS).
export const TRANSITIONS = {
  reported: ["verified", "responding", "closed"],
  verified: ["responding", "closed"],
  responding: ["stabilized"],
  stabilized: ["responding", "closed"],
  closed: [],
};
const FIGURES = ["dead", "missing", "injured", "affected", "loss"];

function section(title, id, ...children) {
  return el("section", { className: "iv-section", id }, el("h3", { text: title }), ...children);
}

function time(label, value, id) {
  return el("div", { className: "iv-time", id }, el("dt", { text: label }), el("dd", { text: value ? formatDateTime(value) : "—" }));
}

function button(action, key, extra = {}) {
  return el("button", { type: "button", dataset: { action, ...extra.dataset }, className: extra.className, text: t(key) });
}

function head(incident, units, canManage, fresh) {
  const level = `lv-${incident.level || "none"}`;
  const acked = incident.acknowledged_at
    ? el("span", { className: "ack done", id: "ack-state", text: t("desk.ackedBy", { who: actorLabel(incident.acknowledged_by, incident.acknowledged_by_name), at: formatDateTime(incident.acknowledged_at) }) })
    : el("span", { className: "ack pending", id: "ack-state", text: t("desk.unacked") });
  return el(
    "header",
    { className: `iv-head ${level}` },
    el(
      "div",
      { className: "iv-title-row" },
      el("span", { className: `badge big ${level}`, id: "iv-level", text: levelLong(incident.level) }),
      el("span", { className: "chip status", id: "iv-status", text: t(`status.${incident.status}`) }),
      incident.exercise ? el("span", { className: "chip drill", text: t("exercise") }) : null,
      incident.sensitive ? el("span", { className: "chip sensitive", text: t("desk.sensitive") }) : null,
      el("h2", { className: "iv-title", text: incident.title }),
    ),
    el(
      "p",
      { className: "iv-place" },
      `${placeName(incident.unit, units)} · ${t(`category.${incident.category}`)}${incident.type ? ` · ${incident.type}` : ""} · ${t(`source.${incident.source}`)}`,
    ),
    el(
      "dl",
      { className: "iv-times" },
      time(t("desk.time.occurred"), incident.occurred_at),
      time(t("desk.time.learned"), incident.learned_at),
      time(t("desk.time.received"), incident.received_at),
      el("div", { className: "iv-time" }, el("dt", { text: t("desk.time.acked") }), el("dd", {}, acked)),
    ),
    canManage ? actionBar(incident, fresh) : null,
  );
}

function actionBar(incident, fresh) {
  const open = incident.status !== "closed";
  const moves = TRANSITIONS[incident.status] || [];
  const buttons = [];
  if (!incident.acknowledged_at) buttons.push(button("ack", "desk.act.ack", { className: "primary" }));
  else if (fresh) buttons.push(button("seen", "desk.act.seen", { className: "primary" }));
  if (open && moves.includes("verified")) buttons.push(button("status", "desk.act.verify", { dataset: { to: "verified" } }));
  for (const to of moves.filter((s) => s !== "verified" && s !== "closed")) {
    buttons.push(button("status", `desk.act.to.${to}`, { dataset: { to }, className: "secondary" }));
  }
  if (open) buttons.push(button("level", "desk.act.level", { className: "secondary" }));
  if (open && moves.includes("closed")) buttons.push(button("status", "desk.act.close", { dataset: { to: "closed" }, className: "danger" }));
  buttons.push(button("report", "desk.act.report", { className: "secondary" }));
  if (open) buttons.push(button("instruction", "desk.act.instruction", { className: "secondary" }));
  buttons.push(button("false-report", "desk.act.falseReport", { className: "secondary" }));
  buttons.push(button("bulletin", "desk.act.bulletin", { className: "secondary" }));
  return el("div", { className: "iv-actions", role: "toolbar", "aria-label": t("desk.actions") }, buttons);
}

function figureCell(value) {
  return el("td", { className: "num", text: value === null || value === undefined ? "—" : String(value) });
}

function stated(report) {
  return { ...report.casualties, affected: report.affected, loss: report.loss };
}

function figures(incident, units) {
  const current = { ...incident.casualties, affected: incident.affected, loss: incident.loss };
  const rows = [
    el("tr", { className: "current" }, el("th", { text: t("desk.fig.current") }), FIGURES.map((f) => figureCell(current[f]))),
    ...[...(incident.reports || [])].reverse().map((report) =>
      el(
        "tr",
        {},
        el("th", {}, kindLabel(report.kind, report.seq), el("span", { className: "fig-unit", text: unitLabel(report.unit, units) })),
        FIGURES.map((f) => figureCell(stated(report)[f])),
      ),
    ),
  ];
  return el(
    "table",
    { className: "figures", id: "iv-figures" },
    el("thead", {}, el("tr", {}, el("th", { text: "" }), FIGURES.map((f) => el("th", { className: "num", text: t(`desk.fig.${f}`) })))),
    el("tbody", {}, rows),
  );
}

function reportItem(report, units) {
  const who = report.logged_by
    ? t("desk.report.loggedBy", { who: actorLabel(report.logged_by, report.logged_by_name) })
    : t("desk.report.submittedBy", { who: actorLabel(report.submitted_by, report.submitted_by_name) });
  return el(
    "li",
    { className: `report kind-${report.kind}`, dataset: { report: report.id, kind: report.kind, channel: report.channel } },
    el(
      "div",
      { className: "report-head" },
      el("strong", { text: kindLabel(report.kind, report.seq) }),
      el("span", { text: unitLabel(report.unit, units) }),
      el("span", { className: `chip channel-${report.channel}`, text: t(`channel.${report.channel}`) }),
      el("time", { text: formatDateTime(report.received_at) }),
      el("span", { className: "muted report-who", text: who }),
    ),
    report.summary ? el("p", { className: "report-text", text: report.summary }) : null,
    report.measures ? el("p", { className: "report-text muted" }, `${t("desk.report.measures")}${t("desk.colon")}${report.measures}`) : null,
    report.missing_facts?.length
      ? el("p", { className: "report-gap", text: t("desk.report.missing", { facts: factsLabel(report.missing_facts) }) })
      : null,
  );
}

function obligationRows(detail, state, units) {
  const live = new Map(state.obligationsOf(detail.incident.id).map((ob) => [ob.id, ob]));
  const all = new Map(detail.obligations.map((ob) => [ob.id, ob]));
  for (const [id, ob] of live) all.set(id, ob);
  const items = [...all.values()].sort((a, b) => Date.parse(a.due_at) - Date.parse(b.due_at));
  if (!items.length) return el("p", { className: "muted", text: t("desk.noObligations") });
  return el(
    "ul",
    { className: "obligations", id: "iv-obligations" },
    items.map((ob) =>
      el(
        "li",
        { className: `ob state-${ob.state}`, dataset: { obligation: ob.id, link: ob.link, level: ob.level } },
        el("span", { className: "ob-what", text: obligationLabel(ob, units) }),
        el("span", { className: "ob-due muted", text: t("desk.ob.due", { at: formatDateTime(ob.due_at) }) }),
        clock(ob),
      ),
    ),
  );
}

function verdictItem(verdict, units, canJudge) {
  const decided = verdict.decided_at
    ? t("desk.verdict.decided", { who: actorLabel(verdict.decided_by, verdict.decided_by_name), at: formatDateTime(verdict.decided_at) })
    : t("desk.verdict.flagged", { at: formatDateTime(verdict.flagged_at) });
  return el(
    "li",
    { className: `verdict state-${verdict.state}`, dataset: { verdict: verdict.id } },
    el("strong", { text: `${t(`desk.verdict.kind.${verdict.kind}`)} · ${unitLabel(verdict.unit, units)}` }),
    el("span", { className: "chip", text: t(`desk.verdict.state.${verdict.state}`) }),
    el("span", { className: "muted", text: decided }),
    verdict.reason ? el("p", { text: verdict.reason }) : null,
    canJudge && verdict.state === "candidate"
      ? el("div", { className: "row-actions" }, button("decide", "desk.act.decide", { dataset: { verdict: verdict.id } }))
      : null,
  );
}

// A unit's or the centre's correction (更正) of a report: what changed and why; a
// commander may mark an honest error 误报 (counted apart from 谎报).
function correctionItem(correction, report, units, canJudge, marked) {
  const who = correction.by_centre ? t("desk.correction.byCentre") : unitLabel(correction.unit, units);
  const what = report ? kindLabel(report.kind, report.seq) : "";
  return el(
    "li",
    { className: "correction", dataset: { correction: correction.id } },
    el("strong", { text: `${what} · ${who} · ${formatDateTime(correction.at)}` }),
    correction.supplement ? el("span", { className: "chip", text: t("desk.correction.supplement") }) : null,
    el("span", { className: "hist-changes", text: changeText(correction.changes) }),
    el("p", { className: "muted", text: `${t("desk.correction.reason")}${t("desk.colon")}${correction.reason}` }),
    marked
      ? el("span", { className: "chip", text: t("desk.verdict.kind.misreport") })
      : canJudge
        ? el("div", { className: "row-actions" }, button("misreport", "desk.act.misreport", { className: "secondary", dataset: { correction: correction.id } }))
        : null,
  );
}

// One message of the escalation ladder about this incident: to whom, how, its state, and
// who acknowledged it (an acknowledgement stops the obligation's ladder).
function deliveryItem(delivery) {
  const state = delivery.acknowledged_at
    ? t("desk.delivery.acknowledged", { who: actorLabel(delivery.acknowledged_by, delivery.acknowledged_by_name), at: formatDateTime(delivery.acknowledged_at) })
    : t(`desk.delivery.state.${delivery.state}`);
  return el(
    "li",
    { className: `delivery state-${delivery.state}`, dataset: { delivery: delivery.id } },
    el("strong", { text: `${t(`desk.delivery.rule.${delivery.rule}`, {})} · ${delivery.recipient}` }),
    el("span", { className: "muted", text: `${delivery.channel} ${delivery.address} · ${delivery.sent_at ? formatDateTime(delivery.sent_at) : "—"}` }),
    el("span", { className: "chip", text: state }),
    delivery.last_error && !delivery.sent_at ? el("span", { className: "muted", text: delivery.last_error }) : null,
    !delivery.acknowledged_at && delivery.state === "sent"
      ? el("div", { className: "row-actions" }, button("ack-delivery", "desk.act.ackDelivery", { className: "secondary", dataset: { delivery: delivery.id } }))
      : null,
  );
}

function instructionItem(instruction, canManage, units) {
  const due = instruction.due_at ? t("desk.instr.due", { at: formatDateTime(instruction.due_at) }) : t("desk.instr.noDue");
  const state = instruction.state === "done" ? "done" : instruction.overdue ? "overdue" : "open";
  return el(
    "li",
    { className: `instruction state-${state}`, dataset: { instruction: instruction.id, state } },
    el(
      "div",
      { className: "instr-head" },
      el("strong", { text: instruction.by }),
      el("time", { text: formatDateTime(instruction.given_at) }),
      el("span", { className: `chip instr-${state}`, text: t(`desk.instr.state.${state}`) }),
      el("span", { className: "muted", text: due }),
    ),
    el("p", { className: "instr-text", text: instruction.text }),
    el(
      "ul",
      { className: "addressees" },
      instruction.units.map((u) =>
        el("li", { className: u.done_at ? "done" : "waiting", text: `${unitLabel(u.unit, units)} · ${u.done_at ? t("desk.instr.reported", { at: formatDateTime(u.done_at) }) : t("desk.instr.waiting")}` }),
      ),
    ),
    instruction.feedback.length
      ? el(
          "ol",
          { className: "feedback" },
          instruction.feedback.map((f) => el("li", {}, el("strong", { text: unitLabel(f.unit, units) }), ` ${formatDateTime(f.at)}${t("desk.colon")}`, f.text)),
        )
      : null,
    canManage && state !== "done"
      ? el("div", { className: "row-actions" }, button("feedback", "desk.act.feedback", { dataset: { instruction: instruction.id }, className: "secondary" }))
      : null,
  );
}

function valueText(field, value) {
  if (value === null || value === undefined || value === "") return "—";
  if (field === "level") return levelLong(value);
  if (field === "status") return t(`status.${value}`);
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

export function changeText(changes) {
  return Object.entries(changes || {})
    .filter(([field]) => field !== "lon" && field !== "lat")
    .map(([field, change]) => {
      const name = has(`desk.field.${field}`) ? t(`desk.field.${field}`) : field;
      return `${name}${t("desk.colon")}${valueText(field, change.from)} → ${valueText(field, change.to)}`;
    })
    .join(t("desk.changeSep"));
}

function historyItem(entry, units) {
  const what = has(`desk.hist.${entry.kind}`) ? t(`desk.hist.${entry.kind}`) : t("desk.hist.other");
  const report = entry.report ? ` · ${kindLabel(entry.report.kind, entry.report.seq)} · ${unitLabel(entry.report.unit, units)}` : "";
  return el(
    "li",
    { dataset: { kind: entry.kind } },
    el("time", { text: formatDateTime(entry.at) }),
    el("span", { className: "hist-what", text: `${what}${report}` }),
    el("span", { className: "muted", text: actorLabel(entry.actor, entry.actor_name) }),
    entry.changes && Object.keys(entry.changes).length ? el("span", { className: "hist-changes", text: changeText(entry.changes) }) : null,
  );
}

export function renderView(panel, detail, state, { canManage, canJudge, mapNode, fresh, review }) {
  const { incident } = detail;
  const units = state.units;
  const verdicts = new Map(detail.verdicts.map((v) => [v.id, v]));
  for (const v of state.candidatesOf(incident.id)) verdicts.set(v.id, v);
  const instructions = [...state.instructions.values(), ...detail.instructions]
    .filter((i, index, list) => i.incident === incident.id && list.findIndex((j) => j.id === i.id) === index)
    .sort((a, b) => Date.parse(b.given_at) - Date.parse(a.given_at));
  const reports = incident.reports || [];
  const misreported = new Set([...verdicts.values()].filter((v) => v.kind === "misreport").map((v) => v.correction));
  const children = [
    head(incident, units, canManage, fresh),
    detail.stale ? el("div", { className: "notice warn", id: "stale-notice", role: "alert" }, detail.stale) : null,
    el(
      "div",
      { className: "iv-body" },
      el(
        "div",
        { className: "iv-col" },
        incident.status === "closed" && !incident.exercise ? reviewSection(detail.review, units, review) : null,
        section(t("desk.sec.summary"), "iv-summary", el("p", { text: incident.summary || "—" }), incident.measures ? el("p", { className: "muted" }, `${t("desk.report.measures")}${t("desk.colon")}${incident.measures}`) : null),
        section(t("desk.sec.figures"), "iv-figures-sec", figures(incident, units)),
        section(
          t("desk.sec.reports", { n: reports.length }),
          "iv-reports",
          reports.length ? el("ol", { className: "reports" }, reports.map((r) => reportItem(r, units))) : el("p", { className: "muted", text: t("desk.noReports") }),
        ),
        section(
          t("desk.sec.corrections"),
          "iv-corrections",
          detail.corrections.length
            ? el(
                "ol",
                { className: "corrections" },
                detail.corrections.map((c) => correctionItem(c, reports.find((r) => r.id === c.report_id), units, canJudge, misreported.has(c.id))),
              )
            : el("p", { className: "muted", text: t("desk.noCorrections") }),
        ),
        section(
          t("desk.sec.instructions"),
          "iv-instructions",
          instructions.length ? el("ul", { className: "instructions" }, instructions.map((i) => instructionItem(i, canManage, units))) : el("p", { className: "muted", text: t("desk.noInstructions") }),
        ),
      ),
      el(
        "div",
        { className: "iv-col" },
        el("div", { className: "iv-map-wrap" }, mapNode),
        section(t("desk.sec.obligations"), "iv-obligations-sec", obligationRows(detail, state, units)),
        section(
          t("desk.sec.verdicts"),
          "iv-verdicts",
          verdicts.size ? el("ul", { className: "verdicts" }, [...verdicts.values()].map((v) => verdictItem(v, units, canJudge))) : el("p", { className: "muted", text: t("desk.noVerdicts") }),
        ),
        section(
          t("desk.sec.deliveries"),
          "iv-deliveries",
          detail.deliveries?.length
            ? el("ul", { className: "deliveries" }, detail.deliveries.map((d) => deliveryItem(d)))
            : el("p", { className: "muted", text: t("desk.noDeliveries") }),
        ),
        section(
          t("desk.sec.history"),
          "iv-history",
          detail.history.length ? el("ol", { className: "history" }, [...detail.history].reverse().map((h) => historyItem(h, units))) : el("p", { className: "muted", text: "—" }),
        ),
      ),
    ),
  ];
  panel.replaceChildren(...children.filter(Boolean));
}
