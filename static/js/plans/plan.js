// One plan's page (/plans/{id}): its versions (upload a PDF/DOCX or paste the text),
// the filing (备案) of the current version with its due date in working days, reviews,
// revision tasks, and the drills against it with their saved evaluations.
import { ApiError, api, errorText } from "../api.js";
import { can, config } from "../config.js";
import { $, el, option } from "../dom.js";
import { applyI18n, onLangChange, t } from "../i18n.js";
import { wireHeader } from "../layout.js";
import { formatFullDateTime, localDate } from "../time.js";
import { EvaluationView } from "./evaluation-view.js";

const TRIGGERS = ["law_changed", "upper_plan_changed", "command_changed", "risk_changed", "resources_changed", "response_findings", "drill_findings", "review", "other"];
const planId = Number(location.pathname.split("/").filter(Boolean).pop());
const view = { plan: null, drills: [] };
const evaluationView = new EvaluationView($("#evaluation-view"));

function flash(text, kind = "") {
  const node = $("#flash");
  node.className = `notice page-flash ${kind}`.trim();
  node.textContent = text;
  node.hidden = false;
}

function formError(form, text) {
  const node = form.querySelector(".form-error");
  node.hidden = !text;
  node.textContent = text || "";
}

function fact(key, value) {
  return el("div", {}, el("dt", { text: t(key) }), el("dd", { text: value ?? "–" }));
}

function renderFacts(plan) {
  $("#plan-title").textContent = plan.title;
  document.title = `${plan.title} · Watchfloor`;
  $("#plan-facts").replaceChildren(
    fact("plans.col.type", t(`plan.type.${plan.type}`)),
    fact("plans.col.unit", `${plan.unit_name}（${plan.unit}）`),
    fact("plans.col.status", t(`plan.status.${plan.status}`) + (plan.version ? ` · v${plan.version}` : "")),
    fact("planPage.inForceSince", plan.in_force_since),
    fact("plans.col.review", plan.review_due),
    fact("registry.col.lastDrill", plan.last_drilled_on),
    fact("plans.col.drill", plan.next_drill_due),
  );
}

function documentCell(version) {
  if (version.document) return el("a", { href: version.document.url, text: version.document.filename });
  return el("span", { className: "muted", text: t("planPage.asText") });
}

function renderVersions(plan) {
  const rows = plan.versions.map((version) =>
    el(
      "tr",
      { dataset: { version: version.number } },
      el("td", { text: `v${version.number}` }),
      el("td", { text: version.issued_on }),
      el("td", { text: version.effective_on }),
      el("td", { text: version.approved_by }),
      el("td", { text: version.change_summary }),
      el("td", {}, documentCell(version)),
      el("td", { className: `state ${version.filing?.status || ""}`, text: version.filing ? t(`filing.status.${version.filing.status}`) : "–" }),
    ),
  );
  const head = ["planPage.col.version", "planPage.field.issued", "planPage.field.effective", "planPage.field.approvedBy", "planPage.field.summary", "planPage.col.document", "registry.col.filed"];
  $("#version-list").replaceChildren(
    rows.length
      ? el("table", {}, el("thead", {}, el("tr", {}, head.map((key) => el("th", { text: t(key) })))), el("tbody", {}, rows))
      : el("p", { className: "empty", text: t("planPage.noVersions") }),
  );
}

function renderFiling(plan) {
  const current = plan.versions.find((version) => version.number === plan.version);
  const filing = current?.filing;
  const box = $("#filing-state");
  $("#filing-form").hidden = !filing || Boolean(filing.filed_on) || !can("plans.manage") || plan.status === "retired";
  if (!filing) return box.replaceChildren(el("p", { className: "empty", text: t("planPage.noFiling") }));
  const due = t("planPage.filingDue", { date: filing.due_on, days: config.filing_working_days }) + (filing.provisional ? ` ${t("planPage.provisional")}` : "");
  box.replaceChildren(
    el(
      "dl",
      { className: "facts" },
      fact("planPage.filedWith", filing.filed_with_name ? `${filing.filed_with_name}（${filing.filed_with}）` : "–"),
      fact("planPage.field.issued", filing.issued_on),
      el("div", {}, el("dt", { text: t("planPage.dueOn") }), el("dd", { id: "filing-due", className: `state ${filing.status}`, dataset: { status: filing.status } }, `${due} · ${t(`filing.status.${filing.status}`)}`)),
      fact("planPage.field.filedOn", filing.filed_on),
      fact("planPage.field.reference", filing.reference || "–"),
    ),
  );
}

function record(text, meta, className = "") {
  return el("li", { className }, el("span", { text }), meta ? el("span", { className: "muted", text: ` · ${meta}` }) : null);
}

function renderReviews(plan) {
  const items = plan.reviews.map((review) => record(`${review.reviewed_on} ${t(`review.outcome.${review.outcome}`)}${review.notes ? t("labelled", { label: "", text: review.notes }) : ""}`, review.reviewed_by));
  $("#review-list").replaceChildren(...(items.length ? items : [el("li", { className: "empty", text: t("planPage.noReviews") })]));
}

// A task a drill's evaluation opened names that drill (its title, in the page's words).
function revisionSource(task) {
  if (task.drill === null) return "";
  const drill = view.drills.find((item) => item.id === task.drill);
  return drill ? t("planPage.fromDrill", { title: drill.title }) : "";
}

function renderRevisions(plan) {
  const items = plan.revisions.map((task) =>
    el(
      "li",
      { className: `revision ${task.status}`, dataset: { revision: task.id } },
      el("strong", { className: `state ${task.status === "open" ? "pending" : "filed"}`, text: t(`revision.status.${task.status}`) }),
      ` ${t("labelled", { label: t(`revision.trigger.${task.trigger}`), text: `${revisionSource(task)}${task.reason}` })}`,
      el("span", { className: "muted", text: ` · ${formatFullDateTime(task.opened_at)}${task.closed_by_version ? ` · ${t("planPage.closedBy", { n: task.closed_by_version })}` : ""}` }),
    ),
  );
  $("#revision-list").replaceChildren(...(items.length ? items : [el("li", { className: "empty", text: t("planPage.noRevisions") })]));
}

function renderDrills() {
  const titles = new Map([[view.plan.id, view.plan.title]]);
  const items = view.drills.map((drill) => {
    const viewButton = drill.status === "completed" || drill.rrule
      ? el("button", { type: "button", className: "secondary", text: t("plans.viewEvaluation"), onclick: () => evaluationView.open(drill, titles) })
      : null;
    return el(
      "li",
      { dataset: { drill: drill.id } },
      el("span", { text: `${formatFullDateTime(drill.starts_at)} ${drill.title}` }),
      el("span", { className: "muted", text: ` · ${drill.organizer_name} · ${t(`drill.status.${drill.status}`)} ` }),
      viewButton,
    );
  });
  $("#drill-list").replaceChildren(...(items.length ? items : [el("li", { className: "empty", text: t("planPage.noDrills") })]));
}

function render() {
  const plan = view.plan;
  renderFacts(plan);
  renderVersions(plan);
  renderFiling(plan);
  renderReviews(plan);
  renderRevisions(plan);
  renderDrills();
  const manage = can("plans.manage") && plan.status !== "retired";
  const inForce = ["in_force", "under_revision"].includes(plan.status);
  $("#version-form-box").hidden = !manage;
  $("#version-form-box").open = manage && !plan.versions.length;
  $("#review-form-box").hidden = !manage || !inForce;
  $("#revision-form-box").hidden = !manage || !inForce;
  $("#edit-form-box").hidden = !manage;
  $("#edit-form").elements.title.value = plan.title;
  $("#edit-form").elements.high_risk.checked = plan.high_risk;
}

async function load() {
  const [plan, drills] = await Promise.all([api(`/api/plans/${planId}`), api(`/api/drills?plan=${planId}&limit=200`)]);
  Object.assign(view, { plan, drills: drills.items });
  render();
}

// Multipart for a document, JSON for text: the API takes either.
async function postVersion(form) {
  const file = form.elements.document.files[0];
  const fields = {
    effective_on: form.elements.effective_on.value,
    change_summary: form.elements.change_summary.value.trim(),
    approved_by: form.elements.approved_by.value.trim(),
  };
  if (form.elements.issued_on.value) fields.issued_on = form.elements.issued_on.value;
  if (!file) return api(`/api/plans/${planId}/versions`, { method: "POST", body: { ...fields, text: form.elements.text.value.trim() || null } });
  const data = new FormData();
  for (const [name, value] of Object.entries(fields)) data.append(name, value);
  data.append("document", file);
  const response = await fetch(`/api/plans/${planId}/versions`, { method: "POST", body: data, credentials: "same-origin", headers: { Accept: "application/json" } });
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, body);
  return body;
}

function onSubmit(form, action, done) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    formError(form, null);
    try {
      const result = await action(form);
      form.reset();
      flash(done(result));
      await load();
    } catch (error) {
      formError(form, errorText(error));
    }
  });
}

async function retire() {
  if (!window.confirm(t("planPage.confirmRetire", { title: view.plan.title }))) return;
  try {
    await api(`/api/plans/${planId}`, { method: "PATCH", body: { status: "retired" } });
    flash(t("planPage.retired"));
    await load();
  } catch (error) {
    flash(errorText(error), "error");
  }
}

function optional(value) {
  return value ? value : undefined;
}

function wire() {
  wireHeader();
  $("#x-trigger").replaceChildren(...TRIGGERS.map((trigger) => option(trigger, t(`revision.trigger.${trigger}`))));
  onSubmit($("#version-form"), postVersion, (version) => t("planPage.versionAdded", { n: version.number }));
  onSubmit(
    $("#filing-form"),
    (form) => api(`/api/plans/${planId}/filing`, { method: "POST", body: { filed_on: optional(form.elements.filed_on.value), reference: form.elements.reference.value.trim() } }),
    () => t("planPage.filed"),
  );
  onSubmit(
    $("#review-form"),
    (form) => api(`/api/plans/${planId}/reviews`, { method: "POST", body: { reviewed_on: optional(form.elements.reviewed_on.value), outcome: form.elements.outcome.value, notes: form.elements.notes.value.trim() } }),
    () => t("planPage.reviewed"),
  );
  onSubmit(
    $("#revision-form"),
    (form) => api(`/api/plans/${planId}/revisions`, { method: "POST", body: { trigger: form.elements.trigger.value, reason: form.elements.reason.value.trim() } }),
    () => t("planPage.revisionOpened"),
  );
  onSubmit(
    $("#edit-form"),
    (form) => api(`/api/plans/${planId}`, { method: "PATCH", body: { title: form.elements.title.value.trim(), high_risk: form.elements.high_risk.checked } }),
    () => t("planPage.saved"),
  );
  $("#retire").addEventListener("click", retire);
  $("#f-date").value = localDate(Date.now());
  onLangChange(() => {
    $("#x-trigger").replaceChildren(...TRIGGERS.map((trigger) => option(trigger, t(`revision.trigger.${trigger}`))));
    if (view.plan) render();
  });
}

applyI18n();
wire();
load().catch((error) => flash(errorText(error), "error"));
