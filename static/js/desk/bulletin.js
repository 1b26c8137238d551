// 信息专报: the incident written up under the standard heads, for print on A4
// (时间, 地点, 事件概况, 伤亡, 已采取措施, 领导批示, 报送单位, 签发人).
import { $, el } from "../dom.js";
import { placeName, t, unitName } from "../i18n.js";
import { formatDate, formatDateTime } from "../time.js";
import { field, input } from "./dialog.js";
import { kindLabel, levelLong, unitLabel } from "./words.js";

function casualtiesText(incident) {
  const c = incident.casualties || {};
  return t("desk.bulletin.casualties", { dead: c.dead ?? 0, missing: c.missing ?? 0, injured: c.injured ?? 0 });
}

function measuresText(incident) {
  const parts = [incident.measures, ...(incident.reports || []).map((r) => r.measures)].filter(Boolean);
  return [...new Set(parts)].join("\n") || "—";
}

function row(head, body, id) {
  return el("tr", { dataset: { head: id } }, el("th", { scope: "row", text: head }), el("td", {}, body));
}

export function renderBulletin(node, incident, { instructions, units, issuer, sender, now }) {
  const later = (incident.reports || []).filter((r) => r.kind !== "initial" && r.summary);
  const lines = later.map((r) => t("desk.bulletin.reportLine", { kind: kindLabel(r.kind, r.seq), unit: unitLabel(r.unit, units), at: formatDateTime(r.received_at), text: r.summary }));
  const summary = [incident.summary, ...lines].filter(Boolean).join("\n");
  const given = instructions.length
    ? el("ol", {}, instructions.map((i) => el("li", { text: t("desk.bulletin.instructionLine", { by: i.by, at: formatDateTime(i.given_at), text: i.text }) })))
    : "—";
  node.replaceChildren(
    el("p", { className: "b-mark", text: incident.exercise ? `【${t("exercise")}】` : "" }),
    el("h1", { text: t("desk.bulletin.heading") }),
    el("p", { className: "b-meta", text: t("desk.bulletin.meta", { sender, date: formatDate(now) }) }),
    el("h2", { text: incident.title }),
    el(
      "table",
      { className: "b-table" },
      el(
        "tbody",
        {},
        row(t("desk.bulletin.time"), t("desk.bulletin.timeText", { occurred: formatDateTime(incident.occurred_at), received: formatDateTime(incident.received_at) }), "time"),
        row(t("desk.bulletin.place"), placeName(incident.unit, units), "place"),
        row(t("desk.bulletin.overview"), `${levelLong(incident.level)} · ${t(`category.${incident.category}`)}${incident.type ? ` · ${incident.type}` : ""}\n${summary || "—"}`, "overview"),
        row(t("desk.bulletin.casualtiesHead"), casualtiesText(incident), "casualties"),
        row(t("desk.bulletin.measures"), measuresText(incident), "measures"),
        row(t("desk.bulletin.instructions"), given, "instructions"),
        row(t("desk.bulletin.sender"), sender, "sender"),
        row(t("desk.bulletin.issuer"), issuer || "—", "issuer"),
      ),
    ),
  );
}

export function openBulletin(ctx, incident, instructions) {
  const home = ctx.state.units.get(ctx.caller.unit);
  const sender = input("sender", { value: unitName(home, ctx.caller.unit), maxlength: 200 });
  const issuer = input("issuer", { maxlength: 100, value: "" });
  const preview = el("article", { className: "bulletin-preview" });
  const draw = (node) => renderBulletin(node, incident, { instructions, units: ctx.state.units, issuer: issuer.value, sender: sender.value, now: ctx.now() });
  for (const control of [sender, issuer]) control.addEventListener("input", () => draw(preview));
  draw(preview);
  ctx.dialog.open({
    name: "bulletin",
    title: t("desk.act.bulletin"),
    submit: t("desk.bulletin.print"),
    body: [el("div", { className: "row" }, field(t("desk.bulletin.sender"), sender), field(t("desk.bulletin.issuer"), issuer)), preview],
    run: async () => {
      draw($("#bulletin"));
      window.print();
      return t("desk.done.bulletin");
    },
    done: ctx.flash,
  });
}
