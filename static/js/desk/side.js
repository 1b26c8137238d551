// The queues beside the incidents: 瞒报 candidates to decide, instructions overdue (and
// open), early warnings not yet handled, reports that left out key facts.
import { $, el } from "../dom.js";
import { t } from "../i18n.js";
import { formatDateTime } from "../time.js";
import { factsLabel, kindLabel, unitLabel } from "./words.js";

const LIMIT = 12;

function fill(sectionId, items, render, empty) {
  const section = $(sectionId);
  section.querySelector(".count").textContent = items.length ? String(items.length) : "";
  const list = section.querySelector(".side-list");
  const shown = items.slice(0, LIMIT).map(render);
  if (!items.length) shown.push(el("li", { className: "muted side-empty", text: t(empty) }));
  if (items.length > LIMIT) shown.push(el("li", { className: "muted", text: t("desk.side.more", { n: items.length - LIMIT }) }));
  list.replaceChildren(...shown);
}

function link(incidentId, text, extra = {}) {
  return el("button", { type: "button", className: "side-link", dataset: { open: incidentId, ...extra }, text });
}

function titleOf(state, id, fallback = "") {
  return state.incidents.get(id)?.title || fallback || `#${id}`;
}

// Who is on duty at the caller's unit now, and sign-in (签到) for those who have not.
function renderDuty(state, now, unit) {
  const section = $("#side-duty");
  const shift = state.onDuty(unit, now);
  const list = section.querySelector(".side-list");
  if (!shift) {
    list.replaceChildren(el("li", { className: "muted side-empty", text: t("desk.duty.none") }));
    return;
  }
  const signed = new Map(shift.sign_ins.map((s) => [s.name, s]));
  const person = (role, who) => {
    const done = signed.get(who.name);
    return el(
      "li",
      { dataset: { person: who.name } },
      el("strong", { text: `${t(role)} ${who.name}` }),
      el("span", { className: "muted", text: who.phone || "" }),
      done
        ? el("span", { className: "muted", text: t("desk.duty.signedIn", { time: formatDateTime(done.at) }) })
        : el("button", { type: "button", className: "secondary small", dataset: { signin: shift.id, name: who.name }, text: t("desk.duty.signIn") }),
    );
  };
  const line = el("li", { className: "muted", text: `${t("desk.duty.line")} ${shift.line || "—"}${shift.absent ? ` · ${t("desk.duty.absent")}` : ""}` });
  list.replaceChildren(person("desk.duty.leader", shift.leader), ...shift.officers.map((o) => person("desk.duty.officer", o)), line);
}

export function renderSide(state, now, canJudge, unit) {
  renderDuty(state, now, unit);
  const candidates = [...state.candidates.values()].sort((a, b) => Date.parse(a.flagged_at) - Date.parse(b.flagged_at));
  fill(
    "#side-candidates",
    candidates,
    (v) =>
      el(
        "li",
        { dataset: { verdict: v.id } },
        link(v.incident, titleOf(state, v.incident)),
        el("span", { className: "muted", text: `${unitLabel(v.unit, state.units)} · ${formatDateTime(v.flagged_at)}` }),
        canJudge ? el("button", { type: "button", className: "secondary small", dataset: { decide: v.id, incident: v.incident }, text: t("desk.act.decide") }) : null,
      ),
    "desk.side.noCandidates",
  );

  const instructions = [...state.instructions.values()].filter((i) => i.state !== "done");
  const overdueNow = (i) => i.overdue || (i.due_at && Date.parse(i.due_at) <= now);
  instructions.sort((a, b) => Number(overdueNow(b)) - Number(overdueNow(a)) || Date.parse(a.due_at || "9999") - Date.parse(b.due_at || "9999"));
  const overdueCount = instructions.filter(overdueNow).length;
  $("#side-instructions .side-counts").textContent = t("desk.side.instructionCounts", { open: instructions.length, overdue: overdueCount });
  fill(
    "#side-instructions",
    instructions,
    (i) =>
      el(
        "li",
        { className: overdueNow(i) ? "overdue" : "", dataset: { instruction: i.id } },
        link(i.incident, `${i.by}${t("desk.colon")}${i.text}`),
        el("span", { className: overdueNow(i) ? "over-text" : "muted", text: `${i.incident_title} · ${i.due_at ? t("desk.instr.due", { at: formatDateTime(i.due_at) }) : t("desk.instr.noDue")}` }),
      ),
    "desk.side.noInstructions",
  );

  fill(
    "#side-warnings",
    state.warnings,
    (w) =>
      el(
        "li",
        { dataset: { warning: w.id } },
        el("strong", { text: w.headline || w.event }),
        el("span", { className: "muted", text: `${w.sender_name || w.sender} · ${formatDateTime(w.sent)}` }),
        el("button", { type: "button", className: "secondary small", dataset: { promote: w.id }, text: t("desk.warning.promote") }),
      ),
    "desk.side.noWarnings",
  );

  fill(
    "#side-gaps",
    state.gaps(),
    ({ incident, report }) =>
      el(
        "li",
        { dataset: { report: report.id } },
        link(incident.id, incident.title),
        el("span", { className: "muted", text: `${kindLabel(report.kind, report.seq)} · ${unitLabel(report.unit, state.units)} · ${t("desk.report.missing", { facts: factsLabel(report.missing_facts) })}` }),
      ),
    "desk.side.noGaps",
  );
}
