// The annual review section: counts by category, level and month, casualties and
// losses, on-time reporting, evaluations and corrective actions of the year.
import { el } from "../dom.js";
import { t } from "../i18n.js";

function table(title, entries) {
  return el("div", {},
    el("h3", { text: title }),
    el("table", {}, el("tbody", {}, entries.map(([label, value]) => el("tr", {}, el("td", { text: label }), el("td", { className: "num", text: String(value) }))))));
}

function percent(rate) {
  return rate === null || rate === undefined ? "—" : `${Math.round(rate * 1000) / 10}%`;
}

export function renderAnnual(root, review) {
  const i = review.incidents;
  const levels = Object.entries(i.by_level).map(([lv, n]) => [lv === "none" ? t("level.none") : t(`level.${lv}`), n]);
  const e = review.evaluations;
  root.replaceChildren(
    el("p", { id: "annual-total", text: t("review.annual.incidents", { n: i.total }) }),
    el("p", { text: t("review.annual.casualties", { ...i.casualties, loss: i.loss }) }),
    el("p", { text: t("review.annual.reporting", { ...review.reporting, rate: percent(review.reporting.on_time_rate) }) }),
    el("p", { text: t("review.annual.evaluations", { ...e, external: e.not_led_by_city }) }),
    el("p", { text: t("review.annual.actions", review.actions) }),
    el("div", { className: "annual-grid" },
      table(t("review.annual.byCategory"), Object.entries(i.by_category).map(([c, n]) => [t(`category.${c}`), n])),
      table(t("review.annual.byLevel"), levels),
      table(t("review.annual.byMonth"), Object.entries(i.by_month).map(([m, n]) => [t("review.annual.month", { m }), n]))),
  );
}
