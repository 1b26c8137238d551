// What the wall shows, kept from the channel's snapshot and events alone: every event
// carries what the wall draws (docs/websocket-protocol.md), so nothing is read over HTTP.
import { ReviewStore } from "../reviews/words.js";

export const isOpen = (incident) => incident.status !== "closed";

export function overdue(ob, now) {
  return ob.state === "missed" || Date.parse(ob.due_at) <= now;
}

// One entry of the plans due list: a plan's review or drill, or a version's filing.
const planOf = (item) => (item.due === "filing" ? item.filing.plan : item.plan.id);
const dueKey = (item) => (item.due === "filing" ? `filing:${item.filing.plan}:${item.filing.version}` : `${item.due}:${item.plan.id}`);

export class WallState {
  constructor() {
    this.unit = null; // the screen's unit (the channel's welcome): whose coverage is shown
    this.incidents = new Map();
    this.obligations = new Map();
    this.units = new Map();
    this.drills = [];
    this.coverage = null;
    this.due = new Map();
    this.shifts = new Map(); // the duty roster's shifts on now or soon (topic duty)
    this.reviews = new ReviewStore(); // evaluations and corrective actions owed (topic reviews)
  }

  // The shift of the screen's unit on duty at `now`, if the roster has one.
  onDuty(now) {
    for (const shift of this.shifts.values()) {
      if (shift.unit === this.unit && Date.parse(shift.starts_at) <= now && now < Date.parse(shift.ends_at)) return shift;
    }
    return null;
  }

  applySnapshot(topics) {
    this.units = new Map((topics.units || []).map((unit) => [unit.code, unit]));
    this.incidents = new Map((topics.incidents || []).filter(isOpen).map((i) => [i.id, i]));
    // The server lists the obligations still owed: pending ones and missed reports still due.
    this.obligations = new Map((topics.deadlines || []).map((ob) => [ob.id, ob]));
    this.drills = topics.drills || [];
    const items = topics.plans || [];
    const overall = items.find((item) => item.kind === "coverage" && item.scope === "overall");
    this.coverage = overall ? overall.rate : null;
    this.due = new Map(items.filter((item) => item.kind === "due").map((item) => [dueKey(item), item]));
    this.shifts = new Map((topics.duty || []).map((shift) => [shift.id, shift]));
    this.reviews.reset(topics.reviews);
  }

  // Applies one event; returns the part of the wall it changes.
  applyEvent(event) {
    const { topic, payload } = event;
    if (topic === "incidents") return this.putIncident(payload.incident);
    if (topic === "deadlines") return event.kind.startsWith("verdict.") ? null : this.putObligation(payload);
    if (topic === "units") {
      this.units.set(payload.code, payload);
      return "units";
    }
    if (topic === "drills") return this.putDrill(payload);
    if (topic === "duty") return event.kind.startsWith("shift.") ? this.putShift(payload) : null;
    if (topic === "reviews") return this.reviews.put(payload) ? "reviews" : null;
    if (topic === "plans") return event.kind === "plan.coverage" ? this.putCoverage(payload) : this.putPlanDue(payload);
    return null;
  }

  putShift(shift) {
    this.shifts.set(shift.id, shift);
    return "duty";
  }

  putIncident(incident) {
    if (!incident) return null;
    if (isOpen(incident)) this.incidents.set(incident.id, incident);
    else this.incidents.delete(incident.id);
    return "incidents";
  }

  // The server says whether the obligation is still owed (shown) or settled.
  putObligation(ob) {
    if (ob.owed) this.obligations.set(ob.id, ob);
    else this.obligations.delete(ob.id);
    return "deadlines";
  }

  // The drill with its occurrences this week; none means it leaves the week's list.
  putDrill(drill) {
    const others = this.drills.filter((item) => item.id !== drill.id);
    this.drills = drill.occurrences?.length ? [...others, drill] : others;
    return "drills";
  }

  // A change of coverage carries the rate of every unit above it: this screen's is one.
  putCoverage(payload) {
    const own = (payload.totals || []).find((total) => total.unit === this.unit);
    if (!own) return null;
    this.coverage = own.rate;
    return "plans";
  }

  // A plan's event carries its items of the due list now: they replace the plan's.
  putPlanDue(plan) {
    if (!Array.isArray(plan.due)) return null;
    for (const [key, item] of this.due) if (planOf(item) === plan.id) this.due.delete(key);
    for (const item of plan.due) this.due.set(dueKey(item), item);
    return "plans";
  }

  // The counters' figures: what falls due (and how much of it is overdue), the coverage.
  get plans() {
    const items = [...this.due.values()];
    return { coverage: this.coverage, due: items.length, overdue: items.filter((item) => item.overdue).length };
  }

  obligationsOf(incidentId) {
    return [...this.obligations.values()]
      .filter((ob) => ob.incident === incidentId)
      .sort((a, b) => Date.parse(a.due_at) - Date.parse(b.due_at));
  }

  // Real (not exercise) overdue reports of the subtree.
  overdueCount(now) {
    return [...this.obligations.values()].filter((ob) => !ob.exercise && overdue(ob, now)).length;
  }
}
