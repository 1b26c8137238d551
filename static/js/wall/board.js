// The board of open incidents, each with the running clock of every report still owed.
//
// Every open incident is on the board: full cards while they fit, then cards with their
// most pressing clock alone (and how many more), then one compact row each, and, when
// even the rows do not fit, pages that turn at a steady rhythm under an indicator. The overdue, the new (not yet acknowledged at the desk) and
// the newest are pinned above the pages: they are never hidden.
import { el } from "../dom.js";
import { t } from "../i18n.js";
import { tickClocks } from "../clocks.js";
import { levelClass } from "./map.js";
import { casualtiesText, incidentMeta, levelLabel, obligationLabel } from "./labels.js";
import { overdue } from "./state.js";

const LEVEL_RANK = { I: 0, II: 1, III: 2, IV: 3 };
export const PAGE_SECONDS = 8;

function urgency(state, incident, now) {
  const clocks = state.obligationsOf(incident.id);
  const late = clocks.some((ob) => overdue(ob, now));
  const next = clocks.length ? Date.parse(clocks[0].due_at) : Infinity;
  return [late ? 0 : 1, incident.exercise ? 1 : 0, next, LEVEL_RANK[incident.level] ?? 4, -incident.id];
}

function compare(a, b) {
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  return 0;
}

export function sortedIncidents(state, now) {
  const keyed = [...state.incidents.values()].map((incident) => [urgency(state, incident, now), incident]);
  return keyed.sort((a, b) => compare(a[0], b[0])).map(([, incident]) => incident);
}

// Not yet acknowledged (签收) by a duty officer at the centre.
export const isNew = (incident) => !incident.acknowledged_at;

function clock(ob) {
  return el(
    "span",
    {
      className: "clock",
      dataset: { due: Date.parse(ob.due_at), warn: Date.parse(ob.warn_at || ob.due_at), missed: ob.state === "missed" },
    },
    el("span", { className: "clock-label" }),
    el("span", { className: "clock-time" }),
  );
}

// One owed report with its clock; `more`: how many others the brief card leaves out.
function obligationRow(ob, units, more = 0) {
  return el(
    "li",
    { className: "ob", dataset: { obligation: ob.id } },
    el("span", { className: "ob-what", text: obligationLabel(ob, units) }),
    more ? el("span", { className: "ob-more", text: t("wall.moreClocks", { n: more }) }) : null,
    clock(ob),
  );
}

function classes(base, incident, now, state) {
  const late = state.obligationsOf(incident.id).some((ob) => overdue(ob, now));
  return [base, levelClass(incident), incident.exercise && "exercise", isNew(incident) && "new", late && "late"]
    .filter(Boolean)
    .join(" ");
}

function newTag(incident) {
  return isNew(incident) ? el("span", { className: "new-tag", text: t("wall.newTag") }) : null;
}

// A brief card shows this many clocks, the most pressing first, and says how many more.
const BRIEF_CLOCKS = 1;

function clockList(clocks, state, brief) {
  if (!clocks.length) return el("div", { className: "card-none", text: t("wall.noClocks") });
  const shown = brief ? clocks.slice(0, BRIEF_CLOCKS) : clocks;
  const more = clocks.length - shown.length;
  return el(
    "ul",
    { className: "clocks" },
    shown.map((ob, index) => obligationRow(ob, state.units, index === shown.length - 1 ? more : 0)),
  );
}

function card(incident, state, now, brief = false) {
  const clocks = state.obligationsOf(incident.id);
  return el(
    "li",
    { className: classes("card", incident, now, state), dataset: { incident: incident.id } },
    el(
      "div",
      { className: "card-head" },
      el("span", { className: `badge ${levelClass(incident)}`, text: levelLabel(incident.level) }),
      newTag(incident),
      el("span", { className: "card-title", text: incident.title }),
    ),
    el(
      "div",
      { className: "card-meta" },
      el("span", { className: "card-place", text: incidentMeta(incident, state.units) }),
      el("span", { className: "casualties", text: casualtiesText(incident) }),
    ),
    clockList(clocks, state, brief),
    incident.exercise ? el("span", { className: "watermark", "aria-hidden": "true", text: t("exercise") }) : null,
  );
}

// One line: level, new mark, title, casualties and the most pressing clock.
function row(incident, state, now) {
  const [first] = state.obligationsOf(incident.id);
  return el(
    "li",
    { className: classes("card row", incident, now, state), dataset: { incident: incident.id } },
    el("span", { className: `badge ${levelClass(incident)}`, text: levelLabel(incident.level) }),
    newTag(incident),
    incident.exercise ? el("span", { className: "row-exercise", text: t("exercise") }) : null,
    el("span", { className: "card-title", text: incident.title }),
    el("span", { className: "casualties", text: casualtiesText(incident, true) }),
    first ? clock(first) : el("span", { className: "card-none", text: t("wall.noClocksShort") }),
  );
}

// The incidents that are never paged away: the overdue and the newest few.
const NEWEST_PINNED = 3;

function pinnedOf(incidents, state, now) {
  const newest = [...incidents].sort((a, b) => b.id - a.id).slice(0, NEWEST_PINNED);
  return incidents.filter(
    (incident) => newest.includes(incident) || state.obligationsOf(incident.id).some((ob) => overdue(ob, now)),
  );
}

const overflows = (list) => list.scrollHeight > list.clientHeight + 1;
let page = 0;

// The next page, on the wall's steady rhythm (main.js calls this every PAGE_SECONDS).
export function turnPage() {
  page += 1;
}

function pageIndicator(number, pages, total) {
  return el("li", { className: "board-pages", text: t("wall.pages", { page: number, pages, n: total, s: PAGE_SECONDS }) });
}

// Rows paged: as many rows as fit, the pinned first, then one page of the others.
function paged(list, incidents, state, now) {
  list.replaceChildren(row(incidents[0], state, now), pageIndicator(1, 1, incidents.length));
  const rowHeight = list.firstChild.getBoundingClientRect().height;
  const gap = parseFloat(getComputedStyle(list).rowGap) || 0;
  const room = list.clientHeight - list.lastChild.getBoundingClientRect().height;
  const capacity = Math.max(1, Math.floor((room + gap) / (rowHeight + gap)));
  // Pinned rows leave room for a page of the others (more overdue than that: they page too).
  const pinned = pinnedOf(incidents, state, now).slice(0, Math.max(1, Math.floor(capacity / 2)));
  const rest = incidents.filter((incident) => !pinned.includes(incident));
  const size = Math.max(1, capacity - pinned.length);
  const pages = Math.max(1, Math.ceil(rest.length / size));
  const number = page % pages;
  const shown = [...pinned, ...rest.slice(number * size, (number + 1) * size)];
  const order = new Map(incidents.map((incident, index) => [incident.id, index]));
  shown.sort((a, b) => order.get(a.id) - order.get(b.id));
  list.replaceChildren(...shown.map((incident) => row(incident, state, now)), pageIndicator(number + 1, pages, incidents.length));
  Object.assign(list.dataset, { mode: "paged", pinned: pinned.length, pageSize: size, pages });
}

// The ways of drawing every incident, from the fullest to the densest; paged is the last.
const MODES = ["cards", "brief", "rows", "paged"];
const MAKERS = {
  cards: (incident, state, now) => card(incident, state, now),
  brief: (incident, state, now) => card(incident, state, now, true),
  rows: row,
};

// What the last drawing needed: with as many incidents and clocks or more, in the same
// language, the same or denser (a fuller way is tried again once there is less to show).
let last = { mode: "cards", count: 0, clocks: 0, lang: null };

export function renderBoard(list, countNode, state, now) {
  const incidents = sortedIncidents(state, now);
  countNode.textContent = incidents.length ? String(incidents.length) : "";
  const clocks = incidents.reduce((sum, incident) => sum + state.obligationsOf(incident.id).length, 0);
  const lang = document.documentElement.lang;
  const more = incidents.length >= last.count && clocks >= last.clocks && lang === last.lang;
  const start = more ? MODES.indexOf(last.mode) : 0;
  const fits = MODES.slice(start, -1).some((mode) => drawn(list, mode, incidents, state, now));
  if (!fits) paged(list, incidents, state, now);
  last = { mode: list.dataset.mode, count: incidents.length, clocks, lang };
  tickClocks(list, now);
}

// Every incident in one of the MAKERS' ways; false when they do not fit.
function drawn(list, mode, incidents, state, now) {
  const make = MAKERS[mode];
  list.dataset.mode = mode;
  list.replaceChildren(...incidents.map((incident) => make(incident, state, now)));
  if (!incidents.length) list.append(el("li", { className: "board-empty", text: t("wall.noIncidents") }));
  return !overflows(list);
}

// Before the first snapshot: say so, rather than "no incidents".
export function renderBoardLoading(list) {
  list.replaceChildren(el("li", { className: "board-empty loading", text: t("wall.loading") }));
}
