// Plans and drills: the registry with coverage and due dates, the week's drills,
// scheduling (conflicts shown, override with a reason) and evaluation.
import { api, errorText, signOut } from "../api.js";
import { caller, can } from "../config.js";
import { $ } from "../dom.js";
import { applyI18n, mountLangToggle, onLangChange, t } from "../i18n.js";
import { localDate, weekWindow } from "../time.js";
import { renderCalendar } from "./calendar.js";
import { fillTypeFilter, renderCoverage, renderPlans } from "./catalog.js";
import { EvaluationDialog } from "./evaluation.js";
import { defaultTimes, drillBody, fillChoices, missingField, showConflicts, submitDrill } from "./schedule.js";

const form = $("#drill-form");
const view = { plans: [], units: [], coverage: null, drills: [], weekOffset: 0, week: null };
const evaluation = new EvaluationDialog($("#evaluation-dialog"), {
  onSaved: (saved) => {
    flash(t("plans.evaluated", { tasks: saved.revision_tasks.length }));
    loadWeek();
  },
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

function showPlans() {
  const options = { type: $("#plan-type").value, search: $("#plan-search").value, today: localDate(Date.now()) };
  renderPlans($("#plans-table tbody"), $("#plan-count"), view.plans, options);
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

function showWeek() {
  const handlers = {
    canManage: can("drills.manage"),
    complete,
    evaluate: (drill, occurrence) => evaluation.open(drill, occurrence, view.plans),
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
  const body = drillBody(form);
  const missing = missingField(body);
  if (missing) return formError(t(missing));
  if (overrideReason) body.override_reason = overrideReason;
  formError(null);
  const outcome = await submitDrill(body);
  if (outcome.conflicts) return showConflicts($("#conflicts"), $("#conflict-list"), outcome.conflicts);
  if (outcome.error) return formError(outcome.error);
  showConflicts($("#conflicts"), $("#conflict-list"), []);
  form.reset();
  defaultTimes(form, Date.now());
  flash(t("plans.scheduled", { title: outcome.drill.title }));
  view.weekOffset = weeksFromNow(outcome.drill.starts_at);
  await loadWeek();
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

async function loadRegistry() {
  const [plans, units, coverage] = await Promise.all([
    api("/api/plans?limit=1000"),
    api("/api/units"),
    api("/api/plans/coverage"),
  ]);
  Object.assign(view, { plans: plans.items, units: units.items, coverage });
  renderCoverage($("#coverage"), coverage);
  showPlans();
  fillChoices(form, { plans: view.plans, units: view.units, home: caller.unit });
}

function wire() {
  mountLangToggle($("#lang"));
  $("#sign-out").addEventListener("click", signOut);
  $("#who").textContent = `${caller.name} · ${caller.unit}`;
  $("#plan-type").addEventListener("change", showPlans);
  $("#plan-search").addEventListener("input", showPlans);
  $("#week-prev").addEventListener("click", () => shiftWeek(-1));
  $("#week-next").addEventListener("click", () => shiftWeek(1));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    schedule();
  });
  $("#override").addEventListener("click", override);
  $("#schedule-panel").hidden = !can("drills.manage");
  onLangChange(() => {
    fillTypeFilter($("#plan-type"));
    showPlans();
    if (view.coverage) renderCoverage($("#coverage"), view.coverage);
    if (view.week) showWeek();
  });
}

function shiftWeek(delta) {
  view.weekOffset += delta;
  loadWeek().catch((error) => flash(errorText(error), "error"));
}

applyI18n();
wire();
fillTypeFilter($("#plan-type"));
defaultTimes(form, Date.now());
Promise.all([loadRegistry(), loadWeek()]).catch((error) => flash(errorText(error), "error"));
