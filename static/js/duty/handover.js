// 交接班 on the roster page: the outgoing officer hands the duty over with a note (the
// server adds what is still open); the incoming officer sees the handover not yet
// accepted, with its list, and accepts it. Both land in the shifts' duty logs.
import { api } from "../api.js";
import { $, el } from "../dom.js";
import { actorName, t } from "../i18n.js";
import { formatDateTime } from "../time.js";
import { shiftError } from "./words.js";

const LISTS = [
  ["incidents", "roster.handover.incidents", (i) => i.title],
  ["obligations", "roster.handover.obligations", (o) => `#${o.incident} · ${formatDateTime(o.due_at)}`],
  ["instructions", "roster.handover.instructions", (i) => `${i.by}${t("roster.colon")}${i.text}`],
  ["warnings", "roster.handover.warnings", (w) => w.headline || w.event],
];

function pendingView(handover, onAccept) {
  const items = handover.open_items || {};
  return el(
    "div",
    { className: "pending", dataset: { handover: handover.id } },
    el("p", {}, el("strong", { text: t("roster.handover.pending", { by: actorName(handover.handed_by, handover.handed_by_name), at: formatDateTime(handover.handed_at) }) })),
    el("p", { text: handover.note || t("roster.log.noNote") }),
    ...LISTS.filter(([name]) => (items[name] || []).length).map(([name, key, label]) =>
      el("div", {}, el("span", { className: "muted", text: t(key, { n: items[name].length }) }), el("ul", {}, items[name].slice(0, 8).map((item) => el("li", { text: label(item) })))),
    ),
    el("button", { type: "button", id: "accept-handover", text: t("roster.handover.accept"), onclick: () => onAccept(handover) }),
  );
}

export class HandoverPanel {
  constructor(section, { onChange, say }) {
    this.section = section;
    this.onChange = onChange;
    this.say = say;
    this.unit = null;
    this.pending = null;
    $("#handover-form", section).addEventListener("submit", (event) => {
      event.preventDefault();
      this.give();
    });
  }

  error(text) {
    const node = $(".form-error", this.section);
    node.hidden = !text;
    node.textContent = text || "";
  }

  async show(unit, visible) {
    this.unit = unit;
    this.section.hidden = !visible;
    if (!visible) return;
    const list = await api(`/api/duty/handovers?unit=${encodeURIComponent(unit)}`);
    this.pending = list.items.find((h) => h.unit === unit && !h.accepted_at) || null;
    this.render();
  }

  render() {
    const box = $("#handover-pending", this.section);
    box.replaceChildren(...(this.pending ? [pendingView(this.pending, (h) => this.accept(h))] : []));
  }

  async give() {
    this.error(null);
    try {
      await api("/api/duty/handovers", { method: "POST", body: { unit: this.unit, note: $("#handover-note").value.trim() } });
      $("#handover-note").value = "";
      this.say("roster.handover.given");
      await this.onChange();
    } catch (error) {
      this.error(shiftError(error));
    }
  }

  async accept(handover) {
    this.error(null);
    try {
      await api(`/api/duty/handovers/${handover.id}/accept`, { method: "POST" });
      this.pending = null;
      this.render();
      this.say("roster.handover.accepted");
      await this.onChange();
    } catch (error) {
      this.error(error.code === "conflict" ? t("roster.handover.ownOrTaken") : shiftError(error));
    }
  }
}
