// Plan types, due-date cells and the coverage per county.
import { config } from "../config.js";
import { el, option } from "../dom.js";
import { t } from "../i18n.js";

// From the page (command/pages.py): the vocabulary's plan types and plans/rules.toml's
// due window, within which a date counts as soon.
export const PLAN_TYPES = (config.vocabulary?.plan_type || []).map((term) => term.code);
const SOON_DAYS = config.due_window_days;

export function dueCell(date, today) {
  if (!date) return el("td", { text: "–" });
  const days = (Date.parse(date) - Date.parse(today)) / 86400000;
  const className = days < 0 ? "due-over" : days <= SOON_DAYS ? "due-soon" : "";
  if (days >= 0) return el("td", { className, text: date });
  // "Overdue (date)" may wrap before the date, never inside it.
  const [before, after] = t("plans.overdueOn", { date: "\u0000" }).split("\u0000");
  return el("td", { className }, before, el("span", { className: "nowrap", text: date }), after);
}

export function fillTypeFilter(select) {
  const chosen = select.value;
  select.replaceChildren(option("", t("plans.allTypes")), ...PLAN_TYPES.map((type) => option(type, t(`plan.type.${type}`))));
  select.value = chosen;
}

function percent(rate) {
  return `${Math.round(rate * 1000) / 10}%`;
}

const GAPS_SHOWN = 8;

function countyRow(row) {
  const labels = Object.fromEntries(row.requirements.map((r) => [r.name, r.label]));
  const items = row.gaps.slice(0, GAPS_SHOWN).map((gap) => el("li", { text: `${gap.name}（${labels[gap.requirement] || gap.requirement}）` }));
  if (row.gaps.length > GAPS_SHOWN) items.push(el("li", { text: t("plans.moreGaps", { n: row.gaps.length - GAPS_SHOWN }) }));
  const gaps = items.length
    ? el("details", {}, el("summary", { text: t("plans.gapUnits", { n: row.gaps.length }) }), el("ul", { className: "gaps" }, items))
    : null;
  return el(
    "tr",
    {},
    el("td", {}, el("span", { text: row.name }), gaps),
    el("td", { text: `${row.covered}/${row.required}` }),
    el("td", { className: row.missing ? "due-soon" : "", text: percent(row.rate) }),
    el("td", { text: String(row.missing) }),
  );
}

export function renderCoverage(root, coverage) {
  const overall = coverage.overall;
  root.replaceChildren(
    el(
      "p",
      { className: "coverage-summary" },
      `${percent(overall.rate)} `,
      el("span", {
        className: "muted",
        text: t("plans.coverageLine", { covered: overall.covered, required: overall.required, target: coverage.target }),
      }),
    ),
    el(
      "table",
      {},
      el(
        "thead",
        {},
        el(
          "tr",
          {},
          ["plans.col.county", "plans.col.covered", "plans.col.rate", "plans.col.missing"].map((key) => el("th", { text: t(key) })),
        ),
      ),
      el("tbody", {}, coverage.counties.map(countyRow)),
    ),
  );
}
