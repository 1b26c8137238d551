// /reviews/{id}/print: the evaluation report laid out for A4 (review-print.css), with
// its headings in the order of the Word document.
import { api } from "../api.js";
import { $, el } from "../dom.js";
import { actorName, applyI18n, currentLang, has, mountLangToggle, onLangChange, t, unitName } from "../i18n.js";
import { kindLabel } from "../desk/words.js";
import { formatDateTime } from "../time.js";
import { outcome, refusal } from "./words.js";

const NUMERALS = "一二三四五六七八九十";
const id = Number(location.pathname.split("/")[2]);
let units = new Map();
const unit = (code) => unitName(units.get(code), code);
// An entry of the incident's history in words, with the status or level it set.
function what(entry) {
  const text = has(`desk.hist.${entry.kind}`) ? t(`desk.hist.${entry.kind}`) : t("desk.hist.other");
  const change = ["status", "level"].map((field) => [field, entry.changes?.[field]]).find(([, c]) => c && "to" in c);
  if (!change) return text;
  const [field, { from, to }] = change;
  const word = (code) => (code ? t(`${field}.${code}`) : "—");
  return `${text}${t("desk.colon")}${word(from)} → ${word(to)}`;
}

// Who did it, by the name they go by (the evaluation's names), the system as such.
function who(subject, names) {
  return actorName(subject, names.actors?.[subject]);
}

// 1 → 一, 10 → 十, 11 → 十一 (headings up to 19).
function chineseNumber(n) {
  return n <= 10 ? NUMERALS[n - 1] : `十${NUMERALS[n - 11]}`;
}

function heading(index, text) {
  const number = currentLang() === "en" ? `${index + 1}. ` : `${chineseNumber(index + 1)}、`;
  return el("h2", { text: `${number}${text}` });
}

function paragraphs(text) {
  const lines = String(text || "").split(/\n+/).map((line) => line.trim()).filter(Boolean);
  return (lines.length ? lines : ["—"]).map((line) => el("p", { text: line }));
}

function grid(headers, rows) {
  return el("table", {}, el("thead", {}, el("tr", {}, headers.map((h) => el("th", { text: h })))),
    el("tbody", {}, rows.map((cells) => el("tr", {}, cells.map((c) => el("td", { text: c === null || c === undefined ? "" : String(c) }))))));
}

function render(review) {
  const facts = review.facts || {};
  const names = review.names || {};
  const plan = (id) => names.plans?.[String(id)] || `#${id}`;
  const parts = [];
  const add = (key, ...body) => parts.push(heading(parts.filter((p) => p.tagName === "H2").length, key), ...body);
  const title = currentLang() === "en" ? `${t("review.print.title")}: ${review.incident_title}` : `关于“${review.incident_title}”的${t("review.print.title")}`;
  parts.push(el("h1", { text: title }));
  const members = (review.group?.members || []).join(t("listSep")) || "—";
  add(t("review.print.group"), ...paragraphs(`${t("review.group.lead")}${t("desk.colon")}${review.group?.lead || "—"}\n${t("review.print.members")}${t("desk.colon")}${members}`));
  add(t("review.sec.course"), ...paragraphs(review.sections.course),
    grid([t("review.print.at"), t("review.print.what"), t("review.print.who")], (facts.timeline || []).map((h) => [formatDateTime(h.at), what(h), who(h.actor, names)])));
  for (const name of ["response", "command"]) add(t(`review.sec.${name}`), ...paragraphs(review.sections[name]));
  add(t("review.sec.information"), ...paragraphs(review.sections.information),
    grid([t("review.print.reporting"), t("review.col.unit"), t("review.col.due"), t("review.print.metAt"), t("review.col.state")],
      (facts.reporting?.obligations || []).map((ob) => [`${kindLabel(ob.kind, ob.seq)} · ${t(`channel.${ob.channel}`)}`, `${unit(ob.unit)} → ${unit(ob.to_unit)}`, formatDateTime(ob.due_at), ob.met_at ? formatDateTime(ob.met_at) : "", outcome(ob)])));
  const worked = (value) => t(`review.plans.worked.${value === true ? "yes" : value === false ? "no" : "unknown"}`);
  add(t("review.print.plans"), ...(review.plans.length
    ? [grid([t("review.print.plan"), t("review.print.worked"), t("review.print.note")], review.plans.map((p) => [plan(p.plan), worked(p.worked), p.note]))]
    : paragraphs("")));
  add(t("review.sec.resources"), ...paragraphs(review.sections.resources));
  const incident = facts.incident || {};
  const casualties = incident.casualties || {};
  add(t("review.sec.losses"), ...(review.sections.losses ? paragraphs(review.sections.losses) : []),
    ...paragraphs(t("review.annual.casualties", { dead: casualties.dead ?? 0, missing: casualties.missing ?? 0, injured: casualties.injured ?? 0, affected: incident.affected ?? 0, loss: incident.loss ?? 0 })));
  for (const name of ["conclusion", "lessons"]) add(t(`review.sec.${name}`), ...paragraphs(review.sections[name]));
  add(t("review.print.recs"), review.recommendations.length
    ? grid([t("review.rec.text"), t("review.rec.unit"), t("review.rec.due_at"), t("review.print.plan")],
      review.recommendations.map((r) => [r.text, unit(r.unit), formatDateTime(r.due_at), r.plan ? plan(r.plan) : ""]))
    : paragraphs("")[0]);
  $("#report-body").replaceChildren(...parts);
}

let current = null;
async function load() {
  const [review, list] = await Promise.all([api(`/api/reviews/${id}`), api("/api/units")]);
  units = new Map(list.items.map((u) => [u.code, u]));
  current = review;
  render(current);
}

applyI18n();
mountLangToggle($("#lang"));
onLangChange(() => current && render(current));
$("#print").addEventListener("click", () => window.print());
load().catch((error) => {
  $("#report-body").replaceChildren(el("p", { className: "error-text", text: refusal(error) }));
});
