// Users: create, change name, role or unit, reset the password, disable or enable
// (GET/POST /api/users, PATCH /api/users/{id}).
import { api, errorText } from "../api.js";
import { el, option } from "../dom.js";
import { t, unitName } from "../i18n.js";
import { Picker, unitItems } from "../picker.js";

function formError(form, text) {
  const node = form.querySelector(".form-error");
  node.hidden = !text;
  node.textContent = text || "";
}

export class UserAdmin {
  constructor({ tbody, dialog, roles, home, flash }) {
    Object.assign(this, { tbody, dialog, roles, home, flash });
    this.form = dialog.querySelector("form");
    this.unit = new Picker(dialog.querySelector("#us-unit"), { multiple: false, tree: true, name: t("admin.unit") });
    this.editing = null;
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
    dialog.querySelector("[data-close]").addEventListener("click", () => dialog.close());
  }

  fillChoices(units) {
    this.form.elements.role.replaceChildren(...this.roles.map((role) => option(role, t(`role.${role}`))));
    this.unit.setItems(unitItems(units, (unit) => unitName(unit)));
  }

  async load() {
    this.users = (await api("/api/users")).items;
    this.render();
  }

  render() {
    this.tbody.replaceChildren(
      ...this.users.map((user) =>
        el(
          "tr",
          { className: user.active ? "" : "disabled", dataset: { user: user.username } },
          el("td", { text: user.username }),
          el("td", { text: user.display_name || "–" }),
          el("td", { text: t(`role.${user.role}`) }),
          el("td", { text: `${user.unit_name}（${user.unit}）` }),
          el("td", { text: t(user.active ? "admin.users.activeState" : "admin.users.disabledState") }),
          el(
            "td",
            {},
            el(
              "div",
              { className: "actions" },
              el("button", { type: "button", className: "secondary", text: t("admin.users.edit"), onclick: () => this.open(user) }),
              el("button", { type: "button", className: "secondary", text: t(user.active ? "admin.users.disable" : "admin.users.enable"), onclick: () => this.setActive(user, !user.active) }),
            ),
          ),
        ),
      ),
    );
  }

  open(user = null) {
    this.editing = user;
    this.form.reset();
    formError(this.form, null);
    const creating = user === null;
    this.dialog.querySelector("#user-dialog-title").textContent = creating ? t("admin.users.new") : t("admin.users.editTitle", { name: user.username });
    this.form.elements.username.disabled = !creating;
    this.form.elements.username.value = user?.username || "";
    this.form.elements.display_name.value = user?.display_name || "";
    this.form.elements.role.value = user?.role || "reporter";
    this.unit.search.value = "";
    this.unit.value = user?.unit || this.home;
    this.dialog.querySelector("#us-password-label").textContent = t(creating ? "admin.users.password" : "admin.users.newPassword");
    this.dialog.querySelector("#us-active-row").hidden = creating;
    this.form.elements.active.checked = user?.active ?? true;
    this.dialog.showModal();
  }

  async setActive(user, active) {
    try {
      await api(`/api/users/${user.id}`, { method: "PATCH", body: { active } });
      this.flash(t(active ? "admin.users.enabled" : "admin.users.disabled", { name: user.username }));
      await this.load();
    } catch (error) {
      this.flash(errorText(error), "error");
    }
  }

  body() {
    const form = this.form;
    const body = { display_name: form.elements.display_name.value.trim(), role: form.elements.role.value, unit: this.unit.value };
    const password = form.elements.password.value;
    if (this.editing === null) return { ...body, username: form.elements.username.value.trim(), password };
    if (password) body.password = password;
    body.active = form.elements.active.checked;
    return body;
  }

  async submit() {
    const body = this.body();
    if (!body.unit) return formError(this.form, t("registry.need.unit"));
    try {
      const saved = this.editing === null
        ? await api("/api/users", { method: "POST", body })
        : await api(`/api/users/${this.editing.id}`, { method: "PATCH", body });
      this.dialog.close();
      this.flash(t("admin.users.saved", { name: saved.username }));
      await this.load();
    } catch (error) {
      formError(this.form, errorText(error));
    }
  }
}
