// /leadership: the figures leadership asks for, drawn with Apache ECharts; every figure
// clicks through to the list behind it, shown below the charts.
import * as echarts from "/static/vendor/echarts/echarts.esm.min.mjs";
import { errorText, signOut } from "../api.js";
import { caller, config } from "../config.js";
import { $, el } from "../dom.js";
import { actorName, applyI18n, currentLang, mountLangToggle, onLangChange, t, unitName } from "../i18n.js";
import { load } from "./data.js";

const charts = {};
const state = { data: null, detail: null };
const FAULTS = ["late", "missed", "false_report", "concealed"];

function flash(text, kind = "") {
  const node = $("#flash");
  node.className = `notice page-flash ${kind}`.trim();
  node.textContent = text;
  node.hidden = !text;
}

const nameOf = (card) => (currentLang() === "en" && card.name_en) || card.name;
const pct = (v) => (v == null ? null : Math.round(v * 1000) / 10);
const point = (card, key) => card.points.find((p) => p.indicator === key);

function chart(id) {
  if (!charts[id]) {
    charts[id] = echarts.init(document.getElementById(id), null, { renderer: "canvas" });
    charts[id].on("click", (params) => clicked(id, params));
  }
  return charts[id];
}

function bars(names, series, { percent = false, horizontal = false } = {}) {
  const category = { type: "category", data: names, axisLabel: { interval: 0, rotate: horizontal ? 0 : 30 } };
  const value = { type: "value", max: percent ? 100 : undefined, axisLabel: { formatter: percent ? "{value}%" : "{value}" } };
  return {
    tooltip: { trigger: "axis", renderMode: "richText" },
    legend: series.length > 1 ? { top: 0 } : undefined,
    grid: { left: 8, right: horizontal ? 28 : 16, top: series.length > 1 ? 28 : 16, bottom: 4, containLabel: true },
    xAxis: horizontal ? value : category,
    yAxis: horizontal ? { ...category, inverse: true, axisLabel: { interval: 0 } } : value,
    series: series.map((s) => ({ type: "bar", label: { show: true, position: horizontal ? "right" : "top" }, ...s })),
  };
}

function drawRates(data) {
  const names = data.rates.map((r) => nameOf(r.card));
  chart("chart-rate").setOption(bars(names, [{ name: t("lead.rate"), data: data.rates.map((r) => pct(r.rate)) }], { percent: true }), true);
}

function drawTrend(data) {
  chart("chart-trend").setOption({
    tooltip: { trigger: "axis", renderMode: "richText" },
    grid: { left: 8, right: 16, top: 16, bottom: 4, containLabel: true },
    xAxis: { type: "category", data: data.trend.map((m) => t("lead.month", { m: m.month })) },
    yAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
    series: [{ type: "line", name: t("lead.rate"), data: data.trend.map((m) => pct(m.rate)), connectNulls: true }],
  }, true);
}

function faultRecords(data, fault = null) {
  return data.counties.flatMap((card) =>
    point(card, "duty.reporting").records.filter((r) => !fault || r.fault === fault).map((r) => ({ ...r, county: nameOf(card) })),
  );
}

function drawVerdicts(data) {
  const counts = Object.fromEntries(FAULTS.map((f) => [f, faultRecords(data, f).length]));
  chart("chart-verdicts").setOption({
    tooltip: { trigger: "item", renderMode: "richText" },
    legend: { bottom: 0 },
    series: [{ type: "pie", radius: ["35%", "65%"], label: { formatter: "{b} {c}" }, data: FAULTS.map((f) => ({ name: t(`lead.fault.${f}`), value: counts[f], fault: f })) }],
  }, true);
}

function drawScores(data) {
  const cards = data.counties;
  chart("chart-scores").setOption(bars(cards.map(nameOf), [{ name: t("lead.total"), data: cards.map((c) => c.total) }], { horizontal: true }), true);
}

function drawCoverage(data) {
  const rows = data.coverage?.counties || [];
  const cards = Object.fromEntries(data.counties.map((c) => [c.unit, c]));
  const countyName = (r) => (cards[r.code] ? nameOf(cards[r.code]) : r.name);
  chart("chart-coverage").setOption(bars(rows.map(countyName), [{ name: t("lead.coverage"), data: rows.map((r) => pct(r.rate)) }], { percent: true }), true);
  const kinds = data.coverage?.overall?.requirements || [];
  chart("chart-kinds").setOption(bars(kinds.map((k) => t(`lead.req.${k.name}`)), [
    { name: t("lead.required"), data: kinds.map((k) => k.required) },
    { name: t("lead.covered"), data: kinds.map((k) => k.covered) },
  ]), true);
}

function drawDrills(data) {
  const cards = data.counties;
  const measure = (c) => point(c, "drills.special").measure;
  chart("chart-drills").setOption(bars(cards.map(nameOf), [
    { name: t("lead.drills.due"), data: cards.map((c) => measure(c).plans) },
    { name: t("lead.drills.done"), data: cards.map((c) => measure(c).drilled) },
  ]), true);
}

function drawReviews(data) {
  const ev = data.annual?.evaluations || {};
  const ac = data.annual?.actions || {};
  const keys = [["ev", "due", ev.due], ["ev", "on_time", ev.on_time], ["ev", "late", ev.late], ["ev", "overdue", ev.overdue], ["ac", "total", ac.total], ["ac", "closed", ac.closed], ["ac", "overdue", ac.overdue]];
  chart("chart-reviews").setOption(bars(keys.map(([g, k]) => t(`lead.reviews.${g}.${k}`)), [{ name: t("lead.chart.reviews"), data: keys.map(([, , v]) => v || 0) }]), true);
}

function showDetail(title, headers, rows) {
  state.detail = { title, headers, rows };
  $("#detail-title").textContent = title;
  $("#detail-hint").hidden = true;
  $("#detail-table thead").replaceChildren(el("tr", {}, headers.map((h) => el("th", { text: h }))));
  $("#detail-table tbody").replaceChildren(
    ...(rows.length ? rows : [[t("lead.detail.none")]]).map((cells) => el("tr", {}, cells.map((c) => el("td", {}, c)))),
  );
  $("#detail").scrollIntoView({ block: "nearest" });
}

const incidentLink = (r) => el("a", { href: `/desk?incident=${r.incident}`, text: `#${r.incident} ${r.incident_title || ""}`, className: "incident-link" });

function faultRows(records) {
  return records.map((r) => [r.county || r.unit, t(`lead.fault.${r.fault}`), String(r.points ?? ""), incidentLink(r), r.unit]);
}

const FAULT_HEAD = () => [t("lead.col.county"), t("lead.col.fault"), t("lead.col.points"), t("lead.col.incident"), t("lead.col.unit")];

function clicked(id, params) {
  const data = state.data;
  const card = data.counties[params.dataIndex];
  if (id === "chart-rate" || id === "chart-scores") {
    const records = point(card, "duty.reporting").records.map((r) => ({ ...r, county: nameOf(card) }));
    if (id === "chart-rate") return showDetail(`${nameOf(card)} · ${t("lead.detail.faults")}`, FAULT_HEAD(), faultRows(records));
    return showDetail(`${nameOf(card)} · ${card.total} · ${currentLang() === "en" ? card.grade.label_en : card.grade.label}`,
      [t("lead.col.indicator"), t("lead.col.points"), t("lead.col.max"), t("lead.col.source")],
      card.points.map((p) => [(currentLang() === "en" && p.title_en) || p.title, String(p.points), String(p.max), t(`lead.source.${p.source}`)]));
  }
  if (id === "chart-verdicts") return showDetail(params.name, FAULT_HEAD(), faultRows(faultRecords(data, params.data.fault)));
  if (id === "chart-trend") {
    const m = data.trend[params.dataIndex];
    return showDetail(t("lead.month", { m: m.month }), [t("lead.col.obligations"), t("lead.fault.late"), t("lead.fault.missed"), t("lead.rate")],
      [[String(m.obligations), String(m.late), String(m.missed), m.rate == null ? "—" : `${pct(m.rate)}%`]]);
  }
  if (id === "chart-coverage") {
    const row = data.coverage.counties[params.dataIndex];
    const card = data.counties.find((c) => c.unit === row.code);
    return showDetail(`${card ? nameOf(card) : row.name} · ${t("lead.detail.gaps")}`, [t("lead.col.unit"), t("lead.col.requirement")], row.gaps.map((g) => [g.name, t(`lead.req.${g.requirement}`)]));
  }
  if (id === "chart-kinds") {
    const kind = data.coverage.overall.requirements[params.dataIndex].name;
    const gaps = [data.coverage.overall, ...data.coverage.counties].flatMap((r) => r.gaps).filter((g) => g.requirement === kind);
    return showDetail(`${t(`lead.req.${kind}`)} · ${t("lead.detail.gaps")}`, [t("lead.col.unit"), t("lead.col.requirement")], gaps.map((g) => [g.name, t(`lead.req.${g.requirement}`)]));
  }
  if (id === "chart-drills") {
    const records = point(card, "drills.special").records;
    return showDetail(`${nameOf(card)} · ${t("lead.chart.drills")}`, [t("lead.col.plan"), t("lead.col.drilled")],
      records.map((r) => [r.title, r.drilled ? r.drills.map((d) => `#${d}`).join(" ") : t("lead.notDrilled")]));
  }
  if (id === "chart-reviews") {
    const records = data.counties.flatMap((c) => point(c, "review.reports").records.map((r) => ({ ...r, county: nameOf(c) })));
    return showDetail(t("lead.chart.reviews"), [t("lead.col.county"), t("lead.col.incident"), t("lead.col.onTime")],
      records.map((r) => [r.county, incidentLink(r), r.on_time ? "✓" : "✗"]));
  }
}

const requirementTitle = (q) => (currentLang() === "en" && q.title_en) || q.title;
const placeName = (row) => (currentLang() === "en" && row.name_en) || row.name;

function evidenceCells(item) {
  const files = item.files.map((f) => el("a", { href: `/api/assessment/evidence/${f.id}`, text: f.filename, className: "evidence-link" }));
  const shown = files.length ? files : item.source === "computed" ? [t("lead.ready.records", { n: item.records })] : [t("lead.ready.noEvidence")];
  return el("span", {}, `${(currentLang() === "en" && item.title_en) || item.title} ${item.points}/${item.max}: `, ...shown.flatMap((x, i) => (i ? [" ", x] : [x])));
}

function showRequirement(q) {
  showDetail(`${requirementTitle(q)} · ${q.met}/${q.units}`, [t("lead.col.unit"), t("lead.ready.met"), t("lead.ready.evidence")],
    q.by_unit.map((u) => [placeName(u), u.met ? "✓" : "✗", el("span", {}, ...u.evidence.flatMap((e, i) => (i ? [el("br"), evidenceCells(e)] : [evidenceCells(e)])))]));
}

function showFigure(kind) {
  const r = state.data.readiness;
  const checks = (row) => Object.entries(row.checks).filter(([, ok]) => !ok).map(([k]) => t(`lead.check.${k}`)).join(t("listSep")) || "✓";
  if (kind === "offices") return showDetail(t("lead.ready.offices"), [t("lead.col.unit"), t("lead.ready.missing")], r.offices.rows.map((o) => [placeName(o), checks(o)]));
  if (kind === "liaisons") return showDetail(t("lead.ready.liaisons"), [t("lead.col.unit"), t("lead.ready.missing")], r.liaisons.rows.map((o) => [placeName(o), checks(o)]));
  if (kind === "drills") return showDetail(t("lead.ready.drills"), [t("lead.col.plan"), t("lead.col.lastDrilled")], r.drills.due.map((p) => [p.title, p.last_drilled_on || t("lead.neverDrilled")]));
  const gaps = [state.data.coverage?.overall, ...(state.data.coverage?.counties || [])].filter(Boolean).flatMap((row) => row.gaps);
  return showDetail(`${t("lead.ready.coverage")} · ${t("lead.detail.gaps")}`, [t("lead.col.unit"), t("lead.col.requirement")], gaps.map((g) => [g.name, t(`lead.req.${g.requirement}`)]));
}

function drawReadiness(data) {
  const r = data.readiness;
  if (!r) return;
  const names = Object.fromEntries(r.offices.rows.map((o) => [o.unit, placeName(o)]));
  $("#ready-days").textContent = t("lead.ready.days", { date: r.target, days: r.days_left });
  const figure = (kind, key, done, total) =>
    el("li", {}, el("button", { type: "button", className: "link-button", dataset: { figure: kind }, onclick: () => showFigure(kind) }, `${t(key)} `, el("strong", { text: `${done}/${total}` })));
  $("#ready-figures").replaceChildren(
    figure("offices", "lead.ready.offices", r.offices.met, r.offices.counties),
    figure("liaisons", "lead.ready.liaisons", r.liaisons.met, r.liaisons.departments),
    figure("coverage", "lead.ready.coverage", r.coverage.covered, r.coverage.required),
    figure("drills", "lead.ready.drills", r.drills.drilled, r.drills.plans),
  );
  $("#ready-table tbody").replaceChildren(
    ...r.requirements.map((q) =>
      el("tr", { dataset: { requirement: q.key } },
        el("td", {}, el("button", { type: "button", className: "link-button", text: requirementTitle(q), onclick: () => showRequirement(q) })),
        el("td", { text: `${q.met}/${q.units}` }),
        el("td", { text: q.not_met.map((c) => names[c] || c).join(t("listSep")) })),
    ),
  );
}

function drawAll() {
  const data = state.data;
  if (!data) return;
  drawRates(data);
  drawTrend(data);
  drawVerdicts(data);
  drawScores(data);
  drawCoverage(data);
  drawDrills(data);
  drawReviews(data);
  drawReadiness(data);
  const cycle = data.scorecards.cycle;
  const key = cycle && cycle.days_to_approval < 0 ? "lead.cyclePast" : "lead.cycle";
  $("#ld-cycle").textContent = cycle ? t(key, { date: cycle.approval_by, days: cycle.days_to_approval }) : "";
}

async function refresh() {
  const year = Number($("#ld-year").value);
  const unit = config.unit?.code || caller.unit;
  $("#ld-pack").href = `/api/assessment/pack.xlsx?year=${year}&unit=${unit}`;
  $("#ld-circular").href = `/api/circulars.docx?from=${year}-01-01&to=${year}-12-31&unit=${unit}`;
  try {
    state.data = await load(unit, year);
    drawAll();
    document.body.dataset.ready = "true";
  } catch (error) {
    flash(errorText(error), "error");
  }
}

function start() {
  applyI18n();
  mountLangToggle($("#lang"));
  $("#sign-out").addEventListener("click", signOut);
  $("#ld-print").addEventListener("click", () => window.print());
  $("#ld-unit").textContent = config.unit ? unitName(config.unit) : "";
  $("#who").textContent = caller ? actorName(caller.subject, caller.name) : "";
  const now = new Date().getFullYear();
  $("#ld-year").replaceChildren(...[now, now - 1].map((y) => el("option", { value: String(y), text: String(y) })));
  $("#ld-year").addEventListener("change", refresh);
  onLangChange(() => {
    applyI18n();
    $("#ld-unit").textContent = config.unit ? unitName(config.unit) : "";
    drawAll();
  });
  window.addEventListener("resize", () => Object.values(charts).forEach((c) => c.resize()));
  window.addEventListener("beforeprint", () => Object.values(charts).forEach((c) => c.resize()));
  refresh();
}

start();
