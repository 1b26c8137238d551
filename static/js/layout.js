// The layout every page but the wall shares: the navigation bar by role (the pages the
// server lists in the config block's `nav`, command/pages.py), the caller, the language
// switch and sign-out. Importing it puts the bar above the page's header.page-header.
import { signOut } from "./api.js";
import { caller, config } from "./config.js";
import { el } from "./dom.js";
import { mountLangToggle, onLangChange, t, unitName } from "./i18n.js";

function isCurrent(path) {
  return location.pathname === path || location.pathname.startsWith(`${path}/`);
}

function navLinks(entries) {
  return entries.map((entry) =>
    el("a", {
      href: entry.path,
      text: t(entry.label),
      dataset: { label: entry.label },
      "aria-current": isCurrent(entry.path) ? "page" : null,
    }),
  );
}

export function mountNav(header = document.querySelector("header.page-header")) {
  const entries = config.nav || [];
  if (!header || document.querySelector(".site-nav")) return null;
  // One page only, and this is it (a reporter's phone): nothing to go to, so no bar.
  if (!entries.length || (entries.length === 1 && location.pathname === entries[0].path)) return null;
  // A strip of its own above the page's header: each header keeps the layout its page needs.
  const nav = el("nav", { className: "site-nav", "aria-label": t("nav.label") }, navLinks(entries));
  header.before(nav);
  onLangChange(() => {
    nav.setAttribute("aria-label", t("nav.label"));
    for (const link of nav.querySelectorAll("a")) link.textContent = t(link.dataset.label);
  });
  return nav;
}

// The caller, language switch and sign-out of a page whose header has #who, #lang and
// #sign-out (the pages that wire these themselves do not call this).
export function wireHeader() {
  const who = document.getElementById("who");
  const show = () => { who.textContent = `${caller.name} · ${unitName(config.unit, caller.unit)}`; };
  if (who && caller) {
    show();
    onLangChange(show);
  }
  const lang = document.getElementById("lang");
  if (lang) mountLangToggle(lang);
  document.getElementById("sign-out")?.addEventListener("click", signOut);
}

mountNav();
