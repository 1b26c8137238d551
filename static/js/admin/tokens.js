// API tokens: the list (label, role, unit, last use), issuing one (a display token also
// yields the wall screen's kiosk URL and its QR code, made by the server), revoking.
import { api, errorText } from "../api.js";
import { el, option } from "../dom.js";
import { t, unitName } from "../i18n.js";
import { Picker, unitItems } from "../picker.js";
import { formatDateTime } from "../time.js";

function formError(form, text) {
  const node = form.querySelector(".form-error");
  node.hidden = !text;
  node.textContent = text || "";
}

export class TokenAdmin {
  constructor({ tbody, form, result, showRevoked, roles, home, flash }) {
    Object.assign(this, { tbody, form, result, showRevoked, roles, home, flash });
    this.unit = new Picker(form.querySelector("#t-unit"), { multiple: false, tree: true, name: t("admin.unit") });
    this.tokens = [];
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.create();
    });
    showRevoked.addEventListener("change", () => this.render());
    for (const button of result.querySelectorAll("[data-copy]")) {
      button.addEventListener("click", () => this.copy(document.getElementById(button.dataset.copy)));
    }
  }

  fillChoices(units) {
    this.form.elements.role.replaceChildren(...this.roles.map((role) => option(role, t(`role.${role}`), role === "display")));
    const chosen = this.unit.value;
    this.unit.setItems(unitItems(units, (unit) => unitName(unit)));
    this.unit.value = chosen || this.home;
  }

  async load() {
    this.tokens = (await api("/api/tokens")).items;
    this.render();
  }

  render() {
    const shown = this.tokens.filter((token) => this.showRevoked.checked || !token.revoked_at);
    this.tbody.replaceChildren(
      ...shown.map((token) =>
        el(
          "tr",
          { className: token.revoked_at ? "revoked" : "", dataset: { token: token.id } },
          el("td", { text: String(token.id) }),
          el("td", { text: token.label || `${token.prefix}…` }),
          el("td", { text: t(`role.${token.role}`) }),
          el("td", { text: token.unit_name || token.unit }),
          el("td", { text: formatDateTime(token.created_at) }),
          el("td", { text: token.last_used_at ? formatDateTime(token.last_used_at) : t("admin.tokens.never") }),
          el(
            "td",
            {},
            token.revoked_at
              ? el("span", { className: "muted", text: t("admin.tokens.revokedAt", { when: formatDateTime(token.revoked_at) }) })
              : el("button", { type: "button", className: "secondary", text: t("admin.tokens.revoke"), onclick: () => this.revoke(token) }),
          ),
        ),
      ),
    );
  }

  async create() {
    formError(this.form, null);
    const body = { label: this.form.elements.label.value.trim(), role: this.form.elements.role.value, unit: this.unit.value };
    if (!body.unit) return formError(this.form, t("registry.need.unit"));
    try {
      const token = await api("/api/tokens", { method: "POST", body });
      this.show(token);
      this.form.elements.label.value = "";
      await this.load();
    } catch (error) {
      formError(this.form, errorText(error));
    }
  }

  show(token) {
    this.result.hidden = false;
    this.result.querySelector("#token-secret").value = token.token;
    const kiosk = this.result.querySelector("#kiosk");
    kiosk.hidden = !token.kiosk_url;
    if (token.kiosk_url) {
      this.result.querySelector("#kiosk-url").value = token.kiosk_url;
      const image = this.result.querySelector("#kiosk-qr");
      image.src = token.kiosk_qr;
      image.alt = t("admin.tokens.qrAlt");
    }
    // Shown once: bring it (the kiosk URL and its QR code) into view below the form.
    this.result.scrollIntoView({ block: "nearest" });
  }

  async copy(input) {
    input.select();
    try {
      await navigator.clipboard.writeText(input.value);
      this.flash(t("admin.copied"));
    } catch {
      document.execCommand?.("copy");
    }
  }

  async revoke(token) {
    if (!window.confirm(t("admin.tokens.confirmRevoke", { label: token.label || token.prefix }))) return;
    try {
      await api(`/api/tokens/${token.id}`, { method: "DELETE" });
      this.flash(t("admin.tokens.revoked", { label: token.label || token.prefix }));
      await this.load();
    } catch (error) {
      this.flash(errorText(error), "error");
    }
  }
}
