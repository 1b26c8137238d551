// What the desk knows, kept from the channel's snapshot and events and a few lists read
// over HTTP (candidates, instructions, warnings) when the channel says they changed.

// Still owed: the server says so on every obligation (pending, or a missed initial or
// final report still due).
export const isOwed = (ob) => ob.owed === true;
export const overdue = (ob, now) => ob.state === "missed" || Date.parse(ob.due_at) <= now;

export const isOpen = (incident) => incident.status !== "closed";
export const etagOf = (incident) => `"${incident.id}.${incident.version}"`;

const LEVEL_RANK = { I: 0, II: 1, III: 2, IV: 3 };

export class DeskState {
  constructor() {
    this.incidents = new Map();
    this.obligations = new Map();
    this.settled = new Set();
    this.units = new Map();
    this.candidates = new Map();
    this.instructions = new Map();
    this.instructionCounts = { open: 0, overdue: 0, done: 0 };
    this.warnings = [];
    // Incidents with something new since the officer last looked (a report after 签收).
    this.fresh = new Set();
    this.shifts = new Map(); // the roster's shifts on now or soon (topic duty)
  }

  // The shift on duty at `now` at the caller's unit, if the roster has one.
  onDuty(unit, now) {
    for (const shift of this.shifts.values()) {
      if (shift.unit === unit && Date.parse(shift.starts_at) <= now && now < Date.parse(shift.ends_at)) return shift;
    }
    return null;
  }

  putShift(shift) {
    if (shift.removed) this.shifts.delete(shift.id);
    else this.shifts.set(shift.id, shift);
    return "duty";
  }

  applySnapshot(topics) {
    this.units = new Map((topics.units || []).map((unit) => [unit.code, unit]));
    this.incidents = new Map((topics.incidents || []).filter(isOpen).map((i) => [i.id, i]));
    this.obligations = new Map((topics.deadlines || []).filter(isOwed).map((ob) => [ob.id, ob]));
    this.settled = new Set();
    this.shifts = new Map((topics.duty || []).map((shift) => [shift.id, shift]));
  }

  // Applies one event; returns what it changed: "incidents", "deadlines", "candidates",
  // "instructions", "warnings", "units" or null.
  applyEvent(event) {
    const { topic, kind, payload } = event;
    if (topic === "units") {
      // a move (unit.moved) carries the whole subtree with its new paths
      for (const unit of payload.subtree || [payload]) this.units.set(unit.code, unit);
      return "units";
    }
    if (topic === "duty") return kind.startsWith("shift.") ? this.putShift(payload) : null;
    if (topic === "deadlines") {
      if (kind.startsWith("verdict.")) return this.putVerdict(payload);
      return this.putObligation(payload);
    }
    if (topic !== "incidents") return null;
    if (kind.startsWith("warning.")) return "warnings";
    if (payload.instruction) this.putInstruction(payload.instruction);
    if (payload.incident) this.putIncident(payload.incident);
    if (kind.startsWith("instruction.")) return "instructions";
    return payload.incident ? "incidents" : null;
  }

  putIncident(incident) {
    if (isOpen(incident)) this.incidents.set(incident.id, incident);
    else this.incidents.delete(incident.id);
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

  putVerdict(verdict) {
    if (verdict.state === "candidate") this.candidates.set(verdict.id, verdict);
    else this.candidates.delete(verdict.id);
    return "candidates";
  }

  putInstruction(instruction) {
    this.instructions.set(instruction.id, instruction);
  }

  setInstructions(listing) {
    this.instructions = new Map(listing.items.map((item) => [item.id, item]));
    this.instructionCounts = listing.counts;
  }

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

  candidatesOf(incidentId) {
    return [...this.candidates.values()].filter((v) => v.incident === incidentId);
  }

  // Most urgent first: anything overdue, then the nearest deadline, then the level;
  // drills after real incidents.
  urgency(incident, now) {
    const clocks = this.obligationsOf(incident.id);
    const late = clocks.some((ob) => overdue(ob, now));
    const next = clocks.length ? Date.parse(clocks[0].due_at) : Infinity;
    return [late ? 0 : 1, incident.exercise ? 1 : 0, next, LEVEL_RANK[incident.level] ?? 4, -incident.id];
  }

  sorted(now) {
    const keyed = [...this.incidents.values()].map((incident) => [this.urgency(incident, now), incident]);
    keyed.sort((a, b) => compare(a[0], b[0]));
    return keyed.map(([, incident]) => incident);
  }

  // The county an incident's unit lies in (its path's county ancestor).
  countyOf(incident) {
    let unit = this.units.get(incident.unit);
    while (unit && unit.tier !== "county") unit = this.units.get(unit.parent);
    return unit ? unit.code : null;
  }

  // Reports that left out key facts, newest first.
  gaps() {
    const items = [];
    for (const incident of this.incidents.values()) {
      for (const report of incident.reports || []) {
        if (report.missing_facts?.length) items.push({ incident, report });
      }
    }
    return items.sort((a, b) => Date.parse(b.report.received_at) - Date.parse(a.report.received_at));
  }
}

function compare(a, b) {
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  return 0;
}
