// The field report page: initial, follow-up and final reports from a phone, queued on
// the device while there is no signal.
import { api, signOut } from "../api.js";
import { caller, config } from "../config.js";
import { $, $$, el, option } from "../dom.js";
import { applyI18n, mountLangToggle, onLangChange, placeName, t, unitName } from "../i18n.js";
import { formatDateTime } from "../time.js";
import { DEFAULT_FACTS, REQUIRED_FACTS, fillFigures, fillForm, initialBody, missingFacts, reportBody, resetForm } from "./forms.js";
import { LocationPicker } from "./location.js";
import { MyIncidents } from "./mine.js";
import { Outbox } from "./outbox.js";
import { renderOutbox } from "./outbox-view.js";
import { incidentFeed, mountOwed, owedSection } from "./owed.js";

const RETRY_SECONDS = 5;
const OPEN_STATUSES = "reported,verified,responding,stabilized";
const forms = { initial: $("#form-initial"), followup: $("#form-followup"), final: $("#form-final") };
const picker = new LocationPicker($("#i-map"), config.tile_url, config.unit);
let outbox = null;
let facts = DEFAULT_FACTS;
let incidents = [];
let units = [];
const mine = new MyIncidents($("#mine"));
const TAB_ORDER = Object.keys(forms);

// The line above the forms, kept as a string key so that it follows a language switch;
// "sending" lasts only while something waits in the outbox.
let flashed = null;
const WAITING_KEYS = new Set(["report.queuedOnline", "report.queuedOffline"]);

function flash(key, kind = "") {
  flashed = key ? { key, kind } : null;
  showFlash();
}

function showFlash() {
  const node = $("#flash");
  node.hidden = !flashed;
  node.className = `notice ${flashed?.kind || ""}`.trim();
  node.textContent = flashed ? t(flashed.key) : "";
}

// Who is signed in, for which unit (its name once the unit list is known).
function showWho() {
  const unit = units.find((u) => u.code === caller.unit);
  $("#who").textContent = t("report.who", { name: caller.name, unit: unit ? `${unitName(unit)} (${unit.code})` : caller.unit });
}

// The ARIA tabs pattern: the selected tab alone is in the tab order; arrows, Home and End
// move between the tabs and select them.
function selectTab(kind, focus = false) {
  for (const [name, form] of Object.entries(forms)) {
    form.hidden = name !== kind;
    const tab = $(`#tab-${name}`);
    tab.setAttribute("aria-selected", String(name === kind));
    tab.tabIndex = name === kind ? 0 : -1;
    if (focus && name === kind) tab.focus();
  }
  if (kind === "initial") picker.invalidate();
}

const TAB_KEYS = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 };

function tabKeys(event) {
  const current = TAB_ORDER.indexOf(event.target.id.replace("tab-", ""));
  let next = null;
  if (event.key in TAB_KEYS) next = (current + TAB_KEYS[event.key] + TAB_ORDER.length) % TAB_ORDER.length;
  else if (event.key === "Home") next = 0;
  else if (event.key === "End") next = TAB_ORDER.length - 1;
  if (next === null) return;
  event.preventDefault();
  selectTab(TAB_ORDER[next], true);
}

function showNetwork() {
  const node = $("#network");
  node.dataset.online = String(navigator.onLine);
  node.textContent = t(navigator.onLine ? "report.online" : "report.offline");
}

function showFacts() {
  for (const label of $$("[data-fact]", forms.initial)) {
    label.classList.toggle("required-fact", facts.includes(label.dataset.fact));
  }
  // What the form needs before it sends (time, place) is said apart from the facts that
  // may follow later: the notice never promises what the form refuses.
  const missing = missingFacts(forms.initial, picker.geometry(), [...new Set([...REQUIRED_FACTS, ...facts])]);
  const needed = missing.filter((f) => REQUIRED_FACTS.includes(f));
  const later = missing.filter((f) => !REQUIRED_FACTS.includes(f) && facts.includes(f));
  const words = (list) => list.map((f) => t(`fact.${f}`)).join(t("listSep"));
  const lines = [
    needed.length ? t("report.factsNeeded", { facts: words(needed) }) : "",
    later.length ? t("report.factsMissing", { facts: words(later) }) : "",
  ].filter(Boolean);
  const node = $("#i-facts");
  node.hidden = lines.length === 0;
  node.replaceChildren(...lines.map((line) => el("span", { className: "facts-line", text: line })));
}

function showPoint() {
  const point = picker.point;
  $("#point").textContent = point ? `${point.lon.toFixed(5)}, ${point.lat.toFixed(5)}` : t("report.noPoint");
  showFacts();
}

// Until the unit list comes (or without signal), the caller's own unit.
function fillUnits() {
  const select = forms.initial.elements.unit;
  const known = units.length ? units : [config.unit].filter(Boolean);
  const mine = caller.role === "reporter" ? known.filter((u) => u.code === caller.unit) : known;
  select.replaceChildren(...mine.map((u) => option(u.code, `${unitName(u)} (${u.code})`, u.code === caller.unit)));
  select.disabled = mine.length <= 1;
}

async function fillIncidentChoices() {
  const queued = outbox ? (await outbox.items()).filter((i) => i.kind === "initial" && !i.result && i.state !== "rejected") : [];
  for (const form of [forms.followup, forms.final]) {
    const select = form.elements.incident;
    const chosen = select.value;
    select.replaceChildren(
      option("", t("report.chooseIncident")),
      ...queued.map((item) => option(`local:${item.key}`, t("report.queuedIncident", { title: item.label }))),
      ...incidents.map((i) => option(String(i.id), incidentChoice(i))),
    );
    select.value = chosen;
    // The queued incident has been recorded: the choice follows it to its number.
    if (select.value !== chosen && chosen.startsWith("local:")) select.value = String(sentIncident(chosen.slice(6)) ?? "");
  }
}

let sentIncidents = new Map(); // outbox key of an initial report → the incident it made

function sentIncident(key) {
  return sentIncidents.get(key);
}

// Enough to tell three similar fires apart: number, title, place, time, level, status.
function incidentChoice(incident) {
  const unitsByCode = new Map(units.map((unit) => [unit.code, unit]));
  const level = incident.level ? t(`level.short.${incident.level}`) : t("level.short.none");
  const when = formatDateTime(incident.occurred_at);
  return [`#${incident.id} ${incident.title}`, placeName(incident.unit, unitsByCode), when, level, t(`status.${incident.status}`)].join(" · ");
}

function showCurrentFigures() {
  const form = forms.followup;
  const incident = incidents.find((i) => String(i.id) === form.elements.incident.value);
  const note = $("#f-current");
  note.hidden = !incident;
  if (!incident) return;
  fillFigures(form, incident);
  const c = incident.casualties || {};
  const shown = (n) => (n === null || n === undefined ? "?" : n);
  note.textContent = t("report.currentFigures", { dead: shown(c.dead), missing: shown(c.missing), injured: shown(c.injured) });
}

async function loadIncidents() {
  incidents = (await api(`/api/incidents?status=${OPEN_STATUSES}&limit=100`)).items;
  await fillIncidentChoices();
}

async function loadReferenceData() {
  const [unitList, ruleset] = await Promise.all([
    api("/api/units"),
    api("/api/deadlines/ruleset").catch(() => null),
    loadIncidents(),
  ]);
  units = unitList.items;
  showWho();
  const version = ruleset?.versions?.at(-1);
  if (version?.initial_facts) facts = version.initial_facts;
  fillUnits();
  picker.showUnits(units, caller.unit);
  showFacts();
}

function formError(form, key) {
  const node = form.querySelector(".form-error");
  node.hidden = !key;
  node.textContent = key ? t(key) : "";
  return !key;
}

function checkInitial(form) {
  if (!form.elements.title.value.trim()) return formError(form, "report.need.title");
  if (!form.elements.occurred_at.value) return formError(form, "report.need.time");
  if (!picker.geometry()) return formError(form, "report.need.place");
  return formError(form, null);
}

async function queue(form, entry) {
  await outbox.add(entry);
  resetForm(form);
  flash(navigator.onLine ? "report.queuedOnline" : "report.queuedOffline", navigator.onLine ? "" : "warn");
}

async function submitInitial(event) {
  event.preventDefault();
  const form = forms.initial;
  if (!checkInitial(form)) return;
  const body = initialBody(form, picker.geometry());
  picker.clear();
  await queue(form, { kind: "initial", body, label: body.title });
}

function submitReport(kind) {
  return async (event) => {
    event.preventDefault();
    const form = forms[kind];
    const target = form.elements.incident.value;
    if (!target) return formError(form, "report.need.incident");
    if (kind === "final" && !form.elements.summary.value.trim()) return formError(form, "report.need.summary");
    formError(form, null);
    const local = target.startsWith("local:") ? target.slice(6) : null;
    // The incident's own title, never the option's words (a 【待发送】 mark would outlive the wait).
    const queued = local ? (await outbox.items()).find((item) => item.key === local) : null;
    const label = queued ? queued.label : incidents.find((i) => String(i.id) === target)?.title || `#${target}`;
    const body = reportBody(form, kind);
    await queue(form, { kind, body, label, incident: local ? null : Number(target), after: local });
  };
}

// A report the server refused goes back into its form, to be corrected and sent anew.
async function edit(item) {
  selectTab(item.kind);
  fillForm(forms[item.kind], item.body);
  if (item.kind === "initial" && item.body.geometry?.type === "Point") {
    const [lon, lat] = item.body.geometry.coordinates;
    picker.set(lon, lat, "map");
  }
  await outbox.remove(item.key);
}

async function refreshOutbox() {
  const items = await outbox.items();
  if (WAITING_KEYS.has(flashed?.key) && !items.some((item) => ["queued", "sending"].includes(item.state))) flash(null);
  sentIncidents = new Map(items.filter((item) => item.kind === "initial" && item.result).map((item) => [item.key, item.result.incident]));
  renderOutbox($("#outbox"), items, { edit, discard: (item) => outbox.remove(item.key) });
  await fillIncidentChoices();
  if (navigator.onLine) mine.follow(items.filter((item) => item.result).map((item) => item.result.incident));
}

async function start() {
  applyI18n();
  mountLangToggle($("#lang"));
  $("#sign-out").addEventListener("click", signOut);
  showWho();
  for (const kind of Object.keys(forms)) {
    $(`#tab-${kind}`).addEventListener("click", () => selectTab(kind));
    $(`#tab-${kind}`).addEventListener("keydown", tabKeys);
  }
  forms.followup.elements.incident.addEventListener("change", showCurrentFigures);
  incidentFeed.addEventListener("incident", (event) => {
    mine.put(event.detail);
    const others = incidents.filter((i) => i.id !== event.detail.id);
    incidents = event.detail.status === "closed" ? others : [event.detail, ...others].sort((a, b) => b.id - a.id);
    fillIncidentChoices();
  });
  forms.initial.addEventListener("submit", submitInitial);
  forms.initial.addEventListener("input", showFacts);
  forms.followup.addEventListener("submit", submitReport("followup"));
  forms.final.addEventListener("submit", submitReport("final"));
  $("#locate").addEventListener("click", () => picker.locate().catch((error) => flash(error.key || "report.locate.failed", "error")));
  picker.addEventListener("change", showPoint);
  resetForm(forms.initial);
  fillUnits();
  showPoint();
  mountOwed(owedSection());
  showNetwork();
  outbox = await Outbox.open(caller.subject);
  outbox.addEventListener("change", (event) => {
    refreshOutbox();
    if (event.detail?.state === "confirmed") loadIncidents().catch(() => {});
  });
  window.addEventListener("online", () => {
    showNetwork();
    refreshOutbox();
    outbox.flush();
  });
  window.addEventListener("offline", () => {
    showNetwork();
    refreshOutbox();
  });
  outbox.addEventListener("foreign-session", () => flash("report.foreignSession", "error"));
  setInterval(() => outbox.flush(), RETRY_SECONDS * 1000);
  onLangChange(() => {
    showNetwork();
    showWho();
    showFlash();
    showPoint();
    fillUnits();
    refreshOutbox();
    mine.render();
  });
  await refreshOutbox();
  outbox.flush();
  await loadReferenceData().catch(() => flash("report.noReferenceData", "warn"));
}

// Lets the page open without signal once it has been opened with signal. Browsers allow
// service workers on https and on localhost only; elsewhere the outbox still works.
function registerOfflineWorker() {
  if (!("serviceWorker" in navigator) || !window.isSecureContext) return;
  navigator.serviceWorker.register("/report-sw.js", { scope: "/report" }).catch((error) => {
    console.warn("report page: no offline copy", error);
  });
}

registerOfflineWorker();
start();
