// Administration (/admin, admins only): the unit tree, users, API tokens and wall screens.
import { errorText } from "../api.js";
import { caller, config } from "../config.js";
import { $, $$ } from "../dom.js";
import { applyI18n, onLangChange } from "../i18n.js";
import { wireHeader } from "../layout.js";
import { TokenAdmin } from "./tokens.js";
import { UnitAdmin } from "./units.js";
import { UserAdmin } from "./users.js";

const roles = config.roles || [];

function flash(text, kind = "") {
  const node = $("#flash");
  node.className = `notice page-flash ${kind}`.trim();
  node.textContent = text;
  node.hidden = false;
}

const units = new UnitAdmin({ tree: $("#unit-tree"), editForm: $("#unit-form"), childForm: $("#child-form"), moveForm: $("#move-form"), flash, onChanged: () => fillUnitChoices() });
const users = new UserAdmin({ tbody: $("#user-table tbody"), dialog: $("#user-dialog"), roles, home: caller.unit, flash });
const tokens = new TokenAdmin({ tbody: $("#token-table tbody"), form: $("#token-form"), result: $("#token-result"), showRevoked: $("#show-revoked"), roles, home: caller.unit, flash });

function fillUnitChoices() {
  users.fillChoices(units.units);
  tokens.fillChoices(units.units);
}

function showTab(id) {
  for (const tab of $$('[role="tab"]')) {
    const selected = tab.getAttribute("aria-controls") === id;
    tab.setAttribute("aria-selected", String(selected));
    document.getElementById(tab.getAttribute("aria-controls")).hidden = !selected;
  }
  history.replaceState(null, "", `#${id}`);
}

function wire() {
  wireHeader();
  for (const tab of $$('[role="tab"]')) tab.addEventListener("click", () => showTab(tab.getAttribute("aria-controls")));
  $("#new-user").addEventListener("click", () => users.open());
  units.fillChoices();
  onLangChange(() => {
    units.fillChoices();
    units.describe();
    units.relabel();
    fillUnitChoices();
    users.render();
    tokens.render();
  });
}

applyI18n();
wire();
const initial = location.hash.slice(1);
if (["units", "users", "tokens"].includes(initial)) showTab(initial);
units
  .load()
  .then(() => {
    fillUnitChoices();
    return Promise.all([users.load(), tokens.load()]);
  })
  .catch((error) => flash(errorText(error), "error"));
