// Words for the things on the wall, in the current language.
import { chineseNumber, currentLang, placeName, t, unitName } from "../i18n.js";

export function levelLabel(level) {
  return level ? t(`level.short.${level}`) : t("level.short.none");
}

export function obligationLabel(ob, units) {
  const n = currentLang() === "en" ? ob.seq || 1 : chineseNumber(ob.seq || 1);
  const kind = ob.kind === "followup" ? t("kind.followup.n", { n }) : t(`kind.${ob.kind}`);
  const from = unitName(units.get(ob.unit), ob.unit);
  const to = unitName(units.get(ob.to_unit), ob.to_unit);
  return `${kind} · ${t(`channel.${ob.channel}`)} · ${from} → ${to}`;
}

export function incidentMeta(incident, units) {
  return [placeName(incident.unit, units), t(`status.${incident.status}`), t(`category.${incident.category}`)].join(" · ");
}

// 亡 0 · 失踪 0 · 伤 1: the figures the centre has now; a figure not yet stated is "?".
export function casualtiesText(incident, short = false) {
  const figures = incident.casualties || {};
  const value = (name) => (figures[name] === null || figures[name] === undefined ? "?" : figures[name]);
  const key = short ? "wall.casualtiesShort" : "wall.casualties";
  return t(key, { dead: value("dead"), missing: value("missing"), injured: value("injured") });
}
