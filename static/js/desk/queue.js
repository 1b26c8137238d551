// The queue: every open incident of the subtree, most urgent first, with filters and a
// search; new ones marked until 签收. Arrow keys move through it, Enter opens.
import { $, el, option } from "../dom.js";
import { placeName, t, unitName, vocabularyCodes } from "../i18n.js";
import { formatTime } from "../time.js";
import { clock } from "../clocks.js";
import { levelShort } from "./words.js";

const FILTERS = ["f-level", "f-status", "f-county", "f-category", "f-exercise"];

export function fillFilters(state) {
  const keep = Object.fromEntries(FILTERS.map((id) => [id, $(`#${id}`).value]));
  const choices = {
    "f-level": [["", t("desk.filter.allLevels")], ...vocabularyCodes("level").map((c) => [c, t(`level.${c}`)]), ["none", t("level.none")]],
    "f-status": [["", t("desk.filter.allStatuses")], ...vocabularyCodes("status").filter((c) => c !== "closed").map((c) => [c, t(`status.${c}`)])],
    "f-county": [["", t("desk.filter.allCounties")], ...[...state.units.values()].filter((u) => u.tier === "county" && u.kind === "area").map((u) => [u.code, unitName(u)])],
    "f-category": [["", t("desk.filter.allCategories")], ...vocabularyCodes("category").map((c) => [c, t(`category.${c}`)])],
    "f-exercise": [["", t("desk.filter.realAndDrills")], ["real", t("desk.filter.real")], ["drill", t("desk.filter.drills")]],
  };
  for (const [id, items] of Object.entries(choices)) {
    const select = $(`#${id}`);
    select.replaceChildren(...items.map(([value, label]) => option(value, label, value === keep[id])));
  }
}

function matches(incident, state, filters) {
  const { level, status, county, category, exercise, candidates, search } = filters;
  if (level && (incident.level || "none") !== level) return false;
  if (status && incident.status !== status) return false;
  if (county && state.countyOf(incident) !== county) return false;
  if (category && incident.category !== category) return false;
  if (exercise === "real" && incident.exercise) return false;
  if (exercise === "drill" && !incident.exercise) return false;
  if (candidates && !state.candidatesOf(incident.id).length) return false;
  if (!search) return true;
  const units = new Set([incident.unit, ...(incident.reports || []).map((r) => r.unit)]);
  const words = [incident.title, incident.type, placeName(incident.unit, state.units)];
  for (const code of units) words.push(code, state.units.get(code)?.name || "", state.units.get(code)?.name_en || "");
  const haystack = words.join(" ").toLowerCase();
  return search.toLowerCase().split(/\s+/).every((word) => haystack.includes(word));
}

export function readFilters() {
  return {
    level: $("#f-level").value,
    status: $("#f-status").value,
    county: $("#f-county").value,
    category: $("#f-category").value,
    exercise: $("#f-exercise").value,
    candidates: $("#f-candidates").checked,
    search: $("#f-search").value.trim(),
  };
}

function row(incident, state, view) {
  const level = `lv-${incident.level || "none"}`;
  const unacked = !incident.acknowledged_at;
  const fresh = unacked || state.fresh.has(incident.id);
  const clocks = state.obligationsOf(incident.id).slice(0, 2);
  const flags = [];
  if (unacked) flags.push(el("span", { className: "flag new", text: t("desk.unacked") }));
  else if (state.fresh.has(incident.id)) flags.push(el("span", { className: "flag new", text: t("desk.newReport") }));
  if (state.candidatesOf(incident.id).length) flags.push(el("span", { className: "flag cand", text: t("desk.flag.candidate") }));
  if (incident.exercise) flags.push(el("span", { className: "flag drill", text: t("exercise") }));
  return el(
    "li",
    {
      id: `q-${incident.id}`,
      role: "option",
      className: `q-item ${level}${fresh ? " fresh" : ""}${view.flashing.has(incident.id) ? " arrived" : ""}`,
      "aria-selected": String(view.selected === incident.id),
      dataset: { incident: incident.id, active: String(view.active === incident.id) },
    },
    el(
      "div",
      { className: "q-head" },
      el("span", { className: `badge ${level}`, text: levelShort(incident.level) }),
      el("span", { className: "q-title", text: incident.title }),
    ),
    el(
      "div",
      { className: "q-meta" },
      `${placeName(incident.unit, state.units)} · ${t(`status.${incident.status}`)} · ${formatTime(incident.received_at)}`,
    ),
    flags.length ? el("div", { className: "q-flags" }, flags) : null,
    clocks.length ? el("div", { className: "q-clocks" }, clocks.map((ob) => clock(ob))) : null,
  );
}

export function renderQueue(list, countNode, state, view, now) {
  const filters = readFilters();
  const all = state.sorted(now);
  const shown = all.filter((incident) => matches(incident, state, filters));
  view.order = shown.map((incident) => incident.id);
  list.replaceChildren(...shown.map((incident) => row(incident, state, view)));
  if (!shown.length) list.append(el("li", { className: "q-empty", text: t(all.length ? "desk.noMatch" : "desk.noIncidents") }));
  countNode.textContent = shown.length === all.length ? String(all.length) : t("desk.shownOf", { shown: shown.length, total: all.length });
  if (view.active !== null && view.order.includes(view.active)) list.setAttribute("aria-activedescendant", `q-${view.active}`);
  else list.removeAttribute("aria-activedescendant");
}

// ↑/↓ (and Home/End) move the active row; Enter or Space opens it.
export function wireKeyboard(list, view, { move, open }) {
  list.addEventListener("keydown", (event) => {
    const index = view.order.indexOf(view.active);
    const last = view.order.length - 1;
    const target = {
      ArrowDown: Math.min(last, index + 1),
      ArrowUp: Math.max(0, index - 1),
      Home: 0,
      End: last,
    }[event.key];
    if (target !== undefined && last >= 0) {
      event.preventDefault();
      move(view.order[index < 0 ? 0 : target]);
    } else if ((event.key === "Enter" || event.key === " ") && view.active !== null) {
      event.preventDefault();
      open(view.active);
    }
  });
  list.addEventListener("click", (event) => {
    const item = event.target.closest(".q-item");
    if (item) open(Number(item.dataset.incident));
  });
}
