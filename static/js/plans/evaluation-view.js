// A saved drill evaluation, to read and to print (A4; the page's print stylesheet shows
// only this dialog): the drill, each item's rating and notes, suggestions, findings and
// the revision tasks they opened.
import { api, errorText } from "../api.js";
import { el } from "../dom.js";
import { t } from "../i18n.js";
import { formatFullDateTime } from "../time.js";
import { ITEMS } from "./evaluation.js";

function facts(drill, planTitles) {
  const line = (key, value) => el("div", {}, el("dt", { text: t(key) }), el("dd", { text: value }));
  return el(
    "dl",
    { className: "facts" },
    line("evaluationView.organizer", drill.organizer_name),
    line("evaluationView.when", `${formatFullDateTime(drill.starts_at)} – ${formatFullDateTime(drill.ends_at)}`),
    line("evaluationView.form", `${t(`drill.form.${drill.form}`)} · ${t(`drill.scope.${drill.scope}`)} · ${t(`drill.purpose.${drill.purpose}`)}`),
    line("evaluationView.plans", drill.plans.map((id) => planTitles.get(id) || `#${id}`).join(t("listSep"))),
  );
}

function itemsTable(evaluation) {
  return el(
    "table",
    { className: "evaluation-items" },
    el("thead", {}, el("tr", {}, ["evaluationView.item", "evaluationView.rating", "plans.notes"].map((key) => el("th", { text: t(key) })))),
    el(
      "tbody",
      {},
      ITEMS.map((item) =>
        el(
          "tr",
          { dataset: { item } },
          el("td", { text: t(`evaluation.${item}`) }),
          el("td", { className: `rating-${evaluation[item].rating}`, text: t(`rating.${evaluation[item].rating}`) }),
          el("td", { text: evaluation[item].notes || "–" }),
        ),
      ),
    ),
  );
}

function findingsList(evaluation, planTitles) {
  if (!evaluation.findings.length) return el("p", { className: "muted", text: t("evaluationView.noFindings") });
  return el(
    "ol",
    {},
    evaluation.findings.map((finding) =>
      el(
        "li",
        {},
        t("labelled", { label: t(`evaluation.${finding.item}`), text: finding.text }),
        finding.plan ? el("span", { className: "muted", text: ` （${planTitles.get(finding.plan) || `#${finding.plan}`}${finding.revise ? ` · ${t("evaluationView.revise")}` : ""}）` }) : null,
      ),
    ),
  );
}

function section(evaluation, planTitles) {
  return el(
    "section",
    { className: "evaluation-record", dataset: { evaluation: evaluation.id } },
    el("h3", { text: t("evaluationView.occurrence", { when: formatFullDateTime(evaluation.occurrence) }) }),
    itemsTable(evaluation),
    el("h4", { text: t("plans.field.suggestions") }),
    el("p", { text: evaluation.suggestions || "–" }),
    el("h4", { text: t("plans.findings") }),
    findingsList(evaluation, planTitles),
    evaluation.revision_tasks.length ? el("p", { text: t("evaluationView.tasks", { ids: evaluation.revision_tasks.map((id) => `#${id}`).join(t("listSep")) }) }) : null,
    el("p", { className: "muted", text: t("evaluationView.by", { who: evaluation.evaluated_by, when: formatFullDateTime(evaluation.created_at) }) }),
  );
}

export class EvaluationView {
  constructor(dialog) {
    this.dialog = dialog;
    this.body = dialog.querySelector("#evaluation-view-body");
    dialog.querySelector("#evaluation-print").addEventListener("click", () => window.print());
    dialog.querySelector("[data-close]").addEventListener("click", () => dialog.close());
  }

  // planTitles: Map of plan id → title, for the plans the drill exercised.
  async open(drill, planTitles = new Map()) {
    this.body.replaceChildren(el("p", { className: "muted", text: "…" }));
    this.dialog.showModal();
    try {
      const { items } = await api(`/api/drills/${drill.id}/evaluations`);
      this.body.replaceChildren(
        el("h2", { id: "evaluation-view-title" }, `${t("labelled", { label: t("evaluationView.title"), text: drill.title })} `, el("span", { className: "exercise-mark", text: t("evaluationView.exerciseMark") })),
        facts(drill, planTitles),
        ...(items.length ? items.map((item) => section(item, planTitles)) : [el("p", { className: "empty", text: t("evaluationView.none") })]),
      );
    } catch (error) {
      this.body.replaceChildren(el("p", { className: "error-text", text: errorText(error) }));
    }
  }
}
