// The duty desk (值班台): the queue of open incidents, the opened incident with its
// actions, and the queues beside them; live over one realtime channel, on server time.
import { ApiError, api, signOut } from "../api.js";
import { Channel } from "../channel.js";
import { caller, can, config } from "../config.js";
import { $ } from "../dom.js";
import { applyI18n, mountLangToggle, onLangChange, t, unitName } from "../i18n.js";
import { ServerClock, formatDate, formatTime } from "../time.js";
import { incidentActions, staleText } from "./actions.js";
import { openBulletin } from "./bulletin.js";
import { tickClocks } from "../clocks.js";
import { showTruncated } from "../truncated.js";
import { ActionDialog } from "./dialog.js";
import { openCallRegister, openPromotion } from "./intake.js";
import { DeskMap } from "./map.js";
import { Alerts } from "./notify.js";
import { fillFilters, renderQueue, wireKeyboard } from "./queue.js";
import { renderSide } from "./side.js";
import { DeskState, etagOf } from "./state.js";
import { renderView } from "./view.js";
import { loadReview, renderReviewSide, reviewStore } from "./review.js";
import { kindLabel, refusal, unitLabel } from "./words.js";

const WANTED = ["incidents", "deadlines", "units", "duty", "reviews"];
const RELOAD_DELAY = 250;
const ARRIVAL_MS = 6000;

const clock = new ServerClock();
const state = new DeskState();
const topics = WANTED.filter((topic) => (config.topics || WANTED).includes(topic));
const channel = new Channel({ topics, clock });
const dialog = new ActionDialog($("#action-dialog"));
const alerts = new Alerts($("#sound"), $("#notify"));
const canManage = can("incidents.manage");
const canJudge = can("deadlines.judge");
const view = { selected: null, active: null, order: [], flashing: new Set() };
const nodes = { queue: $("#queue"), count: $("#queue-count"), panel: $("#incident") };
const mapNode = document.createElement("div");
mapNode.className = "iv-map";
mapNode.setAttribute("aria-label", t("desk.map"));
let map = null;
let detail = null;
let lastQueue = 0;

function flash(text, kind = "") {
  const node = $("#flash");
  node.className = `notice page-flash ${kind}`.trim();
  node.textContent = text;
  node.hidden = !text;
}

const render = {
  queue() {
    renderQueue(nodes.queue, nodes.count, state, view, clock.now());
    tickClocks(nodes.queue, clock.now());
    lastQueue = Date.now();
  },
  view() {
    if (!detail) return;
    // Re-rendering must not throw the keyboard user out of the panel, nor out of the field
    // being typed in (the evaluation's form keeps its text; focus and caret come back too).
    const active = nodes.panel.contains(document.activeElement) ? document.activeElement : null;
    const focused = active?.dataset;
    const selector = focused?.action
      ? `button[data-action="${focused.action}"]${focused.to ? `[data-to="${focused.to}"]` : ""}`
      : active?.name ? `[name="${CSS.escape(active.name)}"]` : null;
    const caret = typeof active?.selectionStart === "number" ? [active.selectionStart, active.selectionEnd] : null;
    renderView(nodes.panel, detail, state, { canManage, canJudge, mapNode, fresh: state.fresh.has(detail.incident.id), review: context });
    const again = selector ? nodes.panel.querySelector(selector) : null;
    again?.focus();
    if (again && caret && typeof again.setSelectionRange === "function") again.setSelectionRange(...caret);
    map ||= new DeskMap(mapNode, config.tile_url);
    map.showUnits([...state.units.values()]);
    map.show(detail.incident);
    tickClocks(nodes.panel, clock.now());
  },
  side() {
    renderSide(state, clock.now(), canJudge, caller?.unit);
    renderReviewSide(state.units, clock.now());
  },
  all() {
    const home = state.units.get(caller.unit) || config.unit;
    $("#desk-unit").textContent = unitName(home, caller.unit);
    $("#who").textContent = `${caller.name} · ${unitName(home, caller.unit)}`;
    fillFilters(state);
    render.queue();
    render.view();
    render.side();
  },
};

async function readIncident(id) {
  const response = await fetch(`/api/incidents/${id}`, { headers: { Accept: "application/json" }, credentials: "same-origin" });
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, body);
  return { incident: body, etag: response.headers.get("ETag") || etagOf(body) };
}

async function loadDetail(id) {
  const [{ incident, etag }, obligations, history, verdicts, instructions, corrections, deliveries, review] = await Promise.all([
    readIncident(id),
    api(`/api/incidents/${id}/obligations`),
    api(`/api/incidents/${id}/history`),
    api(`/api/verdicts?incident=${id}&limit=1000`),
    api(`/api/instructions?incident=${id}&limit=1000`),
    api(`/api/incidents/${id}/corrections`),
    api(`/api/notifications?incident=${id}&limit=200`),
    loadReview(id),
  ]);
  if (view.selected !== id) return;
  const stale = detail?.incident.id === id ? detail.stale : null;
  detail = {
    incident,
    etag,
    obligations: obligations.items,
    history: history.items,
    verdicts: verdicts.items,
    instructions: instructions.items,
    corrections: corrections.items,
    deliveries: deliveries.items,
    review,
    stale,
  };
  render.view();
}

let reloadTimer = null;
function reloadSoon() {
  clearTimeout(reloadTimer);
  const id = view.selected;
  if (id === null) return;
  reloadTimer = setTimeout(() => loadDetail(id).catch(showFailure), RELOAD_DELAY);
}

function showFailure(error) {
  flash(refusal(error), "error");
}

function move(id) {
  view.active = id;
  for (const node of nodes.queue.querySelectorAll(".q-item")) node.dataset.active = String(Number(node.dataset.incident) === id);
  nodes.queue.setAttribute("aria-activedescendant", `q-${id}`);
  document.getElementById(`q-${id}`)?.scrollIntoView({ block: "nearest" });
}

async function open(id) {
  view.selected = id;
  view.active = id;
  render.queue();
  try {
    await loadDetail(id);
  } catch (error) {
    showFailure(error);
  }
}

function changed(incident) {
  state.putIncident(incident);
  if (detail?.incident.id === incident.id) {
    detail.incident = incident;
    detail.etag = etagOf(incident);
    detail.stale = null;
  }
  render.queue();
  render.view();
  render.side();
  reloadSoon();
}

function stale(current, text) {
  state.putIncident(current);
  if (detail?.incident.id === current.id) {
    detail.incident = current;
    detail.etag = etagOf(current);
    detail.stale = text;
  }
  render.queue();
  render.view();
  reloadSoon();
}

const context = {
  dialog,
  state,
  caller,
  flash,
  open,
  now: () => clock.now(),
  tick: () => tickClocks(document.body, clock.now()),
  detail: () => detail,
  onChanged: changed,
  onStale: stale,
  refresh: reloadSoon,
  reloadWarnings: () => loadWarnings().then(render.side).catch(showFailure),
  findInstruction: (id) => state.instructions.get(id) || detail?.instructions.find((i) => i.id === id),
  findVerdict: (id) => state.candidates.get(id) || detail?.verdicts.find((v) => v.id === id),
};
const actions = incidentActions(context);

function instructionsOf(incidentId) {
  const seen = new Map();
  for (const item of [...(detail?.instructions || []), ...state.instructions.values()]) if (item.incident === incidentId) seen.set(item.id, item);
  return [...seen.values()].sort((a, b) => Date.parse(a.given_at) - Date.parse(b.given_at));
}

function onAction(event) {
  const target = event.target.closest("button[data-action]");
  if (!target || !detail) return;
  const { action, to, verdict, instruction, correction, delivery } = target.dataset;
  if (action === "ack") actions.ack().catch(showFailure);
  else if (action === "status") actions.status(to);
  else if (action === "level") actions.level();
  else if (action === "report") actions.report();
  else if (action === "instruction") actions.instruction();
  else if (action === "feedback") actions.feedback(Number(instruction));
  else if (action === "decide") actions.decide(Number(verdict));
  else if (action === "false-report") actions.falseReport();
  else if (action === "misreport") actions.misreport(Number(correction));
  else if (action === "ack-delivery") acknowledgeDelivery(Number(delivery)).catch(showFailure);
  else if (action === "bulletin") openBulletin(context, detail.incident, instructionsOf(detail.incident.id));
  else if (action === "seen") {
    state.fresh.delete(detail.incident.id);
    render.queue();
    render.view();
  }
}

async function onSide(event) {
  const button = event.target.closest("button");
  if (!button) return;
  const { open: openId, decide, incident, promote, signin, name } = button.dataset;
  if (signin) {
    button.disabled = true;
    state.putShift(await api(`/api/duty/shifts/${signin}/sign-in`, { method: "POST", body: { name } }));
    render.side();
  } else if (openId) await open(Number(openId));
  else if (decide) {
    await open(Number(incident));
    actions.decide(Number(decide));
  } else if (promote) {
    const warning = state.warnings.find((w) => w.id === Number(promote));
    if (warning) openPromotion(context, warning);
  }
}

// Lists the channel only signals: read after a snapshot, re-read when an event says so.
async function loadCandidates() {
  const list = await api("/api/verdicts?state=candidate&limit=1000");
  state.candidates = new Map(list.items.map((v) => [v.id, v]));
}

async function loadInstructions() {
  state.setInstructions(await api("/api/instructions?state=open&limit=1000"));
}

async function loadWarnings() {
  const list = await api("/api/warnings?state=active&current=true&limit=500");
  state.warnings = list.items.filter((w) => w.incident_id === null && w.status === "Actual");
}

async function loadOwed() {
  const lists = await Promise.all([...state.incidents.keys()].map((id) => api(`/api/incidents/${id}/obligations`)));
  state.mergeOwed(lists.flatMap((list) => list.items));
}

let warningTimer = null;
// A report owed in the subtree fell due or was missed: the officer hears of it at once.
function fellDue(event) {
  const ob = event.payload;
  if (!ob.owed || (event.kind !== "deadline.overdue" && event.kind !== "deadline.missed")) return;
  const title = state.incidents.get(ob.incident)?.title || `#${ob.incident}`;
  const what = `${kindLabel(ob.kind, ob.seq)} · ${unitLabel(ob.unit, state.units)} → ${unitLabel(ob.to_unit, state.units)}`;
  alerts.announce(t(event.kind === "deadline.missed" ? "desk.notify.missed" : "desk.notify.overdue"), `${title} · ${what}`);
}

async function acknowledgeDelivery(id) {
  await api(`/api/notifications/${id}/ack`, { method: "POST" });
  flash(t("desk.done.deliveryAck"));
  if (view.selected !== null) await loadDetail(view.selected);
}

function arrived(event) {
  const incident = event.payload.incident;
  if (!incident) return;
  const isNew = event.kind === "incident.created" || event.kind === "warning.promoted";
  const isReport = event.kind === "report.received";
  if (!isNew && !isReport) return;
  if (isReport && incident.acknowledged_at) state.fresh.add(incident.id);
  view.flashing.add(incident.id);
  setTimeout(() => {
    view.flashing.delete(incident.id);
    document.getElementById(`q-${incident.id}`)?.classList.remove("arrived");
  }, ARRIVAL_MS);
  alerts.announce(isNew ? t("desk.notify.newIncident") : t("desk.notify.newReport"), incident.title);
}

channel.addEventListener("snapshot", (event) => {
  state.applySnapshot(event.detail.topics);
  reviewStore.reset(event.detail.topics.reviews);
  render.all();
  showTruncated(event.detail.truncated);
  Promise.all([loadCandidates(), loadInstructions(), loadWarnings(), loadOwed()])
    .then(render.all)
    .catch(showFailure);
  if (view.selected !== null) reloadSoon();
});

channel.addEventListener("event", (event) => {
  const frame = event.detail;
  if (frame.topic === "reviews") {
    reviewStore.put(frame.payload);
    renderReviewSide(state.units, clock.now());
    if (detail && frame.payload.incident === detail.incident.id) reloadSoon();
    return;
  }
  const part = state.applyEvent(frame);
  if (!part) return;
  if (part === "warnings") {
    clearTimeout(warningTimer);
    warningTimer = setTimeout(() => loadWarnings().then(render.side).catch(showFailure), RELOAD_DELAY);
    if (frame.kind !== "warning.promoted") return;
  }
  if (frame.topic === "incidents") arrived(frame);
  if (frame.topic === "deadlines") fellDue(frame);
  if (part === "units") fillFilters(state);
  render.queue();
  render.side();
  if (frame.payload.incident?.id) warnOpenDialog(frame.payload.incident);
  const about = frame.payload.incident?.id ?? frame.payload.incident;
  if (detail && about === detail.incident.id) {
    if (frame.payload.incident?.id) {
      detail.incident = frame.payload.incident;
      detail.etag = etagOf(frame.payload.incident);
    }
    render.view();
    reloadSoon();
  }
});

// A dialog open on an incident another officer just changed says so before the confirm
// (the confirm still carries the version this officer saw, so the server has the word).
function warnOpenDialog(incident) {
  const snapshot = dialog.current?.snapshot;
  if (!snapshot || snapshot.incident.id !== incident.id || etagOf(incident) === snapshot.etag) return;
  dialog.showStale(staleText(snapshot.incident, incident));
}

channel.addEventListener("state", (event) => {
  showConnection(event.detail);
  if (event.detail.state === "refused" && event.detail.code === 4001) location.assign("/login?next=/desk");
});

let lastConnection = { state: "connecting" };
function showConnection(detailOf = lastConnection) {
  lastConnection = detailOf;
  const node = $("#connection");
  node.dataset.state = detailOf.state;
  const key = detailOf.state === "refused" && detailOf.code === 4001 ? "conn.signedOut" : `conn.${detailOf.state}`;
  node.querySelector(".label").textContent = t(key, { n: detailOf.attempt || 1 });
}

function tick() {
  const now = clock.now();
  $("#server-clock").textContent = formatTime(now, true);
  $("#server-date").textContent = formatDate(now);
  tickClocks(document.body, now);
  // Urgency moves as clocks run out: re-sort now and then.
  if (Date.now() - lastQueue > 10000) render.queue();
}

function wire() {
  applyI18n();
  mountLangToggle($("#lang"));
  $("#sign-out").addEventListener("click", signOut);
  $("#who").textContent = `${caller.name} · ${unitName(config.unit, caller.unit)}`;
  $("#desk-unit").textContent = unitName(config.unit, caller.unit);
  for (const id of ["f-level", "f-status", "f-county", "f-category", "f-exercise", "f-candidates"]) $(`#${id}`).addEventListener("change", render.queue);
  $("#f-search").addEventListener("input", render.queue);
  wireKeyboard(nodes.queue, view, { move, open });
  nodes.panel.addEventListener("click", onAction);
  $(".side-panel").addEventListener("click", (event) => onSide(event).catch(showFailure));
  $("#new-call").addEventListener("click", () => openCallRegister(context));
  $("#new-call").hidden = !canManage;
  onLangChange(() => {
    render.all();
    showConnection();
    showTruncated();
  });
  fillFilters(state);
  render.queue();
  render.side();
}

wire();
setInterval(tick, 250);
tick();
channel.start();
