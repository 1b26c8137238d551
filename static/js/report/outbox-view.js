// The outbox as the reporter sees it: what is queued, sent and confirmed.
import { errorText } from "../api.js";
import { el } from "../dom.js";
import { t } from "../i18n.js";
import { formatDateTime } from "../time.js";

const failureText = (error) => (error?.code === "orphaned" ? t("report.orphaned") : errorText(error));

function detail(item) {
  if (item.state === "rejected") return el("span", { className: "detail error-text", text: failureText(item.error) });
  if (item.state === "queued" || item.state === "sending") {
    const waiting = t(navigator.onLine ? "report.waiting" : "report.waitingSignal");
    const why = item.error ? t("report.lastError", { error: failureText(item.error) }) : "";
    return el("span", { className: "detail", text: [waiting, why].filter(Boolean).join(" · ") });
  }
  const ids = t("report.ids", { incident: item.result.incident, report: item.result.report });
  const missing = item.result.missing?.length
    ? t("report.missingAfter", { facts: item.result.missing.map((f) => t(`fact.${f}`)).join(t("listSep")) })
    : "";
  return el("span", { className: "detail", text: [ids, missing].filter(Boolean).join(" · ") });
}

function actions(item, handlers) {
  if (item.state !== "rejected") return null;
  return el(
    "div",
    { className: "actions" },
    el("button", { type: "button", className: "secondary", text: t("report.edit"), onclick: () => handlers.edit(item) }),
    el("button", { type: "button", className: "secondary", text: t("report.discard"), onclick: () => handlers.discard(item) }),
  );
}

function entry(item, handlers) {
  const kind = t(`kind.${item.kind}`);
  return el(
    "li",
    { dataset: { key: item.key, state: item.state, kind: item.kind } },
    el("span", { className: `chip ${item.state}`, text: t(`outbox.${item.state}`) }),
    el("span", { className: "what", text: `${kind} · ${item.label}` }),
    el("span", { className: "detail", text: t("report.written", { at: formatDateTime(item.createdAt) }) }),
    detail(item),
    actions(item, handlers),
  );
}

export function renderOutbox(list, items, handlers) {
  const newest = [...items].reverse();
  list.replaceChildren(...newest.map((item) => entry(item, handlers)));
  if (!items.length) list.append(el("li", { className: "empty", text: t("report.outboxEmpty") }));
}
