// A picker with search: type to filter a long list (plans) or the unit tree (shown as a
// tree, a match keeps its ancestors visible). Several or one may be chosen; the chosen
// ones show as chips above the list. Replaces multi-selects of hundreds of rows.
import { el } from "./dom.js";
import { t } from "./i18n.js";

const SHOWN = 200;

export class Picker {
  // items: [{value, label, detail, parent, depth}] (parent/depth for a tree, in tree order)
  constructor(root, { multiple = true, tree = false, name, onChange = () => {} } = {}) {
    this.root = root;
    this.multiple = multiple;
    this.tree = tree;
    this.onChange = onChange;
    this.items = [];
    this.byValue = new Map();
    this.chosen = new Set();
    this.collapsed = new Set();
    this.search = el("input", { type: "search", className: "picker-search", autocomplete: "off", "aria-label": name, placeholder: t("picker.typeToFilter") });
    this.chips = el("ul", { className: "picker-chips", "aria-live": "polite" });
    this.list = el("ul", { className: "picker-list", role: "listbox", "aria-multiselectable": multiple ? "true" : "false", "aria-label": name });
    this.more = el("p", { className: "picker-more muted" });
    root.classList.add("picker");
    root.replaceChildren(this.chips, this.search, this.list, this.more);
    this.search.addEventListener("input", () => this.render());
  }

  setItems(items) {
    this.items = items;
    this.byValue = new Map(items.map((item) => [item.value, item]));
    this.chosen = new Set([...this.chosen].filter((value) => this.byValue.has(value)));
    if (this.tree) this.collapsed = new Set(items.filter((item) => item.depth >= 1 && this.hasChildren(item)).map((item) => item.value));
    this.render();
  }

  hasChildren(item) {
    return this.items.some((other) => other.parent === item.value);
  }

  get value() {
    return this.multiple ? [...this.chosen] : ([...this.chosen][0] ?? "");
  }

  set value(values) {
    const list = Array.isArray(values) ? values : values ? [values] : [];
    this.chosen = new Set(list.filter((value) => this.byValue.has(value)));
    this.render();
  }

  clear() {
    this.chosen.clear();
    this.search.value = "";
    this.render();
  }

  toggle(value) {
    if (this.chosen.has(value)) this.chosen.delete(value);
    else {
      if (!this.multiple) this.chosen.clear();
      this.chosen.add(value);
    }
    this.render();
    this.onChange(this.value);
  }

  matches() {
    const needle = this.search.value.trim().toLowerCase();
    if (!needle) return null;
    const hit = (item) => `${item.label} ${item.detail || ""} ${item.value} ${item.search || ""}`.toLowerCase().includes(needle);
    const shown = new Set(this.items.filter(hit).map((item) => item.value));
    if (this.tree) {
      for (const value of [...shown]) {
        for (let up = this.byValue.get(value)?.parent; up && this.byValue.has(up); up = this.byValue.get(up).parent) shown.add(up);
      }
    }
    return shown;
  }

  visible(filtered) {
    if (filtered) return this.items.filter((item) => filtered.has(item.value));
    if (!this.tree) return this.items;
    const hidden = (item) => {
      for (let up = item.parent; up && this.byValue.has(up); up = this.byValue.get(up).parent) {
        if (this.collapsed.has(up)) return true;
      }
      return false;
    };
    return this.items.filter((item) => !hidden(item));
  }

  row(item, filtered) {
    const chosen = this.chosen.has(item.value);
    const box = el("input", { type: this.multiple ? "checkbox" : "radio", tabindex: "-1", checked: chosen, "aria-hidden": "true" });
    const line = el(
      "li",
      { role: "option", tabindex: "0", "aria-selected": chosen ? "true" : "false", dataset: { value: item.value }, className: chosen ? "chosen" : "" },
      box,
      el("span", { className: "picker-label", text: item.label }),
      item.detail ? el("span", { className: "picker-detail muted", text: item.detail }) : null,
    );
    if (this.tree) {
      line.style.paddingLeft = `${0.4 + 1.1 * (item.depth || 0)}em`;
      if (!filtered && this.hasChildren(item)) line.prepend(this.twisty(item));
      else line.prepend(el("span", { className: "twisty-space", "aria-hidden": "true" }));
    }
    line.addEventListener("click", () => this.toggle(item.value));
    line.addEventListener("keydown", (event) => {
      if (event.key === " " || event.key === "Enter") {
        event.preventDefault();
        this.toggle(item.value);
      }
    });
    return line;
  }

  twisty(item) {
    const open = !this.collapsed.has(item.value);
    const button = el("button", { type: "button", className: "twisty", "aria-expanded": open ? "true" : "false", "aria-label": t(open ? "picker.collapse" : "picker.expand"), text: open ? "▾" : "▸" });
    button.addEventListener("click", (event) => {
      event.stopPropagation();
      if (open) this.collapsed.add(item.value);
      else this.collapsed.delete(item.value);
      this.render();
    });
    return button;
  }

  render() {
    this.search.placeholder = t("picker.typeToFilter"); // in the language shown now
    const filtered = this.matches();
    const rows = this.visible(filtered);
    this.list.replaceChildren(...rows.slice(0, SHOWN).map((item) => this.row(item, filtered)));
    this.more.textContent = rows.length > SHOWN ? t("picker.more", { n: rows.length - SHOWN }) : rows.length ? "" : t("picker.none");
    this.chips.replaceChildren(
      ...[...this.chosen].map((value) => {
        const item = this.byValue.get(value);
        const remove = el("button", { type: "button", className: "pick-chip-remove", "aria-label": t("picker.remove", { name: item.label }), text: "×" });
        remove.addEventListener("click", () => this.toggle(value));
        return el("li", { className: "pick-chip" }, el("span", { text: item.label }), remove);
      }),
    );
  }
}

// Units in tree order as picker items (name, with the code as detail); both names match.
export function unitItems(units, name = (unit) => unit.name) {
  const base = Math.min(...units.map((unit) => unit.depth));
  return units.map((unit) => ({
    value: unit.code,
    label: name(unit),
    detail: unit.code,
    search: `${unit.name} ${unit.name_en || ""}`,
    parent: unit.parent,
    depth: unit.depth - base,
  }));
}
