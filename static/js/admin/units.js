// The unit tree: pick a unit to edit its names, position and contacts (PATCH
// /api/units/{code}), add a unit under it (POST /api/units, which checks the tier), or
// move it with its subtree under another parent (POST /api/units/{code}/move, which
// refuses while any record refers to the subtree).
import { ApiError, api, errorText } from "../api.js";
import { option } from "../dom.js";
import { has, t, unitName, vocabularyCodes } from "../i18n.js";
import { Picker, unitItems } from "../picker.js";

const CONTACT_KINDS = new Set(["email", "apprise", "phone"]);

function contactsText(contacts) {
  return (contacts || []).map((c) => [c.kind, c.address, c.label].filter(Boolean).join(" ")).join("\n");
}

// A contact line the page refuses before asking the server, already in the page's words.
class ContactLineError extends Error {}

// One contact a line: kind, address, then an optional label.
export function parseContacts(text) {
  const contacts = [];
  for (const [index, line] of text.split("\n").entries()) {
    const [kind, address, ...label] = line.trim().split(/\s+/);
    if (!kind) continue;
    if (!CONTACT_KINDS.has(kind) || !address) throw new ContactLineError(t("admin.units.badContact", { line: index + 1 }));
    contacts.push({ kind, address, label: label.join(" ") });
  }
  return contacts;
}

function formError(form, text) {
  const node = form.querySelector(".form-error");
  node.hidden = !text;
  node.textContent = text || "";
}

// The two refusals of a new unit the API has, said in the page's words: the code is
// taken (409), or the tier would sit above its parent's (422, field tier, a rule).
function createRefusal(error, body, parent) {
  if (!(error instanceof ApiError)) return errorText(error);
  if (error.status === 409) return t("admin.units.codeTaken", { code: body.code });
  const details = error.body?.error?.details || [];
  if (details.some((detail) => detail.field === "tier" && detail.type === "rule")) {
    return t("admin.units.tierAbove", { tier: t(`tier.${body.tier}`), parent: unitName(parent), parentTier: t(`tier.${parent.tier}`) });
  }
  return errorText(error);
}

// A table the API names in a refusal, in the page's words (its own name if it has none).
function tableName(table) {
  return has(`admin.units.table.${table}`) ? t(`admin.units.table.${table}`) : table;
}

// The refusals of a move the API has, each by its stable code, in the page's words.
function moveRefusal(error, unit, parent) {
  if (!(error instanceof ApiError)) return errorText(error);
  const code = error.body?.error?.code;
  const details = error.body?.error?.details || [];
  const names = { unit: unitName(unit), parent: parent ? unitName(parent) : "" };
  if (code === "unit_in_use") {
    const tables = details.map((detail) => t("admin.units.tableCount", { table: tableName(detail.table), count: detail.count }));
    return t("admin.units.inUse", { ...names, tables: tables.join(t("listSep")) });
  }
  if (code === "unit_move_cycle") return t("admin.units.moveCycle", names);
  if (code === "unit_parent_unknown") return t("admin.units.parentUnknown", names);
  if (code === "unit_parent_outside") return t("admin.units.parentOutside", names);
  if (code === "unit_busy") return t("admin.units.moveBusy");
  if (code === "unit_path_too_long") return t("admin.units.moveTooDeep", names);
  if (details.some((detail) => detail.field === "tier" && detail.type === "rule") && parent) {
    return t("admin.units.tierAbove", { tier: t(`tier.${unit.tier}`), parent: unitName(parent), parentTier: t(`tier.${parent.tier}`) });
  }
  return errorText(error);
}

function number(value) {
  return value === "" ? null : Number(value);
}

export class UnitAdmin {
  constructor({ tree, editForm, childForm, moveForm, flash, onChanged }) {
    Object.assign(this, { editForm, childForm, moveForm, flash, onChanged });
    this.units = [];
    this.picker = new Picker(tree, { multiple: false, tree: true, name: t("admin.units.tree"), onChange: (code) => this.select(code) });
    this.parentPicker = new Picker(moveForm.querySelector("#move-parent"), { multiple: false, tree: true, name: t("admin.units.newParent") });
    moveForm.addEventListener("submit", (event) => {
      event.preventDefault();
      this.move();
    });
    editForm.addEventListener("submit", (event) => {
      event.preventDefault();
      this.save();
    });
    childForm.addEventListener("submit", (event) => {
      event.preventDefault();
      this.create();
    });
  }

  fillChoices() {
    this.childForm.elements.kind.replaceChildren(...vocabularyCodes("unit_kind").map((code) => option(code, t(`unit.kind.${code}`))));
    this.childForm.elements.tier.replaceChildren(...vocabularyCodes("tier").map((code) => option(code, t(`tier.${code}`))));
  }

  // The tree again in the language shown (a unit's English name where it has one).
  relabel() {
    const chosen = this.picker.value;
    this.picker.setItems(unitItems(this.units, (unit) => unitName(unit)));
    this.picker.value = chosen;
    this.fillParents();
  }

  // Where the chosen unit may go: any unit outside its own subtree (the API refuses the
  // rest too, and says why).
  fillParents() {
    const unit = this.current;
    if (!unit) return;
    const chosen = this.parentPicker.value;
    const outside = this.units.filter((other) => !other.path.startsWith(unit.path));
    this.parentPicker.setItems(unitItems(outside, (other) => unitName(other)));
    this.parentPicker.value = chosen;
  }

  async load(selected) {
    this.units = (await api("/api/units")).items;
    this.picker.setItems(unitItems(this.units, (unit) => unitName(unit)));
    const code = selected || this.picker.value || this.units[0]?.code;
    this.picker.value = code;
    await this.select(code);
  }

  async select(code) {
    if (!code) return;
    const unit = await api(`/api/units/${encodeURIComponent(code)}`);
    this.current = unit;
    const form = this.editForm;
    formError(form, null);
    form.querySelector("#unit-code").textContent = unit.code;
    this.describe();
    form.elements.name.value = unit.name;
    form.elements.name_en.value = unit.name_en || "";
    form.elements.lon.value = unit.lon ?? "";
    form.elements.lat.value = unit.lat ?? "";
    form.elements.contacts.value = contactsText(unit.contacts);
    formError(this.moveForm, null);
    this.parentPicker.clear();
    this.fillParents();
  }

  // The chosen unit's kind, tier and parent, and the parent of a new unit, in the
  // language shown (again after a language switch).
  describe() {
    const unit = this.current;
    if (!unit) return;
    this.editForm.querySelector("#unit-place").textContent = `${t(`unit.kind.${unit.kind}`)} · ${t(`tier.${unit.tier}`)}${unit.parent ? ` · ${t("admin.units.parent")} ${unit.parent}` : ""}`;
    this.childForm.querySelector("#child-parent").textContent = `${t("admin.units.under")} ${unitName(unit)}`;
    this.moveForm.querySelector("#move-unit").textContent = unitName(unit);
  }

  async save() {
    const form = this.editForm;
    formError(form, null);
    try {
      const body = {
        name: form.elements.name.value.trim(),
        name_en: form.elements.name_en.value.trim(),
        lon: number(form.elements.lon.value),
        lat: number(form.elements.lat.value),
        contacts: parseContacts(form.elements.contacts.value),
      };
      const unit = await api(`/api/units/${encodeURIComponent(this.current.code)}`, { method: "PATCH", body });
      this.flash(t("admin.units.saved", { name: unit.name }));
      await this.load(unit.code);
    } catch (error) {
      formError(form, error instanceof ContactLineError ? error.message : errorText(error));
    }
  }

  async create() {
    const form = this.childForm;
    formError(form, null);
    const body = {
      code: form.elements.code.value.trim(),
      name: form.elements.name.value.trim(),
      name_en: form.elements.name_en.value.trim(),
      kind: form.elements.kind.value,
      tier: form.elements.tier.value,
      parent: this.current?.code ?? null,
    };
    try {
      const unit = await api("/api/units", { method: "POST", body });
      form.reset();
      this.flash(t("admin.units.created", { name: unit.name, code: unit.code }));
      await this.load(unit.code);
      this.onChanged();
    } catch (error) {
      formError(form, createRefusal(error, body, this.current));
    }
  }

  async move() {
    const form = this.moveForm;
    const unit = this.current;
    formError(form, null);
    const code = this.parentPicker.value;
    if (!unit) return;
    if (!code) return formError(form, t("admin.units.pickParent"));
    const parent = this.units.find((other) => other.code === code);
    try {
      const moved = await api(`/api/units/${encodeURIComponent(unit.code)}/move`, { method: "POST", body: { parent: code } });
      this.flash(t("admin.units.moved", { name: unitName(unit), parent: unitName(parent) }));
      await this.load(moved.code);
      this.onChanged();
    } catch (error) {
      formError(form, moveRefusal(error, unit, parent));
    }
  }
}
