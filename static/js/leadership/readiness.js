// /readiness: the 机构建设 registry (one row per county-level area, edited in place) and
// the 宣传培训 sessions of the year, imported from a workbook.
import { api, errorText, signOut } from "../api.js";
import { can, config } from "../config.js";
import { $, el } from "../dom.js";
import { applyI18n, mountLangToggle, onLangChange, t, unitName } from "../i18n.js";

const unit = config.unit?.code;
const FIELDS = ["established_on", "approval_document", "director", "deputy_full_time", "staff_in_post", "liaison"];

function flash(text, kind = "") {
  const node = $("#flash");
  node.className = `notice page-flash ${kind}`.trim();
  node.textContent = text;
  node.hidden = !text;
}

function input(name, value) {
  const type = name === "established_on" ? "date" : name === "staff_in_post" ? "number" : "text";
  return el("input", { type, name, value: value ?? "", disabled: !can("assessment.submit"), min: type === "number" ? "0" : undefined });
}

async function save(row, code) {
  const body = Object.fromEntries(FIELDS.map((f) => [f, row.querySelector(`[name=${f}]`).value]));
  body.staff_in_post = Number(body.staff_in_post || 0);
  body.established_on = body.established_on || null;
  try {
    await api(`/api/readiness/offices/${code}`, { method: "PUT", body });
    flash(t("ready.saved"));
  } catch (error) {
    flash(errorText(error), "error");
  }
}

async function loadOffices() {
  const [offices, readiness] = await Promise.all([api(`/api/readiness/offices?unit=${unit}`), api(`/api/assessment/readiness?unit=${unit}`)]);
  const byUnit = Object.fromEntries(offices.items.map((o) => [o.unit, o]));
  $("#offices tbody").replaceChildren(
    ...readiness.offices.rows.map((county) => {
      const office = byUnit[county.unit] || {};
      const row = el("tr", { dataset: { unit: county.unit } }, el("td", { text: county.name }), ...FIELDS.map((f) => el("td", {}, input(f, office[f]))));
      row.append(el("td", {}, el("button", { type: "button", text: t("ready.save"), disabled: !can("assessment.submit"), onclick: () => save(row, county.unit) })));
      return row;
    }),
  );
}

async function loadTrainings() {
  const found = await api(`/api/readiness/trainings?unit=${unit}`);
  $("#trainings tbody").replaceChildren(
    ...found.items.map((s) => el("tr", {}, ...[s.held_on, t(`ready.kind.${s.kind}`), s.audience, String(s.attendees), String(s.leaders_trained)].map((c) => el("td", { text: c })))),
  );
}

async function importFile(event) {
  event.preventDefault();
  const file = $("#import-file").files[0];
  if (!file) return;
  const response = await fetch("/api/readiness/trainings.xlsx", { method: "POST", body: file, credentials: "same-origin" });
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const details = (data?.error?.details || []).map((d) => `${d.field}: ${d.message}`).join("; ");
    return flash(`${data?.error?.message || response.status} ${details}`, "error");
  }
  flash(t("ready.imported", { n: data.ids.length }));
  loadTrainings();
}

function start() {
  applyI18n();
  mountLangToggle($("#lang"));
  onLangChange(() => applyI18n());
  $("#sign-out").addEventListener("click", signOut);
  $("#rd-unit").textContent = config.unit ? unitName(config.unit) : "";
  $("#import-form").addEventListener("submit", importFile);
  $("#import-form").hidden = !can("assessment.submit");
  Promise.all([loadOffices(), loadTrainings()]).then(() => { document.body.dataset.ready = "true"; }, (error) => flash(errorText(error), "error"));
}

start();
