// The duty officer's actions on the opened incident. Every PATCH carries the version the
// officer saw when opening the action (If-Match); a 412 shows what another officer
// changed meanwhile instead of overwriting it.
import { ApiError, api } from "../api.js";
import { el } from "../dom.js";
import { t, unitName, vocabularyCodes } from "../i18n.js";
import { formatDateTime, fromLocalInput, toLocalInput } from "../time.js";
import { clock } from "../clocks.js";
import { field, input, number, select, textarea } from "./dialog.js";
import { unitPicker } from "./picker.js";
import { etagOf } from "./state.js";
import { changeText } from "./view.js";
import { kindLabel, levelLong, obligationLabel, unitLabel } from "./words.js";

const newKey = () => (crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`);

export async function patchIncident(incident, etag, body) {
  const response = await fetch(`/api/incidents/${incident.id}`, {
    method: "PATCH",
    headers: { "Content-Type": "application/json", Accept: "application/json", "If-Match": etag },
    body: JSON.stringify(body),
    credentials: "same-origin",
  });
  const data = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

// What another officer changed: the fields that differ between what this officer saw
// and the current incident.
export function staleText(seen, current) {
  const fields = ["level", "status", "title", "summary", "measures", "sensitive", "affected", "loss"];
  const changes = {};
  for (const name of fields) if (JSON.stringify(seen[name]) !== JSON.stringify(current[name])) changes[name] = { from: seen[name], to: current[name] };
  for (const name of ["dead", "missing", "injured"]) {
    if (seen.casualties?.[name] !== current.casualties?.[name]) changes[name] = { from: seen.casualties?.[name], to: current.casualties?.[name] };
  }
  const what = changeText(changes) || t("desk.stale.nothingShown");
  return t("desk.stale", { what });
}

// The chain of units a report on this incident may come from: its unit and those above.
export function chainOf(incident, units) {
  const chain = [];
  let unit = units.get(incident.unit);
  while (unit) {
    chain.push(unit.code);
    unit = units.get(unit.parent);
  }
  return chain;
}

export function incidentActions(ctx) {
  // ctx: { dialog, state, detail(): {incident, etag}, onChanged(incident), onStale(incident), flash }
  const seen = () => {
    const { incident, etag } = ctx.detail();
    return { incident, etag: etag || etagOf(incident) };
  };

  function staleHandler(snapshot) {
    return (error) => {
      const current = error.body?.error?.current;
      if (!current) return t("desk.error.precondition_failed");
      const text = staleText(snapshot.incident, current);
      ctx.onStale(current, text);
      snapshot.incident = current;
      snapshot.etag = error.body.error.etag || etagOf(current);
      return text;
    };
  }

  async function ack() {
    const { incident } = seen();
    const updated = await api(`/api/incidents/${incident.id}/ack`, { method: "POST" });
    ctx.onChanged(updated);
    ctx.flash(t("desk.done.ack", { title: updated.title }));
  }

  function status(to) {
    const snapshot = seen();
    const from = snapshot.incident.status;
    ctx.dialog.open({
      name: `status-${to}`,
      title: t(to === "closed" ? "desk.act.close" : to === "verified" ? "desk.act.verify" : `desk.act.to.${to}`),
      submit: t("desk.confirm"),
      danger: to === "closed",
      body: [
        el("p", { text: t("desk.confirm.status", { title: snapshot.incident.title, from: t(`status.${from}`), to: t(`status.${to}`) }) }),
        to === "closed" ? el("p", { className: "hint", text: t("desk.confirm.closeHint") }) : null,
      ],
      run: async () => {
        const updated = await patchIncident(snapshot.incident, snapshot.etag, { status: to });
        ctx.onChanged(updated);
        return t("desk.done.status", { status: t(`status.${to}`) });
      },
      onStale: staleHandler(snapshot),
      snapshot,
      done: ctx.flash,
    });
  }

  function level() {
    const snapshot = seen();
    const current = () => snapshot.incident.level;
    const nowLine = el("p", { text: t("desk.level.now", { level: levelLong(current()) }) });
    const choices = vocabularyCodes("level").map((code) => [code, levelLong(code)]);
    const chooser = select("level", choices, current() || "IV");
    const preview = el("div", { className: "preview", id: "level-preview", "aria-live": "polite" });
    let previewed = null;
    const showPreview = async () => {
      const to = chooser.value;
      previewed = null;
      if (to === current()) {
        preview.replaceChildren(el("p", { className: "muted", text: t("desk.level.same") }));
        return;
      }
      preview.replaceChildren(el("p", { className: "muted", text: t("desk.level.previewing") }));
      try {
        const answer = await api(`/api/incidents/${snapshot.incident.id}/preview`, { method: "POST", body: { level: to } });
        if (chooser.value !== to) return;
        previewed = to;
        const before = new Map((ctx.detail()?.obligations || []).map((ob) => [ob.id, ob]));
        preview.replaceChildren(...previewNodes(answer.obligations, ctx.state.units, before).filter(Boolean));
        ctx.tick?.();
      } catch (error) {
        if (chooser.value !== to) return;
        preview.replaceChildren(el("p", { className: "hint", text: error.status === 404 || error.status === 405 ? t("desk.level.noPreview") : t("desk.level.previewFailed") }));
      }
    };
    chooser.addEventListener("change", showPreview);
    ctx.dialog.open({
      name: "level",
      title: t("desk.act.level"),
      submit: t("desk.level.confirm"),
      body: [
        nowLine,
        field(t("desk.level.to"), chooser),
        preview,
      ],
      check: () => (chooser.value === current() ? t("desk.level.same") : null),
      run: async () => {
        const updated = await patchIncident(snapshot.incident, snapshot.etag, { level: chooser.value });
        ctx.onChanged(updated);
        return t("desk.done.level", { level: levelLong(chooser.value) });
      },
      onStale: (error) => {
        const text = staleHandler(snapshot)(error);
        nowLine.textContent = t("desk.level.now", { level: levelLong(current()) });
        showPreview();
        return text;
      },
      snapshot,
      done: ctx.flash,
    });
    if (previewed === null && current() !== "I") {
      const order = vocabularyCodes("level");
      const higher = order[Math.max(0, order.indexOf(current() || "IV") - 1)];
      chooser.value = higher;
      showPreview();
    }
  }

  function report() {
    const { incident } = seen();
    const units = ctx.state.units;
    const chain = chainOf(incident, units);
    const picker = unitPicker({ units, name: "unit", suggested: chain, selected: [chain[0]], label: t("desk.report.unit") });
    const kinds = incident.status === "closed" ? ["final"] : ["followup", "final", "initial"];
    const kind = select("kind", kinds.map((k) => [k, t(`kind.${k}`)]), kinds[0]);
    const controls = {
      summary: textarea("summary", { maxlength: 20000 }),
      measures: textarea("measures", { maxlength: 20000 }),
      dead: input("dead", { type: "number", min: 0, inputmode: "numeric" }),
      missing: input("missing", { type: "number", min: 0, inputmode: "numeric" }),
      injured: input("injured", { type: "number", min: 0, inputmode: "numeric" }),
      affected: input("affected", { type: "number", min: 0, inputmode: "numeric" }),
      loss: input("loss", { type: "number", min: 0, step: "0.01" }),
    };
    const key = newKey();
    ctx.dialog.open({
      name: "report",
      title: t("desk.act.report"),
      submit: t("desk.report.submit"),
      body: [
        el("p", { className: "hint", text: t("desk.report.hint") }),
        field(t("desk.report.kind"), kind),
        picker.node,
        field(t("desk.report.summary"), controls.summary),
        field(t("desk.report.measures"), controls.measures),
        el(
          "div",
          { className: "row" },
          field(t("desk.fig.dead"), controls.dead),
          field(t("desk.fig.missing"), controls.missing),
          field(t("desk.fig.injured"), controls.injured),
          field(t("desk.fig.affected"), controls.affected),
          field(t("desk.fig.loss"), controls.loss),
        ),
      ],
      check: () => (picker.values().length ? null : t("desk.need.unit")),
      run: async () => {
        const casualties = Object.fromEntries(["dead", "missing", "injured"].map((n) => [n, number(controls[n].value)]).filter(([, v]) => v !== null));
        const body = { kind: kind.value, channel: "phone", unit: picker.values()[0], summary: controls.summary.value, measures: controls.measures.value };
        if (Object.keys(casualties).length) body.casualties = casualties;
        for (const name of ["affected", "loss"]) if (number(controls[name].value) !== null) body[name] = number(controls[name].value);
        const saved = await api(`/api/incidents/${incident.id}/reports`, { method: "POST", body, key });
        ctx.refresh();
        return t("desk.done.report", { kind: kindLabel(saved.kind, saved.seq), unit: unitLabel(saved.unit, units) });
      },
      done: ctx.flash,
    });
  }

  function instruction() {
    const { incident } = seen();
    const units = ctx.state.units;
    const chain = chainOf(incident, units).slice(0, -1);
    const picker = unitPicker({ units, name: "units", multiple: true, suggested: chain, label: t("desk.instr.units") });
    const by = input("by", { maxlength: 128, required: true, placeholder: t("desk.instr.byHint") });
    const text = textarea("text", { maxlength: 4000, required: true });
    const due = input("due_at", { type: "datetime-local", value: toLocalInput(ctx.now() + 2 * 3600000) });
    ctx.dialog.open({
      name: "instruction",
      title: t("desk.act.instruction"),
      submit: t("desk.instr.submit"),
      body: [field(t("desk.instr.by"), by), field(t("desk.instr.text"), text), picker.node, field(t("desk.instr.dueAt"), due)],
      check: () => {
        if (!by.value.trim()) return t("desk.need.by");
        if (!text.value.trim()) return t("desk.need.text");
        if (!picker.values().length) return t("desk.need.units");
        return null;
      },
      run: async () => {
        const body = { by: by.value, text: text.value, units: picker.values() };
        if (due.value) body.due_at = fromLocalInput(due.value);
        await api(`/api/incidents/${incident.id}/instructions`, { method: "POST", body });
        ctx.refresh();
        return t("desk.done.instruction");
      },
      done: ctx.flash,
    });
  }

  function feedback(instructionId) {
    const item = ctx.findInstruction(instructionId);
    if (!item) return;
    const waiting = item.units.filter((u) => !u.done_at);
    const unit = select("unit", waiting.map((u) => [u.unit, unitLabel(u.unit, ctx.state.units)]));
    const text = textarea("text", { maxlength: 4000 });
    ctx.dialog.open({
      name: "feedback",
      title: t("desk.act.feedback"),
      submit: t("desk.instr.feedbackSubmit"),
      body: [el("p", { className: "instr-text", text: item.text }), field(t("desk.instr.unit"), unit), field(t("desk.instr.feedback"), text)],
      check: () => (text.value.trim() ? null : t("desk.need.text")),
      run: async () => {
        await api(`/api/instructions/${item.id}/feedback`, { method: "POST", body: { unit: unit.value, text: text.value } });
        ctx.refresh();
        return t("desk.done.feedback");
      },
      done: ctx.flash,
    });
  }

  function decide(verdictId) {
    const verdict = ctx.findVerdict(verdictId);
    if (!verdict) return;
    const choice = select("decision", [["confirm", t("desk.verdict.confirm")], ["dismiss", t("desk.verdict.dismiss")]], "confirm");
    const reason = textarea("reason", { maxlength: 2000, required: true });
    ctx.dialog.open({
      name: "decide",
      title: t("desk.act.decide"),
      submit: t("desk.confirm"),
      body: [
        el("p", { text: t("desk.verdict.about", { unit: unitLabel(verdict.unit, ctx.state.units), at: formatDateTime(verdict.flagged_at) }) }),
        field(t("desk.verdict.decision"), choice),
        field(t("desk.verdict.reason"), reason, t("desk.verdict.reasonHint")),
      ],
      check: () => (reason.value.trim() ? null : t("desk.need.reason")),
      run: async () => {
        const decided = await api(`/api/verdicts/${verdict.id}/decision`, { method: "POST", body: { decision: choice.value, reason: reason.value } });
        ctx.state.putVerdict(decided);
        ctx.refresh();
        return t(decided.state === "confirmed" ? "desk.done.confirmed" : "desk.done.dismissed");
      },
      done: ctx.flash,
    });
  }

  function falseReport() {
    const { incident } = seen();
    const units = ctx.state.units;
    const reports = incident.reports || [];
    const reporters = [...new Set(reports.map((r) => r.unit))];
    const unit = select("unit", reporters.map((code) => [code, unitName(units.get(code), code)]));
    const reportChoice = select("report", [["", t("desk.falseReport.anyReport")], ...reports.map((r) => [String(r.id), `${kindLabel(r.kind, r.seq)} · ${unitLabel(r.unit, units)} · ${formatDateTime(r.received_at)}`])]);
    const reason = textarea("reason", { maxlength: 2000 });
    ctx.dialog.open({
      name: "false-report",
      title: t("desk.act.falseReport"),
      submit: t("desk.confirm"),
      danger: true,
      body: [el("p", { className: "hint", text: t("desk.falseReport.hint") }), field(t("desk.falseReport.unit"), unit), field(t("desk.falseReport.report"), reportChoice), field(t("desk.verdict.reason"), reason)],
      check: () => (!unit.value ? t("desk.need.unit") : reason.value.trim() ? null : t("desk.need.reason")),
      run: async () => {
        const body = { kind: "false_report", unit: unit.value, reason: reason.value };
        if (reportChoice.value) body.report = Number(reportChoice.value);
        await api(`/api/incidents/${incident.id}/verdicts`, { method: "POST", body });
        ctx.refresh();
        return t("desk.done.falseReport");
      },
      done: ctx.flash,
    });
  }

  // 误报: the correction of an honest error, marked by a commander with a reason.
  function misreport(correctionId) {
    const { incident } = seen();
    const correction = ctx.detail().corrections.find((c) => c.id === correctionId);
    if (!correction) return;
    const reason = textarea("reason", { maxlength: 2000 });
    ctx.dialog.open({
      name: "misreport",
      title: t("desk.act.misreport"),
      submit: t("desk.confirm"),
      body: [el("p", { className: "hint", text: t("desk.misreport.hint") }), field(t("desk.verdict.reason"), reason)],
      check: () => (reason.value.trim() ? null : t("desk.need.reason")),
      run: async () => {
        const body = { kind: "misreport", unit: correction.unit, correction: correction.id, reason: reason.value };
        await api(`/api/incidents/${incident.id}/verdicts`, { method: "POST", body });
        ctx.refresh();
        return t("desk.done.misreport");
      },
      done: ctx.flash,
    });
  }

  return { ack, status, level, report, instruction, feedback, decide, falseReport, misreport };
}

function dueText(ob, before) {
  const old = before.get(ob.id);
  if (old && old.due_at !== ob.due_at) return t("desk.ob.dueMoved", { from: formatDateTime(old.due_at), at: formatDateTime(ob.due_at) });
  return t("desk.ob.due", { at: formatDateTime(ob.due_at) });
}

function previewNodes(obligations, units, before) {
  const added = obligations?.added || [];
  const withdrawn = obligations?.withdrawn || [];
  const moved = obligations?.moved || [];
  const list = (items, cls) =>
    el(
      "ul",
      { className: `obligations ${cls}` },
      items.map((ob) => el("li", { className: `ob ${cls}`, dataset: { link: ob.link, obligation: ob.id, level: ob.level } }, el("span", { className: "ob-what", text: obligationLabel(ob, units) }), el("span", { className: "ob-due muted", text: dueText(ob, before) }), clock(ob))),
    );
  return [
    el("h4", { text: t("desk.level.added", { n: added.length }) }),
    added.length ? list(added, "added") : el("p", { className: "muted", text: t("desk.level.noneAdded") }),
    moved.length ? el("h4", { text: t("desk.level.moved", { n: moved.length }) }) : null,
    moved.length ? list(moved, "moved") : null,
    withdrawn.length ? el("h4", { text: t("desk.level.withdrawn", { n: withdrawn.length }) }) : null,
    withdrawn.length ? list(withdrawn, "withdrawn") : null,
  ];
}
