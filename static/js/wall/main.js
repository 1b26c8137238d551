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
import { renderBoard } from "./board.js";
import { renderCounters, tickCounters } from "./counters.js";
import { renderDrills } from "./drills.js";
import { showConnection, showOnDuty, showRunningDrills } from "./header.js";
import { WallMap } from "./map.js";
import { WallState } from "./state.js";

// The topics the wall draws, of those the server offers (the page's config block).
const WALL_TOPICS = ["incidents", "deadlines", "drills", "plans", "units", "duty"];
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
  duty() {
    showOnDuty(state, clock.now());
  },
  all() {
    for (const part of ["units", "incidents", "drills", "duty"]) render[part]();
  },
};

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
  tickCounters(nodes.counters, state, now);
  const week = weekWindow(now).from;
  if (shownWeek !== null && week !== shownWeek) reloadDrillsSoon();
  shownWeek = week;
  const minute = Math.floor(now / 60000);
  if (shownMinute !== null && minute !== shownMinute) {
    render.drills();
    render.duty();
  }
  shownMinute = minute;
}

channel.addEventListener("snapshot", (event) => {
  state.unit = channel.unit;
  state.applySnapshot(event.detail.topics);
  render.all();
  showTruncated(event.detail.truncated);
});
channel.addEventListener("event", (event) => {
  const part = state.applyEvent(event.detail);
  if (part) render[part]();
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
  showTruncated();
});
map = new WallMap($("#map"), config.tile_url, config.unit);
nodes.unit.textContent = unitName(config.unit, caller.unit);
setInterval(tick, 250);
tick();
channel.start();
