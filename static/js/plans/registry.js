// The plan registry: every plan of the subtree, searched, filtered and paged by the
// server (GET /api/plans?q=&type=&status=&within=&limit=&offset=); a row opens the plan's page.
import { api } from "../api.js";
import { el, option } from "../dom.js";
import { t } from "../i18n.js";
import { dueCell } from "./catalog.js";

export const PAGE_SIZE = 25;
const STATUSES = ["draft", "in_force", "under_revision", "retired"];

// Units in tree order, indented by depth: a unit's plans and those of every unit below it.
export function fillUnitFilter(select, units, name) {
  const chosen = select.value;
  const base = Math.min(...units.map((unit) => unit.depth));
  const indent = (unit) => "\u3000".repeat(unit.depth - base);
  select.replaceChildren(option("", t("registry.allUnits")), ...units.map((unit) => option(unit.code, `${indent(unit)}${name(unit)}`)));
  select.value = chosen;
}

export function fillStatusFilter(select) {
  const chosen = select.value;
  select.replaceChildren(option("", t("registry.allStatuses")), ...STATUSES.map((s) => option(s, t(`plan.status.${s}`))));
  select.value = chosen;
}

// The filing state; one still to file names its due date, which never breaks inside.
function filingCell(plan) {
  if (!plan.filing) return el("td", { text: "–" });
  const status = t(`filing.status.${plan.filing}`);
  if (plan.filing !== "pending" && plan.filing !== "overdue") return el("td", { text: status });
  const [before, after] = t("registry.filingDue", { status, date: "\u0000" }).split("\u0000");
  const className = plan.filing === "overdue" ? "due-over" : "";
  return el("td", { className }, before, el("span", { className: "nowrap", text: plan.filing_due }), after);
}

function row(plan, today) {
  const link = el("a", { href: `/plans/${plan.id}`, text: plan.title });
  return el(
    "tr",
    { dataset: { plan: plan.id } },
    el("td", {}, link),
    el("td", { text: t(`plan.type.${plan.type}`) }),
    el("td", { text: plan.unit_name }),
    el("td", { text: t(`plan.status.${plan.status}`) + (plan.version ? ` v${plan.version}` : "") }),
    filingCell(plan),
    dueCell(plan.review_due, today),
    el("td", { text: plan.last_drilled_on || "–" }),
    dueCell(plan.next_drill_due, today),
  );
}

export class Registry {
  constructor({ tbody, count, label, prev, next, filters, today }) {
    Object.assign(this, { tbody, count, label, prev, next, filters, today });
    this.offset = 0;
    this.total = 0;
    this.items = [];
    this.request = 0;
    let timer = null;
    filters.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => this.reload(), 250);
    });
    filters.addEventListener("submit", (event) => {
      event.preventDefault();
      this.reload();
    });
    prev.addEventListener("click", () => this.go(this.offset - PAGE_SIZE));
    next.addEventListener("click", () => this.go(this.offset + PAGE_SIZE));
  }

  query() {
    const data = new FormData(this.filters);
    const query = new URLSearchParams({ limit: String(PAGE_SIZE), offset: String(this.offset) });
    for (const name of ["q", "type", "status", "within"]) {
      const value = String(data.get(name) || "").trim();
      if (value) query.set(name, value);
    }
    return query;
  }

  reload() {
    this.offset = 0;
    return this.load();
  }

  go(offset) {
    this.offset = Math.max(0, offset);
    return this.load();
  }

  async load() {
    const ticket = ++this.request;
    const found = await api(`/api/plans?${this.query()}`);
    if (ticket !== this.request) return; // a later search already answered
    this.items = found.items;
    this.total = found.total;
    this.render();
  }

  render() {
    this.tbody.replaceChildren(
      ...(this.items.length ? this.items.map((plan) => row(plan, this.today)) : [el("tr", {}, el("td", { colspan: 8, className: "empty", text: t("registry.none") }))]),
    );
    const pages = Math.max(1, Math.ceil(this.total / PAGE_SIZE));
    const page = Math.floor(this.offset / PAGE_SIZE) + 1;
    this.count.textContent = t("registry.total", { total: this.total });
    this.label.textContent = t("registry.page", { page, pages });
    this.prev.disabled = this.offset === 0;
    this.next.disabled = this.offset + PAGE_SIZE >= this.total;
  }
}
