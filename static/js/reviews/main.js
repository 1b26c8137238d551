// /reviews: the evaluations and corrective actions due or overdue in the caller's
// subtree, the caller's own unit's actions (closed here with their evidence, or
// verified by the leading unit), and the annual review of a year's incidents.
import { api, signOut } from "../api.js";
import { caller, can, config } from "../config.js";
import { $, el } from "../dom.js";
import { applyI18n, currentLang, mountLangToggle, onLangChange, t, unitName } from "../i18n.js";
import { ServerClock, formatDateTime } from "../time.js";
import { clock, tickClocks } from "../clocks.js";
import { dueClock, refusal, stateLabel } from "./words.js";
import { renderAnnual } from "./annual.js";

const serverClock = new ServerClock();
const view = { evaluations: [], actions: [], own: [], annual: null };
// The evidence typed for each action and not yet sent: a list drawn again keeps it.
const typed = new Map();

function flash(text, kind = "") {
  const node = $("#flash");
  node.className = `notice page-flash ${kind}`.trim();
  node.textContent = text;
  node.hidden = !text;
}

function count(panel, n) {
  $(`${panel} .count`).textContent = n ? String(n) : "";
}

function row(cells, overdue) {
  return el("tr", { className: overdue ? "overdue" : "" }, cells.map((cell) => el("td", {}, cell)));
}

function renderEvaluations() {
  const items = view.evaluations;
  count("#evaluations-panel", items.length);
  $("#evaluations tbody").replaceChildren(
    ...items.map((e) => row([el("a", { href: `/reviews/${e.id}/print`, text: e.incident_title }), (currentLang() === "en" && e.lead_unit_name_en) || e.lead_unit_name || e.lead_unit || "—", formatDateTime(e.due_at), e.owed ? clock(dueClock(e)) : "—", stateLabel(e)], e.overdue)),
  );
}

function renderActions() {
  const items = view.actions;
  count("#actions-panel", items.length);
  $("#actions tbody").replaceChildren(
    ...items.map((a) => row([a.text, currentLang() === "en" ? a.unit_name_en || a.unit_name : a.unit_name, formatDateTime(a.due_at), a.owed ? clock(dueClock(a)) : "—", stateLabel(a)], a.overdue)),
  );
}

async function closeAction(action, textarea) {
  try {
    await api(`/api/actions/${action.id}/done`, { method: "POST", body: { evidence: textarea.value } });
    typed.delete(action.id);
    await load();
    flash(t("review.action.closed"));
  } catch (error) {
    flash(refusal(error), "error");
  }
}

async function verifyAction(action) {
  try {
    await api(`/api/actions/${action.id}/verify`, { method: "POST" });
    await load();
    flash(t("review.action.verified"));
  } catch (error) {
    flash(refusal(error), "error");
  }
}

function ownItem(action) {
  const evidence = el("textarea", { rows: 2, name: `evidence-${action.id}`, "aria-label": t("review.action.evidence"), oninput: (event) => typed.set(action.id, event.target.value) }, typed.get(action.id) || "");
  const mine = action.unit === caller.unit;
  return el("article", { className: `own-action state-${action.state}`, dataset: { action: action.id } },
    el("strong", { text: action.text }),
    el("p", { className: "muted", text: `${action.incident_title} · ${t("review.action.due", { at: formatDateTime(action.due_at) })} · ${stateLabel(action)}` }),
    action.evidence ? el("p", { text: action.evidence }) : null,
    mine && action.state === "open" && can("reviews.close")
      ? el("div", {}, el("label", { text: t("review.action.evidence") }), evidence,
        el("button", { type: "button", className: "primary", dataset: { close: action.id }, text: t("review.action.close"), onclick: () => closeAction(action, evidence) }))
      : null,
    action.state === "done" && can("reviews.write")
      ? el("button", { type: "button", className: "secondary", dataset: { verify: action.id }, text: t("review.action.verify"), onclick: () => verifyAction(action) })
      : null);
}

function renderOwn() {
  count("#own-panel", view.own.filter((a) => a.state === "open").length);
  const items = view.own.map(ownItem);
  $("#own-actions").replaceChildren(...(items.length ? items : [el("p", { className: "muted", text: t("review.noActions") })]));
}

function render() {
  renderEvaluations();
  renderActions();
  renderOwn();
  if (view.annual) renderAnnual($("#annual"), view.annual);
  tickClocks(document.body, serverClock.now());
}

function yearOptions() {
  const now = new Date(serverClock.now()).getFullYear();
  const select = $("#annual-year");
  select.replaceChildren(...[1, 2, 3, 0].map((back) => el("option", { value: String(now - back), text: String(now - back), selected: back === 1 })));
}

async function loadAnnual() {
  const year = $("#annual-year").value;
  const lang = currentLang() === "en" ? "en" : "zh";
  $("#annual-xlsx").href = `/api/reviews/annual.xlsx?year=${year}&lang=${lang}`;
  view.annual = await api(`/api/reviews/annual?year=${year}`);
  renderAnnual($("#annual"), view.annual); // the lists stay as they are (and what is typed in them)
}

async function load() {
  const [owed, overdue, actions, own] = await Promise.all([
    api("/api/reviews?state=draft&limit=500"),
    api("/api/reviews?overdue=true&limit=500"),
    api("/api/actions?limit=500"),
    api(`/api/actions?unit=${encodeURIComponent(caller.unit)}&limit=500`),
  ]);
  const seen = new Map([...overdue.items, ...owed.items].map((e) => [e.id, e]));
  view.evaluations = [...seen.values()].sort((a, b) => Date.parse(a.due_at) - Date.parse(b.due_at));
  view.actions = actions.items.filter((a) => a.state !== "verified");
  view.own = own.items.filter((a) => a.unit === caller.unit || a.state === "done");
  render();
}

applyI18n();
mountLangToggle($("#lang"));
$("#sign-out").addEventListener("click", signOut);
$("#who").textContent = `${caller.name} · ${unitName(config.unit, caller.unit)}`;
$("#rv-unit").textContent = unitName(config.unit, caller.unit);
yearOptions();
$("#annual-year").addEventListener("change", () => loadAnnual().catch((e) => flash(refusal(e), "error")));
onLangChange(() => {
  $("#who").textContent = `${caller.name} · ${unitName(config.unit, caller.unit)}`;
  $("#rv-unit").textContent = unitName(config.unit, caller.unit);
  render(); // the lists in the new language (what is typed in them is kept)
  loadAnnual().catch((e) => flash(refusal(e), "error"));
});
setInterval(() => tickClocks(document.body, serverClock.now()), 1000);
Promise.all([load(), loadAnnual()]).catch((error) => flash(refusal(error), "error"));
