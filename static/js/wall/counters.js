// Live counters: open incidents by level, overdue reports, plans falling due, coverage.
// Exercise traffic is never counted.
import { el } from "../dom.js";
import { t } from "../i18n.js";

const LEVELS = ["I", "II", "III", "IV", "none"];

function counter(name, value, label, extra = "") {
  return el(
    "div",
    { className: `counter counter-${name}`, dataset: { counter: name } },
    el("span", { className: "counter-value", text: value }),
    el("span", { className: "counter-label", text: label }),
    extra ? el("span", { className: "counter-extra", text: extra }) : null,
  );
}

// Evaluations to write and corrective actions open in the subtree (topic reviews).
function reviewsCounter(reviews, now) {
  const overdue = reviews.overdue(now);
  return counter("reviews-due", reviews.owedCount, t("wall.reviewsDue"), overdue ? t("wall.reviewsOverdue", { n: overdue }) : "");
}

export function levelCounts(incidents) {
  const counts = Object.fromEntries(LEVELS.map((level) => [level, 0]));
  for (const incident of incidents) if (!incident.exercise) counts[incident.level || "none"] += 1;
  return counts;
}

export function renderCounters(root, state, now) {
  const counts = levelCounts(state.incidents.values());
  const levels = LEVELS.map((level) => counter(`level-${level}`, counts[level], t(`level.short.${level}`)));
  const { due, overdue, coverage } = state.plans;
  const rate = coverage === null ? "–" : `${Math.round(coverage * 100)}%`;
  root.replaceChildren(
    el(
      "div",
      { className: "counter-row" },
      levels,
      counter("overdue", state.overdueCount(now), t("wall.overdueReports")),
      counter("plans-due", due, t("wall.plansDue"), overdue ? t("wall.plansOverdue", { n: overdue }) : ""),
      counter("coverage", rate, t("wall.coverage")),
      reviewsCounter(state.reviews, now),
    ),
  );
}

// The overdue count moves with the clock alone; refresh it on every tick.
export function tickCounters(root, state, now) {
  const node = root.querySelector('[data-counter="overdue"] .counter-value');
  if (!node) return;
  const value = String(state.overdueCount(now));
  if (node.textContent !== value) node.textContent = value;
  node.parentElement.classList.toggle("alert", value !== "0");
}
