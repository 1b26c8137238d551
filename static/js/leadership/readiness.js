// /readiness: the 机构建设 registry (each county-level area's 应急办, edited in place, with
// its approval document uploaded; each department's incident-information liaison) and
// the 宣传培训 sessions of the year; both registries import from a workbook.
import { ApiError, api, errorText, signOut } from "../api.js";
import { can, config } from "../config.js";
import { $, el } from "../dom.js";
import { applyI18n, currentLang, mountLangToggle, onLangChange, t, unitName } from "../i18n.js";

const unit = config.unit?.code;
const OFFICE_FIELDS = ["established_on", "approval_document", "director", "deputy_full_time", "staff_in_post"];
const ALL_FIELDS = [...OFFICE_FIELDS, "liaison"];
const state = { offices: {}, names: {} };
const writable = () => can("assessment.submit");

function flash(text, kind = "") {
  const node = $("#flash");
  node.className = `notice page-flash ${kind}`.trim();
  node.textContent = text;
  node.hidden = !text;
}

// The error in the page's language, with the rows of a workbook it names (rows[0] is the
// first row under the header).
function failure(error) {
  const rows = [...new Set((error?.details || []).map((d) => /^rows\[(\d+)\]/.exec(d.field)?.[1]).filter(Boolean))];
  const where = rows.length ? t("ready.rows", { rows: rows.map((i) => Number(i) + 1).join(t("listSep")) }) : "";
  return `${errorText(error)}${where}`;
}

async function send(path, file, query = "") {
  const response = await fetch(`${path}${query}`, { method: "PUT", body: file, credentials: "same-origin", headers: { Accept: "application/json" } });
  const data = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

async function importFile(event, path, input, after) {
  event.preventDefault();
  const file = input.files[0];
  if (!file) return;
  const response = await fetch(path, { method: "POST", body: file, credentials: "same-origin", headers: { Accept: "application/json" } });
  const data = await response.json().catch(() => null);
  if (!response.ok) return flash(failure(new ApiError(response.status, data)), "error");
  flash(t("ready.imported", { n: (data.ids || data.items).length }));
  after();
}

function input(name, value) {
  const type = name === "established_on" ? "date" : name === "staff_in_post" ? "number" : "text";
  return el("input", { type, name, value: value ?? "", disabled: !writable(), min: type === "number" ? "0" : undefined });
}

async function save(row, code) {
  const known = state.offices[code] || {};
  const body = Object.fromEntries(ALL_FIELDS.map((f) => [f, row.querySelector(`[name=${f}]`)?.value ?? known[f] ?? ""]));
  body.staff_in_post = Number(body.staff_in_post || 0);
  body.established_on = body.established_on || null;
  try {
    state.offices[code] = await api(`/api/readiness/offices/${code}`, { method: "PUT", body });
    flash(t("ready.saved"));
  } catch (error) {
    flash(errorText(error), "error");
  }
}

function documentCell(code) {
  const office = state.offices[code] || {};
  const link = office.document
    ? el("a", { href: `/api/readiness/offices/${code}/document`, text: office.document.filename, className: "document-link" })
    : el("span", { className: "muted", text: t("ready.noDocument") });
  const file = el("input", { type: "file", name: "document", accept: ".pdf,.png,.jpg,.jpeg", disabled: !writable(), "aria-label": t("ready.upload") });
  file.addEventListener("change", async () => {
    if (!file.files[0]) return;
    try {
      state.offices[code] = await send(`/api/readiness/offices/${code}/document`, file.files[0], `?filename=${encodeURIComponent(file.files[0].name)}`);
      flash(t("ready.uploaded"));
      file.closest("td").replaceWith(documentCell(code));
    } catch (error) {
      flash(errorText(error), "error");
    }
  });
  return el("td", { className: "document-cell" }, link, writable() ? file : null);
}

const saveButton = (row, code) => el("td", {}, el("button", { type: "button", text: t("ready.save"), disabled: !writable(), onclick: () => save(row, code) }));
const nameOf = (r) => (currentLang() === "en" && r.name_en) || r.name;

function drawOffices(readiness) {
  $("#offices tbody").replaceChildren(
    ...readiness.offices.rows.map((county) => {
      const office = state.offices[county.unit] || {};
      const row = el("tr", { dataset: { unit: county.unit } }, el("td", { text: nameOf(county) }));
      row.append(...OFFICE_FIELDS.slice(0, 2).map((f) => el("td", {}, input(f, office[f]))), documentCell(county.unit));
      row.append(...OFFICE_FIELDS.slice(2).map((f) => el("td", {}, input(f, office[f]))), saveButton(row, county.unit));
      return row;
    }),
  );
  $("#liaisons tbody").replaceChildren(
    ...readiness.liaisons.rows.map((department) => {
      const row = el("tr", { dataset: { unit: department.unit } }, el("td", { text: nameOf(department) }), el("td", {}, input("liaison", state.offices[department.unit]?.liaison)));
      row.append(saveButton(row, department.unit));
      return row;
    }),
  );
}

async function loadOffices() {
  const [offices, readiness] = await Promise.all([api(`/api/readiness/offices?unit=${unit}`), api(`/api/assessment/readiness?unit=${unit}`)]);
  state.offices = Object.fromEntries(offices.items.map((o) => [o.unit, o]));
  state.readiness = readiness;
  for (const row of [...readiness.offices.rows, ...readiness.liaisons.rows]) state.names[row.unit] = row;
  drawOffices(readiness);
}

async function loadTrainings() {
  const found = await api(`/api/readiness/trainings?unit=${unit}`);
  state.trainings = found.items;
  drawTrainings();
}

function drawTrainings() {
  const unitOf = (s) => (s.unit && state.names[s.unit] ? nameOf(state.names[s.unit]) : s.unit_name || s.unit || "");
  $("#trainings tbody").replaceChildren(
    ...(state.trainings || []).map((s) => el("tr", {}, ...[s.held_on, unitOf(s), t(`ready.kind.${s.kind}`), s.audience, String(s.attendees), String(s.leaders_trained)].map((c) => el("td", { text: c })))),
  );
}

function start() {
  applyI18n();
  mountLangToggle($("#lang"));
  onLangChange(() => {
    applyI18n();
    $("#rd-unit").textContent = config.unit ? unitName(config.unit) : "";
    if (state.readiness) drawOffices(state.readiness);
    drawTrainings();
  });
  $("#sign-out").addEventListener("click", signOut);
  $("#rd-unit").textContent = config.unit ? unitName(config.unit) : "";
  $("#import-form").addEventListener("submit", (e) => importFile(e, "/api/readiness/trainings.xlsx", $("#import-file"), loadTrainings));
  $("#offices-import").addEventListener("submit", (e) => importFile(e, "/api/readiness/offices.xlsx", $("#offices-file"), loadOffices));
  $("#import-form").hidden = !writable();
  $("#offices-import").hidden = !writable();
  Promise.all([loadOffices(), loadTrainings()]).then(() => { document.body.dataset.ready = "true"; }, (error) => flash(errorText(error), "error"));
}

start();
