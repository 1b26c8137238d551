// What reaches the centre other than a field report: a call or a document (the call
// register, 来电/来文登记, optionally logging an incident from it) and an early warning
// promoted to an incident.
import { api } from "../api.js";
import { el } from "../dom.js";
import { t, unitName, vocabularyCodes } from "../i18n.js";
import { fromLocalInput, toLocalInput } from "../time.js";
import { field, input, select, textarea } from "./dialog.js";
import { unitPicker } from "./picker.js";
import { levelLong } from "./words.js";

const OUTSIDE_SOURCES = ["hotline", "media", "higher", "other"];

function pointOf(unit) {
  return unit && unit.lon !== null && unit.lat !== null ? { type: "Point", coordinates: [unit.lon, unit.lat] } : null;
}

export function openCallRegister(ctx) {
  const units = ctx.state.units;
  const now = ctx.now();
  const c = {
    received: input("received_at", { type: "datetime-local", value: toLocalInput(now) }),
    channel: select("channel", [["phone", t("desk.call.phone")], ["document", t("desk.call.document")]], "phone"),
    source: select("source", OUTSIDE_SOURCES.filter((s) => vocabularyCodes("source").includes(s)).map((s) => [s, t(`source.${s}`)]), "hotline"),
    name: input("caller_name", { maxlength: 128 }),
    phone: input("caller_phone", { maxlength: 64, type: "tel" }),
    unit: input("caller_unit", { maxlength: 128 }),
    content: textarea("content", { maxlength: 20000 }),
    actions: textarea("actions", { maxlength: 4000 }),
    told: input("told", { maxlength: 500, placeholder: t("desk.call.toldHint") }),
    place: input("place", { maxlength: 500 }),
    log: el("input", { type: "checkbox", name: "log_incident", checked: true }),
    title: input("title", { maxlength: 200 }),
    category: select("category", vocabularyCodes("category").map((c) => [c, t(`category.${c}`)]), "accident"),
    level: select("level", [["", t("level.none")], ...vocabularyCodes("level").map((l) => [l, levelLong(l)])], ""),
    occurred: input("occurred_at", { type: "datetime-local", value: toLocalInput(now) }),
  };
  const picker = unitPicker({ units, name: "incident_unit", label: t("desk.call.incidentUnit") });
  const incidentPart = el(
    "fieldset",
    { className: "call-incident" },
    el("legend", { text: t("desk.call.incident") }),
    field(t("desk.call.title"), c.title),
    el("div", { className: "row" }, field(t("desk.call.category"), c.category), field(t("desk.call.level"), c.level), field(t("desk.call.occurred"), c.occurred)),
    picker.node,
  );
  c.log.addEventListener("change", () => {
    incidentPart.hidden = !c.log.checked;
  });
  ctx.dialog.open({
    name: "call",
    title: t("desk.call.open"),
    submit: t("desk.call.submit"),
    body: [
      el("div", { className: "row" }, field(t("desk.call.received"), c.received), field(t("desk.call.channel"), c.channel), field(t("desk.call.source"), c.source)),
      el("div", { className: "row" }, field(t("desk.call.name"), c.name), field(t("desk.call.phoneNo"), c.phone), field(t("desk.call.unit"), c.unit)),
      field(t("desk.call.content"), c.content),
      field(t("desk.call.actions"), c.actions),
      el("div", { className: "row" }, field(t("desk.call.place"), c.place), field(t("desk.call.told"), c.told)),
      el("p", { className: "hint", text: t("desk.call.recorder", { who: ctx.caller.name }) }),
      el("label", { className: "check" }, c.log, " ", t("desk.call.logIncident")),
      incidentPart,
    ],
    check: () => {
      if (!c.content.value.trim()) return t("desk.need.content");
      if (!c.log.checked) return null;
      if (!c.title.value.trim()) return t("desk.need.title");
      if (!picker.values().length) return t("desk.need.unit");
      if (!pointOf(units.get(picker.values()[0]))) return t("desk.need.located");
      return null;
    },
    run: async () => {
      const body = {
        received_at: fromLocalInput(c.received.value),
        channel: c.channel.value,
        caller_name: c.name.value,
        caller_phone: c.phone.value,
        caller_unit: c.unit.value,
        content: c.content.value,
        actions: c.actions.value,
        told: c.told.value,
        place: c.place.value,
      };
      if (c.log.checked) {
        const code = picker.values()[0];
        body.incident = {
          title: c.title.value,
          category: c.category.value,
          occurred_at: fromLocalInput(c.occurred.value),
          unit: code,
          geometry: pointOf(units.get(code)),
          source: c.source.value,
          channel: "phone",
          summary: c.content.value,
        };
        if (c.level.value) body.incident.level = c.level.value;
      }
      const saved = await api("/api/calls", { method: "POST", body });
      const incident = saved.incident || null;
      if (incident?.id) ctx.open(incident.id);
      return incident ? t("desk.done.callIncident", { title: incident.title }) : t("desk.done.call");
    },
    done: ctx.flash,
  });
}

export function openPromotion(ctx, warning) {
  const units = ctx.state.units;
  const covered = warning.units.map((u) => u.code).filter((code) => units.has(code));
  const picker = unitPicker({ units, name: "unit", suggested: covered, selected: covered.slice(0, 1), label: t("desk.warning.unit") });
  const title = input("title", { maxlength: 200, value: warning.headline || warning.event });
  const level = select("level", [["", t("desk.warning.levelFromAlert")], ...vocabularyCodes("level").map((l) => [l, levelLong(l)])], "");
  ctx.dialog.open({
    name: "promote",
    title: t("desk.warning.promote"),
    submit: t("desk.warning.promoteSubmit"),
    body: [
      el("p", { text: `${warning.sender_name || warning.sender} · ${warning.event}` }),
      warning.description ? el("p", { className: "hint", text: warning.description }) : null,
      field(t("desk.call.title"), title),
      field(t("desk.call.level"), level),
      picker.node,
    ],
    check: () => (picker.values().length ? null : t("desk.need.unit")),
    run: async () => {
      const body = { unit: picker.values()[0] };
      if (title.value.trim()) body.title = title.value.trim();
      if (level.value) body.level = level.value;
      const incident = await api(`/api/warnings/${warning.id}/incident`, { method: "POST", body });
      ctx.reloadWarnings();
      ctx.open(incident.id);
      return t("desk.done.promoted", { title: incident.title, unit: unitName(units.get(incident.unit), incident.unit) });
    },
    done: ctx.flash,
  });
}
