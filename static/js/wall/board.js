// The board of open incidents, each with the running clock of every report still owed.
import { el } from "../dom.js";
import { t } from "../i18n.js";
import { tickClocks } from "../clocks.js";
import { levelClass } from "./map.js";
import { incidentMeta, levelLabel, obligationLabel } from "./labels.js";
import { overdue } from "./state.js";

const LEVEL_RANK = { I: 0, II: 1, III: 2, IV: 3 };

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

function obligationRow(ob, units) {
  return el(
    "li",
    { className: "ob", dataset: { obligation: ob.id } },
    el("span", { className: "ob-what", text: obligationLabel(ob, units) }),
    clock(ob),
  );
}

function card(incident, state) {
  const clocks = state.obligationsOf(incident.id);
  return el(
    "li",
    {
      className: `card ${levelClass(incident)}${incident.exercise ? " exercise" : ""}`,
      dataset: { incident: incident.id },
    },
    el(
      "div",
      { className: "card-head" },
      el("span", { className: `badge ${levelClass(incident)}`, text: levelLabel(incident.level) }),
      el("span", { className: "card-title", text: incident.title }),
    ),
    el("div", { className: "card-meta", text: incidentMeta(incident, state.units) }),
    clocks.length
      ? el("ul", { className: "clocks" }, clocks.map((ob) => obligationRow(ob, state.units)))
      : el("div", { className: "card-none", text: t("wall.noClocks") }),
    incident.exercise ? el("span", { className: "watermark", "aria-hidden": "true", text: t("exercise") }) : null,
  );
}

export function renderBoard(list, countNode, state, now) {
  const incidents = sortedIncidents(state, now);
  list.replaceChildren(...incidents.map((incident) => card(incident, state)));
  if (!incidents.length) list.append(el("li", { className: "board-empty", text: t("wall.noIncidents") }));
  countNode.textContent = incidents.length ? String(incidents.length) : "";
  tickClocks(list, now);
  fitBoard(list);
}

// The least urgent cards that do not fit give way to a line saying how many are hidden.
const MORE_LINE_PX = 40;

function fitBoard(list) {
  const bottom = list.parentElement.getBoundingClientRect().bottom;
  const cards = [...list.querySelectorAll(".card")];
  if (!cards.length || cards.at(-1).getBoundingClientRect().bottom <= bottom) return;
  const hidden = cards.filter((node) => node.getBoundingClientRect().bottom > bottom - MORE_LINE_PX);
  for (const node of hidden) node.hidden = true;
  list.append(el("li", { className: "board-more", text: t("wall.moreIncidents", { n: hidden.length }) }));
}
