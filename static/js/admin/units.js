// The unit tree: pick a unit to edit its names, position and contacts (PATCH
// /api/units/{code}), or add a unit under it (POST /api/units, which checks the tier).
import { ApiError, api, errorText } from "../api.js";
import { option } from "../dom.js";
import { t, unitName, vocabularyCodes } from "../i18n.js";
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

function number(value) {
  return value === "" ? null : Number(value);
}

export class UnitAdmin {
  constructor({ tree, editForm, childForm, flash, onChanged }) {
    Object.assign(this, { editForm, childForm, flash, onChanged });
    this.units = [];
    this.picker = new Picker(tree, { multiple: false, tree: true, name: t("admin.units.tree"), onChange: (code) => this.select(code) });
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
  }

  // The chosen unit's kind, tier and parent, and the parent of a new unit, in the
  // language shown (again after a language switch).
  describe() {
    const unit = this.current;
    if (!unit) return;
    this.editForm.querySelector("#unit-place").textContent = `${t(`unit.kind.${unit.kind}`)} · ${t(`tier.${unit.tier}`)}${unit.parent ? ` · ${t("admin.units.parent")} ${unit.parent}` : ""}`;
    this.childForm.querySelector("#child-parent").textContent = `${t("admin.units.under")} ${unitName(unit)}`;
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
}
