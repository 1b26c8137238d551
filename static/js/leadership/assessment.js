// /assessment: one unit's scorecard for a year. The unit fills in its manual scores with
// notes and evidence and submits (上报); a unit above adjusts a manual score with a reason
// and approves, which freezes the result. Computed points show how they came and their
// records (a deduction leads to its incident).
import { ApiError, api, errorText, signOut } from "../api.js";
import { caller, can, config } from "../config.js";
import { $, el } from "../dom.js";
import { applyI18n, currentLang, mountLangToggle, onLangChange, t, unitName } from "../i18n.js";

const state = { card: null, cards: [], years: [] };
const own = () => caller?.unit;

function flash(text, kind = "") {
  const node = $("#flash");
  node.className = `notice page-flash ${kind}`.trim();
  node.textContent = text;
  node.hidden = !text;
}

const label = (x) => (currentLang() === "en" && (x.title_en || x.name_en)) || x.title || x.name;
const frozen = () => state.card?.state === "approved";
const mayInspect = () => can("assessment.inspect") && state.card && state.card.unit !== own();

const mark = (ok) => (ok ? "✓" : "✗");

function recordText(r) {
  if (r.fault) return `${t(`lead.fault.${r.fault}`)}${r.points ? ` ${r.points}` : ""}`;
  if (r.type === "office") return `${t(`lead.check.${r.check}`)} ${mark(r.met)}`;
  if (r.type === "unit") return r.name;
  if (r.type === "plan") return `${r.title} ${mark(r.drilled)}`;
  if (r.type === "training") return r.held_on;
  if (r.type === "evaluation") return `${t("as.record.evaluation")} ${mark(r.on_time)}`;
  return t(`as.record.${r.type}`);
}

function records(point) {
  const how = (currentLang() === "en" && point.how_en) || point.how || "";
  const items = point.records || [];
  if (!items.length) return how;
  return el("span", {}, `${how} · `, ...items.slice(0, 8).flatMap((r, i) => {
    const text = recordText(r);
    const node = r.incident ? el("a", { href: `/desk?incident=${r.incident}`, text: `${text} #${r.incident}`, className: "incident-link" }) : el("span", { text });
    return i ? [t("listSep"), node] : [node];
  }), items.length > 8 ? ` … (${items.length})` : "");
}

function manualCells(point) {
  const self = el("span", { className: "as-self" },
    el("input", { type: "number", name: "self_points", min: "0", max: String(point.max), step: "0.5", value: point.self_points ?? "", disabled: frozen() || !can("assessment.submit"), "aria-label": t("as.self") }),
    el("input", { type: "text", name: "self_note", maxlength: "4000", value: point.self_note || "", placeholder: t("as.note"), disabled: frozen() || !can("assessment.submit") }));
  const files = (point.evidence || []).map((e) => el("a", { href: `/api/assessment/evidence/${e.id}`, text: e.filename, className: "evidence-link" }));
  const upload = el("input", { type: "file", name: "evidence", accept: point.evidence_types.map((k) => (k === "image" ? ".png,.jpg,.jpeg" : `.${k}`)).join(","), disabled: frozen() || !can("assessment.submit"), "aria-label": t("as.evidence") });
  upload.addEventListener("change", () => uploadEvidence(point, upload));
  const inspect = mayInspect() && !frozen()
    ? el("span", { className: "as-inspect" },
      el("input", { type: "number", name: "inspector_points", min: "0", max: String(point.max), step: "0.5", value: point.inspector_points ?? "", "aria-label": t("as.inspect") }),
      el("input", { type: "text", name: "inspector_reason", maxlength: "2000", value: point.inspector_reason || "", placeholder: t("as.reason") }),
      el("button", { type: "button", className: "secondary", text: t("as.adjust"), onclick: (e) => adjust(point, e.target.closest("tr")) }))
    : el("span", { className: "muted", text: point.inspector_reason || "" });
  return [el("td", {}, self), el("td", {}, el("span", { className: "document-cell" }, ...files, upload)), el("td", {}, inspect)];
}

// The year's timetable from the sheet: each step's window and the days left (the server
// counts the days in the office's time zone). The report date opens the inspection.
function windowText(step) {
  const when = step.opens_on ? t("as.window.range", { opens: step.opens_on, due: step.due_on }) : t("as.window.due", { due: step.due_on });
  if (step.state === "upcoming") return [when, t("as.window.upcoming", { days: step.days_to_open })];
  if (step.state === "open") return [when, step.days_left ? t("as.window.open", { days: step.days_left }) : t("as.window.today")];
  return [when, t(step.late === "accept" && step.step === "self_assessment" ? "as.window.closed_late" : "as.window.closed")];
}

function drawTimetable() {
  const cycle = state.cycle;
  if (!cycle) return $("#as-cycle").replaceChildren();
  const items = (cycle.steps || []).map((step) => ({ key: step.step, state: step.state, lines: windowText(step) }));
  const reportLeft = Math.round((Date.parse(cycle.report_by) - Date.parse(cycle.today)) / 86_400_000);
  const report = { key: "report", state: reportLeft < 0 ? "closed" : "open", lines: [t("as.window.due", { due: cycle.report_by }), reportLeft < 0 ? t("as.window.closed") : reportLeft ? t("as.window.open", { days: reportLeft }) : t("as.window.today")] };
  items.splice(1, 0, report);
  $("#as-cycle").replaceChildren(...items.map((item) => el("li", { className: item.state, dataset: { step: item.key } },
    el("strong", { text: t(`as.step.${item.key}`) }),
    ...item.lines.map((line) => el("span", { className: "as-when", text: line })))));
}

const lateText = (card) => (card.late_days ? t("as.late", { days: card.late_days }) : "");

function draw() {
  const card = state.card;
  $("#as-county").replaceChildren(...state.cards.map((c) => el("option", { value: c.unit, text: c.late_days ? `${label(c)} · ${t("as.late.short")}` : label(c), selected: c === card })));
  drawTimetable();
  if (!card) return;
  $("#as-total").textContent = String(card.total);
  $("#as-grade").textContent = currentLang() === "en" ? card.grade.label_en : card.grade.label;
  $("#as-state").textContent = t(`as.state.${card.state}`);
  $("#as-late").textContent = lateText(card);
  $("#as-late").hidden = !card.late_days;
  $("#as-notes").value = card.notes || "";
  $("#as-notes").disabled = frozen() || !can("assessment.submit");
  $("#as-save").hidden = $("#as-submit").hidden = frozen() || !can("assessment.submit");
  $("#as-approve").hidden = frozen() || !mayInspect();
  $("#as-override").hidden = frozen() || !mayInspect();
  const groups = Object.fromEntries(card.groups.map((g) => [g.key, g]));
  const rows = [];
  let group = null;
  for (const point of card.points) {
    if (point.group !== group) {
      group = point.group;
      const g = groups[group];
      rows.push(el("tr", { className: "as-group" }, el("th", { colspan: "7", text: `${label(g)} ${g.points}/${g.max}` })));
    }
    const cells = [el("td", { text: label(point) }), el("td", { text: String(point.max) }), el("td", {}, el("strong", { text: String(point.points) })), el("td", { text: t(`lead.source.${point.source}`) })];
    const rest = point.source === "computed" ? [el("td", { colspan: "3" }, records(point))] : manualCells(point);
    rows.push(el("tr", { dataset: { indicator: point.indicator } }, ...cells, ...rest));
  }
  $("#as-points tbody").replaceChildren(...rows);
}

async function write(path, method, body, done) {
  try {
    await api(path, { method, body });
    flash(t(done));
    await refresh();
  } catch (error) {
    flash(errorText(error), "error");
  }
}

function selfBody(submit) {
  const scores = [...document.querySelectorAll("#as-points tr[data-indicator]")].flatMap((row) => {
    const points = row.querySelector("[name=self_points]");
    if (!points || points.value === "") return [];
    return [{ indicator: row.dataset.indicator, points: Number(points.value), note: row.querySelector("[name=self_note]").value }];
  });
  return { year: state.card.year, unit: state.card.unit, notes: $("#as-notes").value, scores, submit };
}

// The inspector may act against a refusing rule of the dates, giving a reason (audited).
const override = () => ($("#as-override").value.trim() ? { override_reason: $("#as-override").value.trim() } : {});

function adjust(point, row) {
  const points = row.querySelector("[name=inspector_points]").value;
  const body = { year: state.card.year, unit: state.card.unit, indicator: point.indicator, points: points === "" ? null : Number(points), reason: row.querySelector("[name=inspector_reason]").value, ...override() };
  return write("/api/assessment/adjustments", "POST", body, "as.adjusted");
}

async function uploadEvidence(point, input) {
  const file = input.files[0];
  if (!file) return;
  const query = new URLSearchParams({ year: state.card.year, unit: state.card.unit, indicator: point.indicator, filename: file.name });
  const response = await fetch(`/api/assessment/evidence?${query}`, { method: "POST", body: file, credentials: "same-origin", headers: { Accept: "application/json" } });
  const data = await response.json().catch(() => null);
  if (!response.ok) return flash(errorText(new ApiError(response.status, data)), "error");
  flash(t("as.uploaded"));
  // The row keeps what is being typed in it: only the new file joins the list.
  point.evidence = [...(point.evidence || []), data];
  input.value = "";
  input.before(el("a", { href: `/api/assessment/evidence/${data.id}`, text: data.filename, className: "evidence-link" }));
}

async function refresh() {
  const year = $("#as-year").value;
  const root = config.unit?.code || own();
  try {
    const found = await api(`/api/assessment/scorecards?year=${year}&unit=${root}`);
    state.cards = found.items;
    const chosen = $("#as-county").value || new URLSearchParams(location.search).get("unit");
    state.cycle = found.cycle;
    state.card = state.cards.find((c) => c.unit === chosen) || state.cards[0] || null;
    draw();
    document.body.dataset.ready = "true";
  } catch (error) {
    flash(errorText(error), "error");
  }
}

async function start() {
  applyI18n();
  mountLangToggle($("#lang"));
  $("#sign-out").addEventListener("click", signOut);
  $("#as-unit").textContent = config.unit ? unitName(config.unit) : "";
  const sheets = await api("/api/assessment/sheets").catch(() => ({ items: [] }));
  const years = [...new Set(sheets.items.flatMap((s) => s.years.map((y) => y.year)))].sort((a, b) => b - a);
  const wanted = Number(new URLSearchParams(location.search).get("year")) || new Date().getFullYear();
  $("#as-year").replaceChildren(...years.map((y) => el("option", { value: String(y), text: String(y), selected: y === wanted })));
  $("#as-year").addEventListener("change", () => { flash(""); refresh(); });
  $("#as-county").addEventListener("change", () => { state.card = state.cards.find((c) => c.unit === $("#as-county").value); draw(); });
  $("#as-save").addEventListener("click", () => write("/api/assessment/self-assessment", "PUT", selfBody(false), "as.saved"));
  $("#as-submit").addEventListener("click", () => write("/api/assessment/self-assessment", "PUT", selfBody(true), "as.submitted"));
  $("#as-approve").addEventListener("click", () => write("/api/assessment/approvals", "POST", { year: state.card.year, unit: state.card.unit, ...override() }, "as.approved"));
  onLangChange(() => {
    flash(""); // a message stays in the language it was said in: drop it
    applyI18n();
    $("#as-unit").textContent = config.unit ? unitName(config.unit) : "";
    draw();
  });
  refresh();
}

start();
