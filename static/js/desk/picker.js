// A searchable picker over the unit tree: a search box and a list of units indented by
// depth; one unit (radio) or several (checkboxes). Units suggested first (e.g. the
// incident's reporting chain) are listed at the top.
import { el } from "../dom.js";
import { t, unitName } from "../i18n.js";

let pickers = 0;

export function unitPicker({ units, name, multiple = false, suggested = [], selected = [], label }) {
  pickers += 1;
  const id = `picker-${pickers}`;
  const chosen = new Set(selected);
  const all = [...units.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const top = suggested.map((code) => units.get(code)).filter(Boolean);
  const rest = all.filter((unit) => !suggested.includes(unit.code));
  const minDepth = Math.min(...all.map((u) => u.depth ?? 0));
  const search = el("input", { type: "search", id: `${id}-search`, className: "picker-search", placeholder: t("desk.picker.search"), autocomplete: "off" });
  const list = el("div", { className: "picker-list", role: "group", "aria-label": label });

  function item(unit, indent) {
    const input = el("input", {
      type: multiple ? "checkbox" : "radio",
      name,
      value: unit.code,
      checked: chosen.has(unit.code),
      onchange: () => {
        if (!multiple) chosen.clear();
        if (input.checked) chosen.add(unit.code);
        else chosen.delete(unit.code);
      },
    });
    return el(
      "label",
      { className: "picker-item", dataset: { code: unit.code, depth: indent ? (unit.depth ?? 0) - minDepth : 0 } },
      input,
      el("span", { text: unitName(unit) }),
      el("span", { className: "muted code", text: unit.code }),
    );
  }

  function render() {
    const words = search.value.trim().toLowerCase();
    const match = (unit) => !words || `${unit.name} ${unit.name_en} ${unit.code}`.toLowerCase().includes(words);
    const head = top.filter(match);
    const tail = rest.filter(match).slice(0, words ? 200 : 400);
    const nodes = [
      head.length ? el("p", { className: "picker-group", text: t("desk.picker.suggested") }) : null,
      ...head.map((unit) => item(unit, false)),
      head.length && tail.length ? el("p", { className: "picker-group", text: t("desk.picker.all") }) : null,
      ...tail.map((unit) => item(unit, true)),
      head.length || tail.length ? null : el("p", { className: "muted", text: t("desk.picker.none") }),
    ];
    list.replaceChildren(...nodes.filter(Boolean));
  }

  search.addEventListener("input", render);
  render();
  const node = el("div", { className: "picker" }, el("label", { for: search.id, text: label }), search, list);
  return { node, values: () => [...chosen], search };
}
