// Chinese first, English available; the choice is remembered on the device.
import { config } from "./config.js";
import { STRINGS } from "./strings.js";

const STORAGE_KEY = "watchfloor.lang";
export const LANGS = ["zh-CN", "en"];
const DEFAULT_LANG = "zh-CN";
const listeners = new Set();

function storedLang() {
  try {
    const value = localStorage.getItem(STORAGE_KEY);
    return LANGS.includes(value) ? value : DEFAULT_LANG;
  } catch {
    return DEFAULT_LANG;
  }
}

let lang = storedLang();

export function currentLang() {
  return lang;
}

// The shared words (levels, categories, statuses, plan types …) come from the server's
// vocabulary in the page's config block, not from copies here: "plan.type.special" is
// the term "special" of the group "plan_type".
const VOCABULARY_KEYS = { "level": "level", "category": "category", "status": "status",
  "source": "source", "tier": "tier", "unit.kind": "unit_kind", "plan.type": "plan_type" };

function vocabularyTerm(key) {
  const dot = key.lastIndexOf(".");
  const group = VOCABULARY_KEYS[key.slice(0, dot)];
  const term = group && (config.vocabulary?.[group] || []).find((item) => item.code === key.slice(dot + 1));
  if (!term) return undefined;
  if (lang !== "en") return group === "level" ? `${term.code}级 ${term.zh}` : term.zh;
  const name = term.en.charAt(0).toUpperCase() + term.en.slice(1);
  return group === "level" ? `Level ${term.code} · ${name}` : name;
}

function fill(text, params) {
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

export function t(key, params = {}) {
  return fill(STRINGS[lang][key] ?? vocabularyTerm(key) ?? STRINGS[DEFAULT_LANG][key] ?? key, params);
}

export function has(key) {
  return key in STRINGS[lang] || key in STRINGS[DEFAULT_LANG] || vocabularyTerm(key) !== undefined;
}

// The codes of a vocabulary group in order, e.g. vocabularyCodes("plan_type").
export function vocabularyCodes(group) {
  return (config.vocabulary?.[group] || []).map((item) => item.code);
}

// Static markup names its strings: data-i18n (text), data-i18n-placeholder,
// data-i18n-aria-label and data-i18n-title (attributes).
const ATTRIBUTES = { i18nPlaceholder: "placeholder", i18nAriaLabel: "aria-label", i18nTitle: "title" };

export function applyI18n(root = document) {
  for (const node of root.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const [key, attribute] of Object.entries(ATTRIBUTES)) {
    const selector = `[data-${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}]`;
    for (const node of root.querySelectorAll(selector)) node.setAttribute(attribute, t(node.dataset[key]));
  }
  document.documentElement.lang = lang;
  if (document.body?.dataset.titleKey) document.title = t(document.body.dataset.titleKey);
}

export function setLang(next) {
  if (!LANGS.includes(next) || next === lang) return;
  lang = next;
  try {
    localStorage.setItem(STORAGE_KEY, next);
  } catch {
    // private mode: the choice lasts for this page only
  }
  applyI18n();
  for (const listener of listeners) listener(lang);
}

export function onLangChange(listener) {
  listeners.add(listener);
}

// A button that switches to the other language, labelled in that language.
export function mountLangToggle(button) {
  const label = () => {
    button.textContent = lang === "en" ? "中文" : "English";
    button.lang = lang === "en" ? "zh-CN" : "en";
  };
  button.addEventListener("click", () => setLang(lang === "en" ? "zh-CN" : "en"));
  onLangChange(label);
  label();
}

export function unitName(unit, fallback = "") {
  if (!unit) return fallback;
  return lang === "en" && unit.name_en ? unit.name_en : unit.name;
}

// Names the server resolved for subjects, kept for answers that carry none (a write's
// answer, a realtime event) until the next read brings them again.
const actorNames = new Map();

// Who did it, as a person reads it: the name the server resolved (`name`, from auth's
// subject_names), 系统 / System for a system actor, never the raw "user:…" / "token:…".
export function actorName(subject, name = "") {
  if (!subject) return name || "";
  if (subject === "system" || subject.startsWith("system:")) return t("actor.system");
  if (name) actorNames.set(subject, name);
  name = name || actorNames.get(subject);
  if (name) return name;
  const [kind, rest] = subject.split(/:(.*)/s);
  if (kind === "token" && rest) return t("actor.token", { id: rest });
  return rest || subject;
}

const DIGITS = "零一二三四五六七八九";

// 续报一, 续报十二: follow-ups are numbered in Chinese numerals.
export function chineseNumber(n) {
  if (n < 10) return DIGITS[n];
  if (n >= 100) return String(n);
  const tens = Math.floor(n / 10);
  return `${tens > 1 ? DIGITS[tens] : ""}十${n % 10 ? DIGITS[n % 10] : ""}`;
}

// A township or village is named with its county: 爱辉区 瑷珲镇.
export function placeName(code, units) {
  const names = [];
  let unit = units.get(code);
  while (unit && names.length < 3) {
    names.unshift(unitName(unit));
    if (!["township", "village"].includes(unit.tier)) break;
    unit = units.get(unit.parent);
  }
  return names.length ? names.join(" ") : code;
}
