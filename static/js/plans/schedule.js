// The scheduling form: a drill against registered plans; a conflict (409) shows the
// drills it collides with and may be booked anyway with a recorded reason.
import { ApiError, api, errorText } from "../api.js";
import { el, option } from "../dom.js";
import { newKey } from "../ids.js";
import { t, unitName } from "../i18n.js";
import { formatDateTime, fromLocalInput, toLocalInput } from "../time.js";

const ORGANIZER_KINDS = new Set(["area", "office", "department", "command_hq"]);
const IN_FORCE = new Set(["in_force", "under_revision"]);

export function fillChoices(form, { plans, units, home }) {
  const drillable = plans.filter((plan) => IN_FORCE.has(plan.status));
  form.elements.plans.replaceChildren(...drillable.map((plan) => option(String(plan.id), `${plan.title}（${plan.unit_name}）`)));
  const label = (unit) => `${unitName(unit)} (${unit.code})`;
  form.elements.organizer.replaceChildren(
    ...units.filter((unit) => ORGANIZER_KINDS.has(unit.kind)).map((unit) => option(unit.code, label(unit), unit.code === home)),
  );
  form.elements.units.replaceChildren(...units.map((unit) => option(unit.code, label(unit))));
}

export function defaultTimes(form, now) {
  const start = Math.ceil((now + 3600000) / 1800000) * 1800000;
  form.elements.starts_at.value = toLocalInput(start);
  form.elements.ends_at.value = toLocalInput(start + 2 * 3600000);
}

function selected(select) {
  return [...select.selectedOptions].map((o) => o.value);
}

export function drillBody(form) {
  const body = {
    title: form.elements.title.value.trim(),
    plans: selected(form.elements.plans).map(Number),
    form: form.elements.form.value,
    scope: form.elements.scope.value,
    purpose: form.elements.purpose.value,
    organizer: form.elements.organizer.value,
    units: selected(form.elements.units),
    starts_at: fromLocalInput(form.elements.starts_at.value),
    ends_at: fromLocalInput(form.elements.ends_at.value),
    description: form.elements.description.value.trim(),
  };
  if (form.elements.rrule.value) body.rrule = form.elements.rrule.value;
  return body;
}

export function missingField(body) {
  if (!body.title) return "plans.need.title";
  if (!body.plans.length) return "plans.need.plans";
  if (!body.starts_at || !body.ends_at) return "plans.need.times";
  return null;
}

function conflictLine(conflict) {
  const what = [
    conflict.units.length ? t("plans.conflict.units", { units: conflict.units.join("、") }) : "",
    conflict.location ? t("plans.conflict.place") : "",
  ].filter(Boolean);
  const when = `${formatDateTime(conflict.starts_at)}–${formatDateTime(conflict.ends_at)}`;
  return el("li", { dataset: { conflict: conflict.drill } }, `«${conflict.title}» (#${conflict.drill}) ${what.join("，")} ${when}`);
}

export function showConflicts(box, list, conflicts) {
  box.hidden = !conflicts.length;
  list.replaceChildren(...conflicts.map(conflictLine));
}

// POST the drill; returns the drill, or {conflicts} on a 409 that lists them.
export async function submitDrill(body) {
  try {
    return { drill: await api("/api/drills", { method: "POST", body, key: newKey() }) };
  } catch (error) {
    if (error instanceof ApiError && error.status === 409 && error.body?.error?.conflicts) {
      return { conflicts: error.body.error.conflicts };
    }
    return { error: errorText(error) };
  }
}
