// One dialog for every action: a title, the fields the action needs, a confirm button.
// A refusal is shown in the page's language and leaves what the officer typed in place;
// nothing is applied until the server accepts the whole action.
import { ApiError } from "../api.js";
import { $, el } from "../dom.js";
import { t } from "../i18n.js";
import { refusal } from "./words.js";

let fields = 0;

export class ActionDialog {
  constructor(dialog) {
    this.dialog = dialog;
    this.form = $("#action-form", dialog);
    this.body = $("#action-body", dialog);
    this.submitButton = $("#action-submit", dialog);
    this.stale = $("#action-stale", dialog);
    this.error = $(".form-error", dialog);
    this.current = null;
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
    $("#action-cancel", dialog).addEventListener("click", () => this.close());
    dialog.addEventListener("close", () => {
      this.current = null;
    });
  }

  // action: { name, title, submit (label), body: [nodes], run: async () => message,
  //           onStale?: (error) => text }
  open(action) {
    this.current = action;
    this.dialog.dataset.action = action.name;
    $("#action-title", this.dialog).textContent = action.title;
    this.submitButton.textContent = action.submit;
    this.submitButton.disabled = false;
    this.submitButton.className = action.danger ? "danger" : "";
    this.body.replaceChildren(...action.body.filter(Boolean));
    this.showError(null);
    this.showStale(null);
    if (!this.dialog.open) this.dialog.showModal();
    const first = this.body.querySelector("input:not([type=hidden]), select, textarea");
    (first || this.submitButton).focus();
  }

  close() {
    if (this.dialog.open) this.dialog.close();
  }

  showError(text) {
    this.error.hidden = !text;
    this.error.textContent = text || "";
  }

  showStale(text) {
    this.stale.hidden = !text;
    this.stale.textContent = text || "";
  }

  async submit() {
    const action = this.current;
    if (!action) return;
    const problem = action.check ? action.check() : null;
    if (problem) return this.showError(problem);
    this.showError(null);
    this.submitButton.disabled = true;
    try {
      const message = await action.run();
      if (this.current === action) this.close();
      action.done?.(message);
    } catch (error) {
      if (this.current !== action) return;
      if (error instanceof ApiError && error.status === 412 && action.onStale) {
        this.showStale(action.onStale(error));
        this.submitButton.textContent = t("desk.submitAnyway");
      } else {
        this.showError(refusal(error));
      }
    } finally {
      this.submitButton.disabled = false;
    }
  }
}

// Labelled form controls.
export function field(label, control, hint = null) {
  fields += 1;
  control.id = control.id || `af-${fields}`;
  return el("div", { className: "af" }, el("label", { for: control.id, text: label }), control, hint ? el("p", { className: "hint", text: hint }) : null);
}

export function input(name, props = {}) {
  return el("input", { name, ...props });
}

export function textarea(name, props = {}) {
  return el("textarea", { name, ...props });
}

export function select(name, choices, value = "") {
  return el("select", { name }, choices.map(([code, label]) => el("option", { value: code, text: label, selected: code === value })));
}

export function number(value) {
  const text = String(value ?? "").trim();
  return text === "" ? null : Number(text);
}
