// The device's outbox of field reports (IndexedDB). A report is stored with its
// Idempotency-Key before the first attempt and sent with that same key until the server
// answers, so a report sent twice (signal lost before the answer came back) is still
// recorded once. States: queued → sending → sent (the server accepted it) → confirmed
// (read back from the server); rejected when the server refuses it (4xx).
import { ApiError, api, failureOf, isNetworkError } from "../api.js";
import { newKey } from "../ids.js";

const DB_NAME = "watchfloor-field";
const STORE = "outbox";
const KEEP_DONE = 30;

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function openDatabase() {
  const req = indexedDB.open(DB_NAME, 1);
  req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: "key" });
  return request(req);
}

// Worth another try later: no signal, the server down or busy, or signed out.
function retryable(error) {
  if (isNetworkError(error)) return true;
  if (!(error instanceof ApiError)) return false;
  return [401, 408, 429].includes(error.status) || error.status >= 500;
}

class StopSending extends Error {}
class Orphaned extends Error {}

export class Outbox extends EventTarget {
  constructor(db, owner) {
    super();
    this.db = db;
    this.owner = owner;
    this.flushing = null;
  }

  static async open(owner) {
    const outbox = new Outbox(await openDatabase(), owner);
    for (const item of await outbox.items()) {
      if (item.state === "sending") await outbox.save({ ...item, state: "queued" });
    }
    return outbox;
  }

  store(mode) {
    return this.db.transaction(STORE, mode).objectStore(STORE);
  }

  async items() {
    const all = await request(this.store("readonly").getAll());
    return all.filter((item) => item.owner === this.owner).sort((a, b) => a.createdAt - b.createdAt);
  }

  async save(item) {
    await request(this.store("readwrite").put(item));
    this.dispatchEvent(new CustomEvent("change", { detail: item }));
    return item;
  }

  async remove(key) {
    await request(this.store("readwrite").delete(key));
    this.dispatchEvent(new CustomEvent("change"));
  }

  // kind: initial | followup | final; a report on an incident still in the outbox names
  // that incident's item in `after` and is sent once the incident has its id.
  async add({ kind, body, label, incident = null, after = null }) {
    const item = { key: newKey(), owner: this.owner, kind, body, label, incident, after };
    Object.assign(item, { state: "queued", createdAt: Date.now(), attempts: 0, error: null, result: null });
    await this.save(item);
    this.flush();
    return item;
  }

  // One pass over the outbox at a time; a call during a pass waits for it.
  flush() {
    this.flushing ??= this.pass().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  async pass() {
    try {
      if (await this.pending()) await this.checkOwner();
      for (const item of await this.items()) {
        if (item.state === "queued") await this.send(item);
        else if (item.state === "sent") await this.confirm(item);
      }
    } catch (error) {
      if (!(error instanceof StopSending)) throw error;
    }
    await this.prune();
  }

  // A page left open while someone else signed in on this device must not send its
  // author's reports under the other person's session.
  async checkOwner() {
    let subject;
    try {
      subject = (await api("/api/auth/me")).subject;
    } catch {
      throw new StopSending();
    }
    if (subject !== this.owner) {
      this.dispatchEvent(new CustomEvent("foreign-session", { detail: subject }));
      throw new StopSending();
    }
  }

  // Where a report goes; null while its incident is still in the outbox; throws
  // Orphaned when that incident's report was refused or discarded.
  async target(item) {
    if (item.kind === "initial") return "/api/incidents";
    let incident = item.incident;
    if (item.after) {
      const first = (await this.items()).find((other) => other.key === item.after);
      if (!first || first.state === "rejected") throw new Orphaned();
      incident = first.result?.incident ?? null;
    }
    return incident ? `/api/incidents/${incident}/reports` : null;
  }

  async send(item) {
    let path;
    try {
      path = await this.target(item);
    } catch (error) {
      if (!(error instanceof Orphaned)) throw error;
      await this.save({ ...item, state: "rejected", error: { code: "orphaned" } });
      return;
    }
    if (!path) return;
    await this.save({ ...item, state: "sending" });
    try {
      const data = await api(path, { method: "POST", body: item.body, key: item.key });
      const sent = await this.save({ ...item, state: "sent", sentAt: Date.now(), error: null, result: outcome(item, data) });
      await this.confirm(sent);
    } catch (error) {
      if (!retryable(error)) {
        await this.save({ ...item, state: "rejected", error: failureOf(error) });
        return;
      }
      await this.save({ ...item, state: "queued", attempts: item.attempts + 1, error: failureOf(error) });
      throw new StopSending();
    }
  }

  async confirm(item) {
    try {
      const incident = await api(`/api/incidents/${item.result.incident}`);
      if (incident.reports.some((report) => report.id === item.result.report)) {
        await this.save({ ...item, state: "confirmed", confirmedAt: Date.now() });
      }
    } catch (error) {
      if (isNetworkError(error)) throw new StopSending();
    }
  }

  async prune() {
    const done = (await this.items()).filter((item) => item.state === "confirmed");
    for (const item of done.slice(0, Math.max(0, done.length - KEEP_DONE))) await this.remove(item.key);
  }

  async pending() {
    return (await this.items()).some((item) => ["queued", "sending", "sent"].includes(item.state));
  }
}

// What the server's answer says about a report: its incident, its id, facts it lacks.
function outcome(item, data) {
  if (item.kind === "initial") {
    const report = data.reports.find((r) => r.kind === "initial") || data.reports[0];
    return { incident: data.id, report: report.id, missing: report.missing_facts || [] };
  }
  return { incident: data.incident_id, report: data.id, missing: data.missing_facts || [] };
}
