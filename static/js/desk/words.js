// Words of the desk in the page's language: reports, obligations, places and the
// server's refusals (never the server's English in the Chinese page).
import { ApiError, isNetworkError } from "../api.js";
import { caller, config } from "../config.js";
import { actorName, currentLang, has, t, unitName } from "../i18n.js";

const DIGITS = "零一二三四五六七八九";

// 续报一, 续报十二: follow-ups are numbered in Chinese numerals.
export function numeral(n) {
  if (currentLang() === "en") return String(n);
  if (n < 10) return DIGITS[n];
  if (n >= 100) return String(n);
  const tens = Math.floor(n / 10);
  return `${tens > 1 ? DIGITS[tens] : ""}十${n % 10 ? DIGITS[n % 10] : ""}`;
}

export function kindLabel(kind, seq) {
  return kind === "followup" ? t("kind.followup.n", { n: numeral(seq || 1) }) : t(`kind.${kind}`);
}

export function levelShort(level) {
  return level ? t(`level.short.${level}`) : t("level.short.none");
}

export function levelLong(level) {
  return level ? t(`level.${level}`) : t("level.none");
}

// A unit by its name: from the caller's subtree, else the units above it (whom it reports
// to, named in the config block); its code only when neither knows it.
export function unitLabel(code, units) {
  const known = units.get(code) || [config.unit, ...(config.superiors || [])].find((unit) => unit?.code === code);
  return unitName(known, code);
}


export function obligationLabel(ob, units) {
  const from = unitLabel(ob.unit, units);
  const to = unitLabel(ob.to_unit, units);
  return `${kindLabel(ob.kind, ob.seq)} · ${t(`channel.${ob.channel}`)} · ${from} → ${to}`;
}

export function factsLabel(facts) {
  return facts.map((fact) => (has(`fact.${fact}`) ? t(`fact.${fact}`) : fact)).join(t("desk.listSep"));
}

// Who did it: the name the server sent beside the subject (`<field>_name`), the signed-in
// caller's own name, 系统 / System; never a raw "user:…" / "token:…" subject.
export function actorLabel(subject, name = "") {
  if (!name && caller && subject === caller.subject) return caller.name || actorName(subject);
  return actorName(subject, name);
}

function fieldName(field) {
  const parts = String(field || "").split(".").filter((part) => part !== "body" && !/^\d+$/.test(part));
  const name = parts[0] || "";
  return has(`desk.field.${name}`) ? t(`desk.field.${name}`) : name;
}

// A refusal in the page's language: the code's sentence, and the fields it names.
export function refusal(error) {
  if (isNetworkError(error)) return t("error.network");
  if (!(error instanceof ApiError)) return t("desk.error.unexpected");
  const names = (error.details || []).map((d) => String(d.field || "").split(".").filter((p) => p !== "body")[0]);
  const specific = names.map((name) => `desk.error.${error.code}.${name}`).find((key) => has(key));
  if (specific) return t(specific);
  const base = has(`desk.error.${error.code}`) ? t(`desk.error.${error.code}`) : t("desk.error.other", { status: error.status });
  const fields = [...new Set((error.details || []).map((d) => fieldName(d.field)).filter(Boolean))];
  return fields.length ? `${base}${t("desk.error.fields", { fields: fields.join(t("desk.listSep")) })}` : base;
}
