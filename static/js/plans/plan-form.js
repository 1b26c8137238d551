// Registering a plan (POST /api/plans): title, type, owner unit (picked in the tree),
// levels, categories, high risk. A new plan is a draft until its first version.
import { api, errorText } from "../api.js";
import { el } from "../dom.js";
import { newKey } from "../ids.js";
import { t, unitName, vocabularyCodes } from "../i18n.js";
import { Picker, unitItems } from "../picker.js";
import { PLAN_TYPES } from "./catalog.js";

function checks(root, name, codes, label) {
  root.replaceChildren(
    ...codes.map((code) => el("label", { className: "inline" }, el("input", { type: "checkbox", name, value: code }), el("span", { text: label(code) }))),
  );
}

export class PlanDialog {
  constructor(dialog, { onSaved }) {
    this.dialog = dialog;
    this.form = dialog.querySelector("form");
    this.onSaved = onSaved;
    this.unit = new Picker(dialog.querySelector("#p-unit"), { multiple: false, tree: true, name: t("registry.field.unit") });
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
    dialog.querySelector("[data-close]").addEventListener("click", () => dialog.close());
  }

  fill(units, home) {
    this.form.elements.type.replaceChildren(...PLAN_TYPES.map((type) => el("option", { value: type, text: t(`plan.type.${type}`) })));
    checks(this.form.querySelector("#p-levels"), "levels", vocabularyCodes("level"), (code) => t(`level.${code}`));
    checks(this.form.querySelector("#p-categories"), "categories", vocabularyCodes("category"), (code) => t(`category.${code}`));
    this.unit.setItems(unitItems(units, (unit) => unitName(unit)));
    this.unit.value = home;
  }

  open() {
    this.form.reset();
    this.error(null);
    this.dialog.showModal();
    this.form.elements.title.focus();
  }

  error(text) {
    const node = this.form.querySelector(".form-error");
    node.hidden = !text;
    node.textContent = text || "";
  }

  body() {
    const checked = (name) => [...this.form.querySelectorAll(`input[name="${name}"]:checked`)].map((box) => box.value);
    return {
      title: this.form.elements.title.value.trim(),
      type: this.form.elements.type.value,
      unit: this.unit.value,
      levels: checked("levels"),
      categories: checked("categories"),
      high_risk: this.form.elements.high_risk.checked,
    };
  }

  async submit() {
    const body = this.body();
    if (!body.title) return this.error(t("registry.need.title"));
    if (!body.unit) return this.error(t("registry.need.unit"));
    try {
      const plan = await api("/api/plans", { method: "POST", body, key: newKey() });
      this.dialog.close();
      this.onSaved(plan);
    } catch (error) {
      this.error(errorText(error));
    }
  }
}
