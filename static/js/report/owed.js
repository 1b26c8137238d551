// What the reporter's unit owes now, with live clocks on the server's time, whether the
// centre has acknowledged the incident, and what became of an overdue report's escalation:
// from the realtime channel (obligations the server says are owed, the incidents they are
// about, the unit names, and the escalations: whether a message to the superior was sent
// and acknowledged). The page claims only what the server recorded.
import { Channel } from "../channel.js";
import { clock, tickClocks } from "../clocks.js";
import { caller, config } from "../config.js";
import { $, el } from "../dom.js";
import { chineseNumber, currentLang, onLangChange, t, unitName } from "../i18n.js";
import { ServerClock, formatDateTime, formatTime } from "../time.js";

const TOPICS = ["deadlines", "incidents", "units", "escalations"];
// The clock's warning and its due time reach the reporter on the page itself, and as a
// browser notification when it is permitted (asked by a button, never on load).
const ALERTS = { "deadline.warning": "report.owed.alertWarning", "deadline.overdue": "report.owed.alertOverdue" };

function alert(title, body) {
  const node = $("#owed-alert");
  node.textContent = `${title} — ${body}`;
  node.hidden = false;
  if ("Notification" in window && Notification.permission === "granted") {
    try {
      new Notification(title, { body, tag: `watchfloor-owed-${body}` });
    } catch {
      // some browsers allow notifications from a service worker only
    }
  }
}

function mountPermission(button) {
  button.hidden = !("Notification" in window) || Notification.permission !== "default";
  button.addEventListener("click", async () => {
    button.hidden = true;
    try {
      await Notification.requestPermission();
    } catch {
      // an old browser without the promise form
    }
  });
}

function label(ob, units) {
  const n = currentLang() === "en" ? ob.seq || 1 : chineseNumber(ob.seq || 1);
  const kind = ob.kind === "followup" ? t("kind.followup.n", { n }) : t(`kind.${ob.kind}`);
  return `${kind} · ${t(`channel.${ob.channel}`)} → ${unitName(units.get(ob.to_unit), ob.to_unit)}`;
}

// An overdue report: the superior acknowledged (who, when), was told (when), or — no
// message reached it — just overdue. Before the due time: nothing.
function escalationText(ob, escalation, now) {
  if (escalation?.acknowledged_at) {
    const at = formatTime(escalation.acknowledged_at);
    const by = escalation.acknowledged_by;
    return by ? t("report.owed.superiorAckedBy", { at, by }) : t("report.owed.superiorAcked", { at });
  }
  if (escalation?.escalated_at) return t("report.owed.escalated", { at: formatTime(escalation.escalated_at) });
  return Date.parse(ob.due_at) <= now ? t("report.owed.overdue") : "";
}

// The incidents the channel brings (snapshot and events), for the page's other parts: the
// centre's handling of the reporter's own incidents is shown live from them.
export const incidentFeed = new EventTarget();
const announce = (incident) => incidentFeed.dispatchEvent(new CustomEvent("incident", { detail: incident }));

export function mountOwed(section) {
  const clockSource = new ServerClock();
  const owed = new Map();
  const incidents = new Map();
  const escalations = new Map(); // obligation id → what reached its superior
  // The units above the reporter's are outside its subtree: the page block names them.
  const known = [config.unit, ...(config.superiors || [])].filter(Boolean);
  const units = new Map(known.map((unit) => [unit.code, unit]));
  const list = section.querySelector("ul");
  const topics = TOPICS.filter((topic) => (config.topics || TOPICS).includes(topic));
  const channel = new Channel({ topics, clock: clockSource });

  const mine = (ob) => ob.owed && ob.unit === caller?.unit;
  function render() {
    const items = [...owed.values()].sort((a, b) => Date.parse(a.due_at) - Date.parse(b.due_at));
    section.hidden = items.length === 0;
    list.replaceChildren(
      ...items.map((ob) => {
        const incident = incidents.get(ob.incident);
        const acked = incident?.acknowledged_at;
        return el(
          "li",
          { className: "owed-item", dataset: { obligation: ob.id } },
          el("strong", { text: incident?.title || `#${ob.incident}` }),
          el("span", { className: "owed-what", text: label(ob, units) }),
          clock(ob),
          el("span", {
            className: "muted owed-state",
            text: [
              acked ? t("report.owed.acknowledged", { at: formatDateTime(acked) }) : t("report.owed.notAcknowledged"),
              escalationText(ob, escalations.get(ob.id), clockSource.now()),
            ].filter(Boolean).join(" · "),
          }),
        );
      }),
    );
    tickClocks(list, clockSource.now());
  }

  channel.addEventListener("snapshot", (event) => {
    const state = event.detail.topics;
    for (const unit of state.units || []) units.set(unit.code, unit);
    incidents.clear();
    for (const incident of state.incidents || []) incidents.set(incident.id, incident);
    for (const incident of state.incidents || []) announce(incident);
    owed.clear();
    for (const ob of (state.deadlines || []).filter(mine)) owed.set(ob.id, ob);
    escalations.clear();
    for (const escalation of state.escalations || []) escalations.set(escalation.obligation, escalation);
    render();
  });
  channel.addEventListener("event", (event) => {
    const { topic, kind, payload } = event.detail;
    if (topic === "deadlines" && payload.id !== undefined && "owed" in payload) {
      if (mine(payload)) owed.set(payload.id, payload);
      else owed.delete(payload.id);
      if (mine(payload) && ALERTS[kind]) alert(t(ALERTS[kind]), `${incidents.get(payload.incident)?.title || ""} · ${label(payload, units)}`);
    } else if (topic === "incidents" && payload.incident) {
      incidents.set(payload.incident.id, payload.incident);
      announce(payload.incident);
    } else if (topic === "escalations") {
      escalations.set(payload.obligation, payload);
    } else if (topic === "units") {
      // a move (unit.moved) carries the whole subtree with its new paths
      for (const unit of payload.subtree || [payload]) units.set(unit.code, unit);
    } else return;
    render();
  });
  setInterval(() => tickClocks(list, clockSource.now()), 250);
  mountPermission($("#owed-notify"));
  onLangChange(render);
  channel.start();
}

export function owedSection() {
  return $("#owed");
}
