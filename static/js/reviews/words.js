// Words of the evaluations and corrective actions in the page's language, and the
// server's refusals turned into sentences (never the server's English in the Chinese page).
import { ApiError, isNetworkError } from "../api.js";
import { has, t } from "../i18n.js";

export const SECTIONS = ["course", "response", "command", "information", "resources", "losses", "conclusion", "lessons"];

export function stateLabel(item) {
  if (item.kind === "action") return item.overdue ? t("review.action.overdue") : t(`review.action.state.${item.state}`);
  return item.overdue ? t("review.state.overdue") : t(`review.state.${item.state}`);
}

// A reporting link's outcome: pending past its due time is overdue (超时未报) until
// the deadlines engine marks it missed.
export function outcome(ob) {
  return ob.state === "pending" && ob.overdue ? t("review.facts.overdueOne") : t(`desk.ob.${ob.state}`);
}

// A field the server names ("sections.course", "recommendations.0.due_at") in words.
function fieldLabel(field) {
  const parts = String(field || "").split(".").filter((part) => part !== "body" && part !== "query");
  if (parts[0] === "sections" && parts[1]) return t(`review.sec.${parts[1]}`);
  if (parts[0] === "group" && parts[1] === "lead") return t("review.group.lead");
  const last = parts.filter((part) => !/^\d+$/.test(part)).pop() || "";
  if (parts[0] === "recommendations" && /^\d+$/.test(parts[1] || "")) {
    const name = has(`review.field.${last}`) ? t(`review.field.${last}`) : last;
    return `${t("review.field.recommendations")} ${Number(parts[1]) + 1} · ${name}`;
  }
  return has(`review.field.${last}`) ? t(`review.field.${last}`) : last;
}

export function refusal(error) {
  if (isNetworkError(error)) return t("error.network");
  if (!(error instanceof ApiError)) return t("desk.error.unexpected");
  const lasts = (error.details || []).map((d) => String(d.field || "").split(".").pop());
  const specific = lasts.map((name) => `review.error.${error.code}.${name}`).find((key) => has(key));
  const own = has(`review.error.${error.code}`) ? `review.error.${error.code}` : null;
  const base = specific || own ? t(specific || own) : has(`desk.error.${error.code}`) ? t(`desk.error.${error.code}`) : t("desk.error.other", { status: error.status });
  const fields = [...new Set((error.details || []).map((d) => fieldLabel(d.field)).filter(Boolean))];
  return fields.length ? `${base}${t("desk.error.fields", { fields: fields.join(t("desk.listSep")) })}` : base;
}

// An evaluation's or action's due clock, in the shape clocks.js runs: amber in its
// last WARN_DAYS days.
const WARN_DAYS = 3;
export function dueClock(item) {
  const due = Date.parse(item.due_at);
  return { state: "pending", due_at: item.due_at, warn_at: new Date(due - WARN_DAYS * 86400000).toISOString() };
}

// What a screen keeps of the reviews topic: the evaluations and actions still owed,
// and the evaluations submitted and awaiting acceptance.
const kept = (item) => item.owed || (item.kind === "evaluation" && item.state === "submitted");

export class ReviewStore {
  constructor() {
    this.items = new Map();
  }

  static key(item) {
    return `${item.kind}:${item.id}`;
  }

  reset(items = []) {
    this.items = new Map(items.filter(kept).map((item) => [ReviewStore.key(item), item]));
  }

  put(item) {
    if (!item || !item.kind) return false;
    if (kept(item)) this.items.set(ReviewStore.key(item), item);
    else this.items.delete(ReviewStore.key(item));
    return true;
  }

  // Of one kind, due soonest first (evaluations awaiting acceptance included).
  listed(kind) {
    return [...this.items.values()].filter((item) => item.kind === kind).sort((a, b) => Date.parse(a.due_at) - Date.parse(b.due_at));
  }

  get owedCount() {
    return [...this.items.values()].filter((item) => item.owed).length;
  }

  overdue(now) {
    return [...this.items.values()].filter((item) => item.owed && Date.parse(item.due_at) <= now).length;
  }
}
