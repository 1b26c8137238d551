// The evaluation of a held drill (2013 art. 23): a rating and notes for each item,
// suggestions, and findings that may open revision tasks on the plans drilled.
import { api, errorText } from "../api.js";
import { el, option } from "../dom.js";
import { t } from "../i18n.js";
import { formatDateTime } from "../time.js";

export const ITEMS = ["execution", "plan_soundness", "command_coordination", "responders", "equipment"];
const RATINGS = ["good", "adequate", "poor"];

function ratingRow(item) {
  const choices = RATINGS.map((rating) =>
    el(
      "label",
      {},
      el("input", { type: "radio", name: `${item}.rating`, value: rating, required: true }),
      el("span", { text: t(`rating.${rating}`) }),
    ),
  );
  return el(
    "div",
    { className: "rating", dataset: { item } },
    el("strong", { text: t(`evaluation.${item}`) }),
    el("div", { className: "choices", role: "radiogroup", "aria-label": t(`evaluation.${item}`) }, choices),
    el("input", { type: "text", name: `${item}.notes`, maxlength: 4000, placeholder: t("plans.notes"), "aria-label": t("plans.notes") }),
  );
}

function findingRow(plans) {
  const remove = el("button", { type: "button", className: "secondary", text: t("plans.removeFinding") });
  const row = el(
    "li",
    { className: "finding" },
    el("select", { name: "finding.item", "aria-label": t("plans.findingItem") }, ITEMS.map((item) => option(item, t(`evaluation.${item}`)))),
    el("textarea", { name: "finding.text", maxlength: 4000, "aria-label": t("plans.findingText"), placeholder: t("plans.findingText") }),
    el("select", { name: "finding.plan", "aria-label": t("plans.findingPlan") }, [option("", t("plans.noPlan")), ...plans.map((p) => option(String(p.id), p.title))]),
    el("label", { className: "inline" }, el("input", { type: "checkbox", name: "finding.revise" }), el("span", { text: t("plans.revise") })),
    remove,
  );
  remove.addEventListener("click", () => row.remove());
  return row;
}

export class EvaluationDialog {
  constructor(dialog, { onSaved }) {
    this.dialog = dialog;
    this.form = dialog.querySelector("form");
    this.onSaved = onSaved;
    this.drill = null;
    this.plans = [];
    this.form.addEventListener("submit", (event) => this.submit(event));
    dialog.querySelector("#evaluation-cancel").addEventListener("click", () => dialog.close());
    dialog.querySelector("#add-finding").addEventListener("click", () => this.form.querySelector("#findings").append(findingRow(this.plans)));
  }

  open(drill, occurrence, allPlans) {
    this.drill = drill;
    this.plans = allPlans.filter((plan) => drill.plans.includes(plan.id));
    this.form.reset();
    this.form.querySelector("#evaluation-drill").textContent = drill.title;
    this.form.querySelector("#evaluation-items").replaceChildren(...ITEMS.map(ratingRow));
    this.form.querySelector("#findings").replaceChildren();
    this.form.elements.occurrence.replaceChildren(option(occurrence, formatDateTime(occurrence), true));
    this.error(null);
    this.dialog.showModal();
  }

  error(text) {
    const node = this.form.querySelector(".form-error");
    node.hidden = !text;
    node.textContent = text || "";
  }

  body() {
    const data = { occurrence: this.form.elements.occurrence.value };
    for (const item of ITEMS) {
      const rating = this.form.querySelector(`input[name="${item}.rating"]:checked`)?.value;
      if (!rating) return null;
      data[item] = { rating, notes: this.form.elements[`${item}.notes`].value.trim() };
    }
    data.suggestions = this.form.elements.suggestions.value.trim();
    data.findings = [...this.form.querySelectorAll(".finding")]
      .map((row) => ({
        item: row.querySelector('[name="finding.item"]').value,
        text: row.querySelector('[name="finding.text"]').value.trim(),
        plan: Number(row.querySelector('[name="finding.plan"]').value) || null,
        revise: row.querySelector('[name="finding.revise"]').checked,
      }))
      .filter((finding) => finding.text);
    return data;
  }

  async submit(event) {
    event.preventDefault();
    const body = this.body();
    if (!body) return this.error(t("plans.need.ratings"));
    try {
      const saved = await api(`/api/drills/${this.drill.id}/evaluation`, { method: "POST", body });
      this.dialog.close();
      this.onSaved(saved);
    } catch (error) {
      this.error(errorText(error));
    }
  }
}
