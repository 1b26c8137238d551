// The roster page's words: a shift named in the page's language, the API's errors about
// the roster turned into sentences (the shift in the way named), and the duty log's
// entries described.
import { ApiError, errorText } from "../api.js";
import { t, unitName } from "../i18n.js";
import { formatDateTime, formatTime } from "../time.js";

export function shiftName(shift) {
  const leader = shift.leader?.name ?? shift.leader ?? "";
  return t("roster.shiftName", { from: formatDateTime(shift.starts_at), to: formatTime(shift.ends_at), leader });
}

// "与第3行重叠" for the import's row problems, which the server words in English.
const ROW_PROBLEMS = [
  [/^overlaps row (\d+)$/, "roster.problem.overlapsRow"],
  [/^leaves a gap in duty after row (\d+)$/, "roster.problem.gapAfterRow"],
  [/^overlaps stored shift (\d+)$/, "roster.problem.overlapsStored"],
  [/^unit (\S+) does not exist in your subtree$/, "roster.problem.unit"],
  [/^must be after starts_at$/, "roster.problem.endBeforeStart"],
  [/^a shift lasts at most (\d+) hours$/, "roster.problem.tooLong"],
  [/^cannot read the date or times/, "roster.problem.dateTime"],
];

export function rowProblem(detail) {
  const [, row, field] = /^rows\.(\d+)\.(.+)$/.exec(detail.field) || [null, "?", detail.field];
  for (const [pattern, key] of ROW_PROBLEMS) {
    const match = pattern.exec(detail.message);
    if (match) return t("roster.problem.row", { row, text: t(key, { n: match[1] }) });
  }
  return t("roster.problem.row", { row, text: `${t(`roster.field.${field}`) === `roster.field.${field}` ? field : t(`roster.field.${field}`)}: ${detail.message}` });
}

export function shiftError(error) {
  if (!(error instanceof ApiError)) return errorText(error);
  const detail = error.details[0] || {};
  if (error.code === "shift_overlap") return t("roster.error.overlap", { shift: shiftName(detail.shift) });
  if (error.code === "shift_gap") {
    return t("roster.error.gap", { from: formatDateTime(detail.gap.from), to: formatDateTime(detail.gap.to), shift: shiftName(detail.shift) });
  }
  if (["shift_past", "shift_started", "roster_refused"].includes(error.code)) return t(`roster.error.${error.code}`);
  if (error.status === 403) return t("roster.error.forbidden");
  if (error.status === 404) return t("roster.error.notFound");
  if (error.status === 422 && detail.field) {
    const field = detail.field.replace(/^officers\.\d+\./, "officer.").replace(/^leader\./, "leader.");
    return t("roster.error.field", { field: t(`roster.field.${field}`) });
  }
  return errorText(error);
}

const KIND_KEYS = {
  "shift.signed_in": "roster.log.kind.signIn",
  "shift.absent": "roster.log.kind.absent",
  "call.registered": "roster.log.kind.call",
  "handover.given": "roster.log.kind.handover",
  "handover.accepted": "roster.log.kind.accepted",
  "incident.created": "roster.log.kind.created",
  "incident.acknowledged": "roster.log.kind.acknowledged",
  "incident.level_changed": "roster.log.kind.level",
  "incident.status_changed": "roster.log.kind.status",
  "incident.updated": "roster.log.kind.updated",
  "report.received": "roster.log.kind.report",
  "report.corrected": "roster.log.kind.corrected",
  "instruction.given": "roster.log.kind.instruction",
  "instruction.feedback": "roster.log.kind.feedback",
  "instruction.done": "roster.log.kind.instructionDone",
  "verdict.decided": "roster.log.kind.verdict",
  "verdict.recorded": "roster.log.kind.verdict",
  "warning.promoted": "roster.log.kind.warning",
  "notification.acknowledged": "roster.log.kind.notification",
};

export function kindName(kind) {
  return KIND_KEYS[kind] ? t(KIND_KEYS[kind]) : kind;
}

function valueName(name, value) {
  if (value === null || value === undefined || value === "") return "—";
  if (name === "level") return t(`level.${value}`);
  if (name === "status") return t(`status.${value}`);
  return String(value);
}

function changesText(changes) {
  return Object.entries(changes)
    .map(([name, change]) => `${t(`roster.log.field.${name}`) === `roster.log.field.${name}` ? name : t(`roster.log.field.${name}`)}${t("roster.colon")}${valueName(name, change.from)} → ${valueName(name, change.to)}`)
    .join(t("roster.separator"));
}

function handoverText(detail) {
  const items = detail.handover.open_items || {};
  const counts = t("roster.log.openItems", {
    incidents: (items.incidents || []).length,
    obligations: (items.obligations || []).length,
    instructions: (items.instructions || []).length,
    warnings: (items.warnings || []).length,
  });
  const note = detail.handover.note || t("roster.log.noNote");
  const direction = t(detail.direction === "in" ? "roster.log.fromPrevious" : "roster.log.toNext");
  return `${direction}${t("roster.colon")}${note} (${counts})`;
}

function callText(call, units) {
  const caller = [call.caller_unit, call.caller_name, call.caller_phone].filter(Boolean).join(" ");
  const parts = [caller && `${t("roster.log.caller")}${t("roster.colon")}${caller}`, call.content];
  if (call.actions) parts.push(`${t("roster.log.actions")}${t("roster.colon")}${call.actions}`);
  return parts.filter(Boolean).join(t("roster.separator")) || unitName(units.get(call.unit));
}

export function describe(entry, units) {
  const detail = entry.detail || {};
  switch (entry.kind) {
    case "shift.signed_in":
      return t("roster.log.signedIn", { name: detail.name });
    case "shift.absent":
      return t("roster.log.absentText", { minutes: detail.minutes });
    case "call.registered":
      return callText(detail.call, units);
    case "handover.given":
    case "handover.accepted":
      return handoverText(detail);
    default:
      break;
  }
  if (entry.kind === "incident.created" && detail.summary) return detail.summary;
  if (detail.feedback) return `${detail.feedback.unit_name || detail.feedback.unit}${t("roster.colon")}${detail.feedback.text}`;
  if (detail.instruction) return `${detail.instruction.by}${t("roster.colon")}${detail.instruction.text}`;
  if (detail.changes) return changesText(detail.changes);
  if (detail.notification) return detail.notification.subject || "";
  if (detail.report) return t("roster.log.reportOf", { unit: unitName(units.get(detail.report.unit), detail.report.unit) });
  if (detail.verdict) {
    const { kind, state, reason } = detail.verdict;
    return [kind && t(`desk.verdict.kind.${kind}`), state && t(`desk.verdict.state.${state}`), reason].filter(Boolean).join(" · ");
  }
  return "";
}
