// The reporter's own incidents and what the centre did with them: acknowledged (签收),
// verified, the level it set, closed. Read once for each incident the outbox has sent,
// then kept live from the realtime channel's incident events.
import { api } from "../api.js";
import { el } from "../dom.js";
import { t } from "../i18n.js";
import { formatDateTime } from "../time.js";

const STEPS = ["reported", "verified", "responding", "stabilized", "closed"];

export class MyIncidents {
  constructor(section) {
    this.section = section;
    this.list = section.querySelector("ul");
    this.incidents = new Map();
    this.asked = new Set();
  }

  // The incidents the outbox's reports went to (confirmed or sent).
  async follow(ids) {
    for (const id of ids) {
      if (this.asked.has(id)) continue;
      this.asked.add(id);
      try {
        this.put(await api(`/api/incidents/${id}`));
      } catch {
        this.asked.delete(id); // no signal: asked again with the next change
      }
    }
  }

  put(incident) {
    if (!this.asked.has(incident.id)) return;
    this.incidents.set(incident.id, incident);
    this.render();
  }

  render() {
    const items = [...this.incidents.values()].sort((a, b) => b.id - a.id);
    this.section.hidden = items.length === 0;
    this.list.replaceChildren(...items.map(entry));
  }
}

function entry(incident) {
  const step = STEPS.indexOf(incident.status);
  const level = incident.level ? t(`level.short.${incident.level}`) : t("level.short.none");
  const acked = incident.acknowledged_at
    ? t("report.owed.acknowledged", { at: formatDateTime(incident.acknowledged_at) })
    : t("report.owed.notAcknowledged");
  const verified = step >= 1 ? t("report.mine.verified") : t("report.mine.notVerified");
  return el(
    "li",
    { className: `mine-item status-${incident.status}`, dataset: { incident: incident.id, status: incident.status } },
    el("strong", { text: `#${incident.id} ${incident.title}` }),
    el("span", { className: "mine-status", text: [t(`status.${incident.status}`), level].join(" · ") }),
    el("span", { className: "muted", text: [acked, verified].join(" · ") }),
    incident.status === "closed" && incident.closed_at
      ? el("span", { className: "muted", text: t("report.mine.closed", { at: formatDateTime(incident.closed_at) }) })
      : null,
  );
}
