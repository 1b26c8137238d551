// What the wall shows, kept from the channel's snapshot and events.

export const isOpen = (incident) => incident.status !== "closed";

// An obligation still owed: pending, or missed while the report is still due (a missed
// initial or final report stays owed; a missed follow-up is replaced by the next one).
export const isOwed = (ob) => ob.state === "pending" || (ob.state === "missed" && ob.kind !== "followup");

export function overdue(ob, now) {
  return ob.state === "missed" || Date.parse(ob.due_at) <= now;
}

function planSummary(items) {
  const overall = items.find((item) => item.kind === "coverage" && item.scope === "overall");
  const due = items.filter((item) => item.kind === "due");
  return { coverage: overall ? overall.rate : null, due: due.length, overdue: due.filter((d) => d.overdue).length };
}

export function dueSummary(list) {
  const items = [...list.reviews, ...list.drills];
  const overdueFilings = list.filings.filter((f) => f.status === "overdue").length;
  return {
    due: items.length + list.filings.length,
    overdue: items.filter((item) => item.overdue).length + overdueFilings,
  };
}

export class WallState {
  constructor() {
    this.incidents = new Map();
    this.obligations = new Map();
    this.settled = new Set();
    this.units = new Map();
    this.drills = [];
    this.plans = { coverage: null, due: 0, overdue: 0 };
  }

  applySnapshot(topics) {
    this.units = new Map((topics.units || []).map((unit) => [unit.code, unit]));
    this.incidents = new Map((topics.incidents || []).filter(isOpen).map((i) => [i.id, i]));
    this.obligations = new Map((topics.deadlines || []).filter(isOwed).map((ob) => [ob.id, ob]));
    this.settled = new Set();
    this.drills = topics.drills || [];
    this.plans = planSummary(topics.plans || []);
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
    return topic === "drills" || topic === "plans" ? topic : null;
  }

  putIncident(incident) {
    if (!incident) return null;
    if (isOpen(incident)) this.incidents.set(incident.id, incident);
    else this.incidents.delete(incident.id);
    return "incidents";
  }

  putObligation(ob) {
    if (isOwed(ob)) {
      this.obligations.set(ob.id, ob);
    } else {
      this.obligations.delete(ob.id);
      this.settled.add(ob.id);
    }
    return "deadlines";
  }

  // Missed obligations still owed, read over HTTP after a snapshot (which lists only
  // pending ones); an obligation an event already told about keeps the event's word.
  mergeOwed(obligations) {
    for (const ob of obligations) {
      if (isOwed(ob) && !this.obligations.has(ob.id) && !this.settled.has(ob.id)) this.obligations.set(ob.id, ob);
    }
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
