// Plans and drills: the registry (searched and paged by the server), coverage, the
// week's drills, scheduling or recording a held drill (conflicts named by unit, override
// with a reason), evaluation and the saved evaluations.
import { api, errorText } from "../api.js";
import { caller, can } from "../config.js";
import { $ } from "../dom.js";
import { applyI18n, onLangChange, t, unitName } from "../i18n.js";
import { wireHeader } from "../layout.js";
import { localDate, weekWindow } from "../time.js";
import { renderCalendar } from "./calendar.js";
import { fillTypeFilter, renderCoverage } from "./catalog.js";
import { EvaluationDialog } from "./evaluation.js";
import { EvaluationView } from "./evaluation-view.js";
import { PlanDialog } from "./plan-form.js";
import { Registry, fillStatusFilter, fillUnitFilter } from "./registry.js";
import { defaultTimes, drillBody, fillChoices, makePickers, missingField, showConflicts, submitDrill } from "./schedule.js";

const form = $("#drill-form");
const pickers = makePickers(form);
const view = { plans: [], units: [], unitNames: new Map(), coverage: null, drills: [], weekOffset: 0, week: null };
const registry = new Registry({
  tbody: $("#plans-table tbody"),
  count: $("#plan-count"),
  label: $("#page-label"),
  prev: $("#page-prev"),
  next: $("#page-next"),
  filters: $("#plan-filters"),
  today: localDate(Date.now()),
});
const evaluation = new EvaluationDialog($("#evaluation-dialog"), {
  onSaved: (saved) => {
    flash(t("plans.evaluated", { tasks: saved.revision_tasks.length }));
    loadWeek();
  },
});
const evaluationView = new EvaluationView($("#evaluation-view"));
const planDialog = new PlanDialog($("#plan-dialog"), {
  onSaved: (plan) => location.assign(`/plans/${plan.id}`),
});

function flash(text, kind = "") {
  const node = $("#flash");
  node.className = `notice page-flash ${kind}`.trim();
  node.textContent = text;
  node.hidden = false;
}

function formError(text) {
  const node = form.querySelector(".form-error");
  node.hidden = !text;
  node.textContent = text || "";
}

async function complete(drill) {
  try {
    await api(`/api/drills/${drill.id}`, { method: "PATCH", body: { status: "completed" } });
    flash(t("plans.completed", { title: drill.title }));
    await loadWeek();
  } catch (error) {
    flash(errorText(error), "error");
  }
}

function planTitles() {
  return new Map(view.plans.map((plan) => [plan.id, plan.title]));
}

function showWeek() {
  const handlers = {
    canManage: can("drills.manage"),
    complete,
    evaluate: (drill, occurrence) => evaluation.open(drill, occurrence, view.plans),
    view: (drill) => evaluationView.open(drill, planTitles()),
  };
  $("#week-label").textContent = `${view.week.dates[0]} – ${view.week.dates[6]}`;
  renderCalendar($("#calendar"), view.drills, view.week, Date.now(), handlers);
}

async function loadWeek() {
  view.week = weekWindow(Date.now(), view.weekOffset);
  const query = new URLSearchParams({ from: view.week.from, to: view.week.to, limit: "1000" });
  view.drills = (await api(`/api/drills?${query}`)).items;
  showWeek();
}

async function schedule(overrideReason = null) {
  const body = drillBody(form, pickers);
  const missing = missingField(body);
  if (missing) return formError(t(missing));
  if (overrideReason) body.override_reason = overrideReason;
  formError(null);
  const outcome = await submitDrill(body);
  if (outcome.conflicts) return showConflicts($("#conflicts"), $("#conflict-list"), outcome.conflicts, view.unitNames);
  if (outcome.error) return formError(outcome.error);
  showConflicts($("#conflicts"), $("#conflict-list"), []);
  resetForm();
  const drill = outcome.drill;
  view.weekOffset = weeksFromNow(drill.starts_at);
  await loadWeek();
  if (drill.status === "completed") {
    flash(t("drills.recorded", { title: drill.title }));
    evaluation.open(drill, drill.starts_at, view.plans);
  } else {
    flash(t("plans.scheduled", { title: drill.title }));
  }
}

function resetForm() {
  form.reset();
  for (const picker of Object.values(pickers)) picker.clear();
  pickers.organizer.value = caller.unit;
  defaultTimes(form, Date.now());
  heldChanged();
}

function weeksFromNow(iso) {
  const monday = (ms) => Date.parse(weekWindow(ms).from);
  return Math.round((monday(Date.parse(iso)) - monday(Date.now())) / (7 * 86400000));
}

function override() {
  const reason = form.elements.override_reason.value.trim();
  if (!reason) return formError(t("plans.need.reason"));
  return schedule(reason);
}

// A held drill: no repetition, and times default to yesterday's morning.
function heldChanged() {
  const held = form.elements.held.checked;
  $("#repeat-row").hidden = held;
  $("#drill-submit").textContent = t(held ? "drills.record" : "plans.submit");
  if (held) defaultTimes(form, Date.now() - 2 * 86400000);
}

async function loadChoices() {
  const [plans, units, coverage] = await Promise.all([
    api("/api/plans?limit=1000"),
    api("/api/units"),
    api("/api/plans/coverage"),
  ]);
  Object.assign(view, { plans: plans.items, units: units.items, coverage });
  view.unitNames = new Map(view.units.map((unit) => [unit.code, unitName(unit)]));
  fillUnitFilter($("#plan-within"), view.units, unitName);
  showCoverage();
  fillChoices(pickers, { plans: view.plans, units: view.units, home: caller.unit });
  planDialog.fill(view.units, caller.unit);
}

function showCoverage() {
  renderCoverage($("#coverage"), view.coverage);
  const overall = view.coverage.overall;
  $("#coverage-line").textContent = t("registry.coverageLine", { rate: `${Math.round(overall.rate * 1000) / 10}%`, missing: overall.missing });
}

function wire() {
  wireHeader();
  $("#week-prev").addEventListener("click", () => shiftWeek(-1));
  $("#week-next").addEventListener("click", () => shiftWeek(1));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    schedule();
  });
  form.elements.held.addEventListener("change", heldChanged);
  $("#override").addEventListener("click", override);
  $("#schedule-panel").hidden = !can("drills.manage");
  $("#new-plan").hidden = !can("plans.manage");
  $("#new-plan").addEventListener("click", () => planDialog.open());
  onLangChange(() => {
    fillTypeFilter($("#plan-type"));
    fillStatusFilter($("#plan-status"));
    if (view.units.length) fillUnitFilter($("#plan-within"), view.units, unitName);
    registry.render();
    if (view.coverage) showCoverage();
    if (view.week) showWeek();
    heldChanged();
  });
}

function shiftWeek(delta) {
  view.weekOffset += delta;
  loadWeek().catch((error) => flash(errorText(error), "error"));
}

applyI18n();
wire();
fillTypeFilter($("#plan-type"));
fillStatusFilter($("#plan-status"));
defaultTimes(form, Date.now());
Promise.all([registry.load(), loadChoices(), loadWeek()]).catch((error) => flash(errorText(error), "error"));
