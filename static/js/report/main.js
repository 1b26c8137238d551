// The field report page: initial, follow-up and final reports from a phone, queued on
// the device while there is no signal.
import { api, signOut } from "../api.js";
import { caller, config } from "../config.js";
import { $, $$, option } from "../dom.js";
import { applyI18n, mountLangToggle, onLangChange, t, unitName } from "../i18n.js";
import { DEFAULT_FACTS, fillForm, initialBody, missingFacts, reportBody, resetForm } from "./forms.js";
import { LocationPicker } from "./location.js";
import { Outbox } from "./outbox.js";
import { renderOutbox } from "./outbox-view.js";
import { mountOwed, owedSection } from "./owed.js";

const RETRY_SECONDS = 5;
const OPEN_STATUSES = "reported,verified,responding,stabilized";
const forms = { initial: $("#form-initial"), followup: $("#form-followup"), final: $("#form-final") };
const picker = new LocationPicker($("#i-map"), config.tile_url, config.unit);
let outbox = null;
let facts = DEFAULT_FACTS;
let incidents = [];
let units = [];

function flash(text, kind = "") {
  const node = $("#flash");
  node.className = `notice ${kind}`.trim();
  node.textContent = text;
  node.hidden = false;
}

function selectTab(kind) {
  for (const [name, form] of Object.entries(forms)) {
    form.hidden = name !== kind;
    $(`#tab-${name}`).setAttribute("aria-selected", String(name === kind));
  }
  if (kind === "initial") picker.invalidate();
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
  const missing = missingFacts(forms.initial, picker.geometry(), facts);
  const node = $("#i-facts");
  node.hidden = missing.length === 0;
  node.textContent = t("report.factsMissing", { facts: missing.map((f) => t(`fact.${f}`)).join("、") });
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
      ...incidents.map((i) => option(String(i.id), `#${i.id} ${i.title}`)),
    );
    select.value = chosen;
  }
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
  flash(t(navigator.onLine ? "report.queuedOnline" : "report.queuedOffline"), navigator.onLine ? "" : "warn");
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
    const label = form.elements.incident.selectedOptions[0].textContent;
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
  renderOutbox($("#outbox"), await outbox.items(), { edit, discard: (item) => outbox.remove(item.key) });
  await fillIncidentChoices();
}

async function start() {
  applyI18n();
  mountLangToggle($("#lang"));
  $("#sign-out").addEventListener("click", signOut);
  $("#who").textContent = t("report.who", { name: caller.name, unit: caller.unit });
  for (const kind of Object.keys(forms)) $(`#tab-${kind}`).addEventListener("click", () => selectTab(kind));
  forms.initial.addEventListener("submit", submitInitial);
  forms.initial.addEventListener("input", showFacts);
  forms.followup.addEventListener("submit", submitReport("followup"));
  forms.final.addEventListener("submit", submitReport("final"));
  $("#locate").addEventListener("click", () => picker.locate().catch((error) => flash(error.message, "error")));
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
  outbox.addEventListener("foreign-session", () => flash(t("report.foreignSession"), "error"));
  setInterval(() => outbox.flush(), RETRY_SECONDS * 1000);
  onLangChange(() => {
    showNetwork();
    showPoint();
    fillUnits();
    refreshOutbox();
  });
  await refreshOutbox();
  outbox.flush();
  await loadReferenceData().catch(() => flash(t("report.noReferenceData"), "warn"));
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
