// The roster page (/duty): a duty unit's shifts by week or by day; duty managers add,
// change and take off shifts (the server refuses overlaps and holes, naming the shift in
// the way) and import or export the roster workbook; everyone who reads the roster opens
// a shift's duty log (值班日志), printable on A4.
import { ApiError, api, errorText, signOut } from "../api.js";
import { caller, can, config } from "../config.js";
import { $, option } from "../dom.js";
import { applyI18n, mountLangToggle, onLangChange, t, unitName } from "../i18n.js";
import { formatDate, fromLocalInput, localDate, weekWindow } from "../time.js";
import { ShiftForm } from "./form.js";
import { HandoverPanel } from "./handover.js";
import { renderLog } from "./log.js";
import { renderRoster } from "./roster.js";
import { rowProblem, shiftError } from "./words.js";

const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const DUTY_TIERS = new Set(["province", "city", "county"]);
const HOUR = 3600000;
const params = new URLSearchParams(location.search);
const view = {
  unit: params.get("unit") || caller.unit,
  mode: params.get("view") === "day" ? "day" : "week",
  offset: 0,
  window: null,
  shifts: [],
  units: new Map(),
  selected: null,
  log: null,
};
const canManage = can("duty.manage");
const form = new ShiftForm($("#shift-form"), { onSave: save, onRemove: remove, onCancel: closeForm });
const handover = new HandoverPanel($("#handover"), { onChange: refresh, say: (key) => say(key) });

// After a handover: the roster, the open log and the panel read again.
async function refresh() {
  await loadShifts();
  if (view.selected !== null) await openLog(view.selected);
}

function isCurrent(shift) {
  const now = Date.now();
  return Date.parse(shift.starts_at) <= now && now < Date.parse(shift.ends_at);
}

// A message by its string key, so that it follows a change of language; `text`: words
// already made (an error).
let shown = null;
function flash(text, kind = "") {
  shown = null;
  const node = $("#flash");
  node.className = `notice page-flash ${kind}`.trim();
  node.textContent = text;
  node.hidden = !text;
}

function say(key, params = {}) {
  flash(t(key, params));
  shown = { key, params };
}

function dayWindow(offset) {
  const [y, m, d] = localDate(Date.now()).split("-").map(Number);
  const date = (n) => new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
  return { from: fromLocalInput(`${date(offset)}T00:00`), to: fromLocalInput(`${date(offset + 1)}T00:00`), dates: [date(offset)] };
}

function periodWindow() {
  return view.mode === "week" ? weekWindow(Date.now(), view.offset) : dayWindow(view.offset);
}

function periodLabel() {
  const { dates } = view.window;
  const first = formatDate(`${dates[0]}T12:00:00Z`);
  return dates.length > 1 ? `${first} – ${formatDate(`${dates.at(-1)}T12:00:00Z`)}` : first;
}

function query() {
  return new URLSearchParams({ unit: view.unit, since: view.window.from, until: view.window.to, limit: "2000" });
}

function showRoster() {
  $("#period-label").textContent = periodLabel();
  for (const [id, mode] of [["#by-week", "week"], ["#by-day", "day"]]) $(id).setAttribute("aria-selected", String(view.mode === mode));
  $("#prev").textContent = t(view.mode === "week" ? "roster.prev" : "roster.prevDay");
  $("#next").textContent = t(view.mode === "week" ? "roster.next" : "roster.nextDay");
  $("#today").textContent = t(view.mode === "week" ? "roster.today" : "roster.todayDay");
  renderRoster($("#roster tbody"), $("#shift-count"), view.shifts, {
    now: Date.now(),
    canManage,
    selected: view.selected,
    onEdit: (shift) => openForm(shift),
    onLog: (shift) => openLog(shift.id),
  });
  $("#export").href = `/api/duty/shifts.xlsx?${query()}`;
}

async function loadShifts() {
  view.window = periodWindow();
  const list = await api(`/api/duty/shifts?${query()}`);
  view.shifts = list.items.filter((shift) => shift.unit === view.unit);
  form.learn(view.shifts);
  showRoster();
}

async function openLog(id) {
  view.selected = id;
  closeForm();
  try {
    view.log = await api(`/api/duty/shifts/${id}/log`);
    renderLog($("#log"), view.log, view.units);
    await handover.show(view.unit, canManage && isCurrent(view.log.shift));
  } catch (error) {
    flash(shiftError(error), "error");
  }
  showRoster();
}

function nextStart() {
  const last = view.shifts.at(-1);
  if (last) return Date.parse(last.ends_at);
  const start = Date.parse(fromLocalInput(`${view.window.dates[0]}T08:00`));
  return Math.max(start, Math.ceil(Date.now() / HOUR) * HOUR);
}

function openForm(shift = null) {
  const start = nextStart();
  const last = view.shifts.at(-1);
  const defaults = {
    starts_at: new Date(start).toISOString(),
    ends_at: new Date(start + 12 * HOUR).toISOString(),
    leader: {},
    officers: [],
    line: last?.line || "",
  };
  $("#log").hidden = true;
  $("#handover").hidden = true;
  removeArmed = false;
  $("#remove").textContent = t("roster.remove");
  form.open(shift, defaults);
}

function closeForm() {
  form.close();
  $("#log").hidden = false;
  $("#handover").hidden = !(canManage && view.log && isCurrent(view.log.shift));
}

async function save(body, shift) {
  const missing = form.missing(body);
  if (missing) return form.error(t(missing));
  try {
    const saved = await api(shift ? `/api/duty/shifts/${shift.id}` : "/api/duty/shifts", {
      method: shift ? "PUT" : "POST",
      body: { unit: view.unit, ...body },
    });
    say(shift ? "roster.saved" : "roster.added", { shift: formatDate(saved.starts_at) });
    closeForm();
    await loadShifts();
    await openLog(saved.id);
  } catch (error) {
    form.error(shiftError(error));
  }
}

let removeArmed = false;
async function remove(shift) {
  const button = $("#remove");
  if (!removeArmed) {
    removeArmed = true;
    button.textContent = t("roster.removeConfirm");
    return;
  }
  removeArmed = false;
  button.textContent = t("roster.remove");
  try {
    await api(`/api/duty/shifts/${shift.id}`, { method: "DELETE" });
    say("roster.removed");
    closeForm();
    view.selected = null;
    view.log = null;
    await loadShifts();
    await openCurrent();
  } catch (error) {
    form.error(shiftError(error));
  }
}

async function importRoster(file) {
  $("#import-problems").hidden = true;
  try {
    const response = await fetch("/api/duty/shifts/import", {
      method: "POST",
      headers: { "Content-Type": XLSX, Accept: "application/json" },
      body: file,
      credentials: "same-origin",
    });
    const data = await response.json().catch(() => null);
    if (!response.ok) throw new ApiError(response.status, data);
    say("roster.imported", { n: data.imported });
    await loadShifts();
  } catch (error) {
    if (error instanceof ApiError && error.code === "roster_refused") {
      const box = $("#import-problems");
      box.querySelector("ul").replaceChildren(...error.details.map((detail) => Object.assign(document.createElement("li"), { textContent: rowProblem(detail) })));
      box.hidden = false;
      flash("");
    } else if (error instanceof ApiError && error.details[0]?.field === "file") {
      flash(t("roster.error.file"), "error");
    } else {
      flash(shiftError(error), "error");
    }
  }
}

async function loadUnits() {
  const list = await api("/api/units");
  view.units = new Map(list.items.map((unit) => [unit.code, unit]));
  fillUnits();
  showWho();
}

function fillUnits() {
  const units = [...view.units.values()].filter((unit) => unit.code === caller.unit || DUTY_TIERS.has(unit.tier) || unit.code === view.unit);
  $("#unit").replaceChildren(...units.map((unit) => option(unit.code, unitName(unit, unit.code), unit.code === view.unit)));
}

function move(step) {
  view.offset = step === 0 ? 0 : view.offset + step;
  loadShifts().catch((error) => flash(errorText(error), "error"));
}

// Who is signed in, and their unit by its name (its code only when no name is known).
function showWho() {
  $("#who").textContent = `${caller.name} · ${unitName(view.units?.get(caller.unit) || config.unit, caller.unit)}`;
}

function wire() {
  mountLangToggle($("#lang"));
  $("#sign-out").addEventListener("click", signOut);
  showWho();
  $("#to-desk").hidden = !can("incidents.manage");
  $("#add-shift").hidden = !canManage;
  $("#import-label").hidden = !canManage;
  $("#add-shift").addEventListener("click", () => openForm());
  $("#import").addEventListener("change", (event) => {
    const [file] = event.target.files;
    if (file) importRoster(file);
    event.target.value = "";
  });
  $("#prev").addEventListener("click", () => move(-1));
  $("#next").addEventListener("click", () => move(1));
  $("#today").addEventListener("click", () => move(0));
  $("#by-week").addEventListener("click", () => setMode("week"));
  $("#by-day").addEventListener("click", () => setMode("day"));
  $("#unit").addEventListener("change", (event) => {
    view.unit = event.target.value;
    view.selected = null;
    closeForm();
    loadShifts().then(openCurrent).catch((error) => flash(errorText(error), "error"));
  });
  onLangChange(() => {
    showWho();
    if (shown) say(shown.key, shown.params);
    fillUnits();
    showRoster();
    if (view.log) renderLog($("#log"), view.log, view.units);
    handover.render();
  });
}

function setMode(mode) {
  view.mode = mode;
  view.offset = 0;
  for (const [id, each] of [["#by-week", "week"], ["#by-day", "day"]]) $(id).setAttribute("aria-selected", String(mode === each));
  loadShifts().catch((error) => flash(errorText(error), "error"));
}

// The shift on duty now opens with its log (else the first shift shown).
async function openCurrent() {
  const now = Date.now();
  const current = view.shifts.find((s) => Date.parse(s.starts_at) <= now && now < Date.parse(s.ends_at)) || view.shifts[0];
  if (current) await openLog(current.id);
  else $("#log").replaceChildren(Object.assign(document.createElement("p"), { className: "muted empty", textContent: t("roster.log.pick") }));
}

async function start() {
  applyI18n();
  wire();
  try {
    await loadUnits();
    await loadShifts();
    await openCurrent();
  } catch (error) {
    flash(errorText(error), "error");
  }
  document.body.dataset.ready = "true";
}

start();
