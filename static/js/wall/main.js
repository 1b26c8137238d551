// The wall display: one realtime channel feeds the map, the board, the counters and the
// drills; the clocks run on the server's time.
import { api } from "../api.js";
import { Channel } from "../channel.js";
import { caller, config } from "../config.js";
import { $ } from "../dom.js";
import { applyI18n, mountLangToggle, onLangChange, unitName } from "../i18n.js";
import { ServerClock, formatDate, formatTime, weekWindow } from "../time.js";
import { tickClocks } from "../clocks.js";
import { showTruncated } from "../truncated.js";
import { PAGE_SECONDS, isNew, renderBoard, renderBoardLoading, sortedIncidents, turnPage } from "./board.js";
import { renderCounters, renderCountersLoading, tickCounters } from "./counters.js";
import { renderDrills, renderDrillsLoading } from "./drills.js";
import { showConnection, showOnDuty, showRunningDrills } from "./header.js";
import { WallMap } from "./map.js";
import { WallState } from "./state.js";

// The topics the wall draws, of those the server offers (the page's config block).
const WALL_TOPICS = ["incidents", "deadlines", "drills", "plans", "units", "duty", "reviews"];
const TOPICS = WALL_TOPICS.filter((topic) => (config.topics || []).includes(topic));
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
let shownWeek = null;
let shownMinute = null;
let shownPage = null;
const loaded = () => document.body.dataset.loaded === "true";

// The map places the labels of the board's most urgent incidents (and the new) first.
function mapPriority() {
  const order = new Map(sortedIncidents(state, clock.now()).map((incident, index) => [incident.id, index]));
  return (id) => {
    const incident = state.incidents.get(id);
    return (incident && isNew(incident) ? -1000 : 0) + (order.get(id) ?? 1000);
  };
}

const render = {
  incidents() {
    map?.showIncidents(state.incidents.values(), mapPriority());
    // The counters first: the board fits itself into the room they leave.
    renderCounters(nodes.counters, state, clock.now());
    renderBoard(nodes.board, nodes.boardCount, state, clock.now());
  },
  deadlines() {
    renderCounters(nodes.counters, state, clock.now());
    renderBoard(nodes.board, nodes.boardCount, state, clock.now());
  },
  units() {
    map?.showUnits([...state.units.values()], [...state.incidents.values()]);
    map?.showIncidents(state.incidents.values(), mapPriority());
    nodes.unit.textContent = unitName(state.units.get(caller.unit) || config.unit, caller.unit);
  },
  drills() {
    renderDrills(nodes.today, nodes.week, state, clock.now());
    showRunningDrills(state, clock.now());
  },
  plans() {
    renderCounters(nodes.counters, state, clock.now());
  },
  reviews() {
    renderCounters(nodes.counters, state, clock.now());
  },
  duty() {
    showOnDuty(state, clock.now());
  },
  all() {
    if (!loaded()) return renderLoading();
    for (const part of ["units", "incidents", "drills", "duty"]) render[part]();
  },
};

// Until the first snapshot: "loading" everywhere, never a false "none".
function renderLoading() {
  renderBoardLoading(nodes.board);
  renderCountersLoading(nodes.counters);
  renderDrillsLoading(nodes.today, nodes.week);
}

// The snapshot and the events hold the drills of one week: when a new week starts
// (server time), read the new week's (no event says it has begun).
let drillsLoad = null;
function reloadDrillsSoon() {
  clearTimeout(drillsLoad);
  drillsLoad = setTimeout(() => loadDrills().then(render.drills).catch(reportFailure), REFETCH_DELAY);
}

async function loadDrills() {
  const week = weekWindow(clock.now());
  const query = new URLSearchParams({ from: week.from, to: week.to, limit: "1000" });
  state.drills = (await api(`/api/drills?${query}`)).items;
}

function reportFailure(error) {
  console.warn("wall: could not refresh", error);
}

function tick() {
  const now = clock.now();
  $("#server-clock").textContent = formatTime(now, true);
  $("#server-date").textContent = formatDate(now);
  tickClocks(nodes.board, now);
  if (loaded()) tickCounters(nodes.counters, state, now);
  const page = Math.floor(now / (PAGE_SECONDS * 1000));
  if (shownPage !== null && page !== shownPage && nodes.board.dataset.mode === "paged") {
    turnPage();
    renderBoard(nodes.board, nodes.boardCount, state, now);
  }
  shownPage = page;
  const week = weekWindow(now).from;
  if (shownWeek !== null && week !== shownWeek) reloadDrillsSoon();
  shownWeek = week;
  const minute = Math.floor(now / 60000);
  if (loaded() && shownMinute !== null && minute !== shownMinute) {
    render.drills();
    render.duty();
  }
  shownMinute = minute;
}

channel.addEventListener("snapshot", (event) => {
  state.unit = channel.unit;
  state.applySnapshot(event.detail.topics);
  document.body.dataset.loaded = "true";
  render.all();
  showTruncated(event.detail.truncated);
});
// One creation brings several events at once (the incident, each of its clocks): the wall
// draws once per frame whatever changed in it.
const dirty = new Set();
function renderSoon(part) {
  if (!dirty.size) requestAnimationFrame(() => {
    const parts = dirty.has("incidents") ? [...dirty].filter((p) => p !== "deadlines") : [...dirty];
    dirty.clear();
    for (const name of parts) render[name]();
  });
  dirty.add(part);
}

channel.addEventListener("event", (event) => {
  const part = state.applyEvent(event.detail);
  if (part && loaded()) renderSoon(part);
});
channel.addEventListener("state", (event) => {
  showConnection(event.detail, clock.now());
  // Signed out (a revoked kiosk token, an expired session): the sign-in page says so.
  if (event.detail.state === "refused" && event.detail.code === 4001) location.assign("/login?next=/wall");
});

applyI18n();
mountLangToggle($("#lang"));
onLangChange(() => {
  render.all();
  showConnection(undefined, clock.now());
  showTruncated();
});
map = new WallMap($("#map"), config.tile_url, config.unit);
nodes.unit.textContent = unitName(config.unit, caller.unit);
document.body.dataset.loaded = "false";
renderLoading();
setInterval(tick, 250);
tick();
channel.start();
