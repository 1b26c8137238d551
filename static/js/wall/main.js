// The wall display: one realtime channel feeds the map, the board, the counters and the
// drills; the clocks run on the server's time.
import { api } from "../api.js";
import { Channel } from "../channel.js";
import { caller, config } from "../config.js";
import { $ } from "../dom.js";
import { applyI18n, mountLangToggle, onLangChange, unitName } from "../i18n.js";
import { ServerClock, formatDate, formatTime, localDate, weekWindow } from "../time.js";
import { renderBoard, tickClocks } from "./board.js";
import { renderCounters, tickCounters } from "./counters.js";
import { renderDrills } from "./drills.js";
import { showConnection, showRunningDrills } from "./header.js";
import { WallMap } from "./map.js";
import { WallState, dueSummary } from "./state.js";

const TOPICS = ["incidents", "deadlines", "drills", "plans", "units"];
const REFETCH_DELAY = 400;

const clock = new ServerClock();
const state = new WallState();
const channel = new Channel({ topics: TOPICS, clock });
const nodes = {
  board: $("#board"),
  boardCount: $("#board-count"),
  counters: $("#counters"),
  today: $("#drills-today"),
  week: $("#drills-week"),
  unit: $("#wall-unit"),
};
let map = null;
let shownDay = null;
let shownMinute = null;

const render = {
  incidents() {
    map?.showIncidents(state.incidents.values());
    renderBoard(nodes.board, nodes.boardCount, state, clock.now());
    renderCounters(nodes.counters, state, clock.now());
  },
  deadlines() {
    renderBoard(nodes.board, nodes.boardCount, state, clock.now());
    renderCounters(nodes.counters, state, clock.now());
  },
  units() {
    map?.showUnits([...state.units.values()], [...state.incidents.values()]);
    map?.showIncidents(state.incidents.values());
    nodes.unit.textContent = unitName(state.units.get(caller.unit) || config.unit, caller.unit);
  },
  drills() {
    renderDrills(nodes.today, nodes.week, state, clock.now());
    showRunningDrills(state, clock.now());
  },
  plans() {
    renderCounters(nodes.counters, state, clock.now());
  },
  all() {
    for (const part of ["units", "incidents", "drills"]) render[part]();
  },
};

// Changes the channel only signals: re-read them, once per burst of events.
const pending = new Map();
function refetchSoon(part, load) {
  clearTimeout(pending.get(part));
  pending.set(part, setTimeout(() => load().then(render[part]).catch(reportFailure), REFETCH_DELAY));
}

async function loadDrills() {
  const week = weekWindow(clock.now());
  const query = new URLSearchParams({ from: week.from, to: week.to, limit: "1000" });
  state.drills = (await api(`/api/drills?${query}`)).items;
}

async function loadPlans() {
  const [due, coverage] = await Promise.all([api("/api/plans/due"), api("/api/plans/coverage")]);
  state.plans = { ...dueSummary(due), coverage: coverage.overall.rate };
}

// The snapshot lists pending obligations; a missed report still owed is read here.
async function loadOwed() {
  const lists = await Promise.all(
    [...state.incidents.keys()].map((id) => api(`/api/incidents/${id}/obligations`)),
  );
  state.mergeOwed(lists.flatMap((list) => list.items));
  render.deadlines();
}

function reportFailure(error) {
  console.warn("wall: could not refresh", error);
}

function tick() {
  const now = clock.now();
  $("#server-clock").textContent = formatTime(now, true);
  $("#server-date").textContent = formatDate(now);
  tickClocks(nodes.board, now);
  tickCounters(nodes.counters, state, now);
  const day = localDate(now);
  if (shownDay !== null && day !== shownDay) refetchSoon("drills", loadDrills);
  shownDay = day;
  const minute = Math.floor(now / 60000);
  if (shownMinute !== null && minute !== shownMinute) render.drills();
  shownMinute = minute;
}

channel.addEventListener("snapshot", (event) => {
  state.applySnapshot(event.detail.topics);
  render.all();
  loadOwed().catch(reportFailure);
});
channel.addEventListener("event", (event) => {
  const part = state.applyEvent(event.detail);
  if (part === "drills") refetchSoon("drills", loadDrills);
  else if (part === "plans") refetchSoon("plans", loadPlans);
  else if (part) render[part]();
});
channel.addEventListener("state", (event) => {
  showConnection(event.detail);
  // Signed out (a revoked kiosk token, an expired session): the sign-in page says so.
  if (event.detail.state === "refused" && event.detail.code === 4001) location.assign("/login?next=/wall");
});

applyI18n();
mountLangToggle($("#lang"));
onLangChange(() => {
  render.all();
  showConnection();
});
map = new WallMap($("#map"), config.tile_url, config.unit);
nodes.unit.textContent = unitName(config.unit, caller.unit);
setInterval(tick, 250);
tick();
channel.start();
