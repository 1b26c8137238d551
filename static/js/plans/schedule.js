// The scheduling form: a drill against registered plans, with search pickers for the
// plans and the unit tree; a conflict (409) shows the drills it collides with, naming the
// units, and may be booked anyway with a recorded reason. "Held" records a drill that
// already took place (status completed), to be evaluated at once.
import { ApiError, api, errorText } from "../api.js";
import { el } from "../dom.js";
import { newKey } from "../ids.js";
import { t, unitName } from "../i18n.js";
import { Picker, unitItems } from "../picker.js";
import { formatDateTime, fromLocalInput, toLocalInput } from "../time.js";

const IN_FORCE = new Set(["in_force", "under_revision"]);

export function makePickers(form) {
  return {
    plans: new Picker(form.querySelector("#d-plans"), { name: t("plans.field.plans") }),
    organizer: new Picker(form.querySelector("#d-organizer"), { multiple: false, tree: true, name: t("plans.field.organizer") }),
    units: new Picker(form.querySelector("#d-units"), { tree: true, name: t("plans.field.units") }),
  };
}

export function fillChoices(pickers, { plans, units, home }) {
  const drillable = plans.filter((plan) => IN_FORCE.has(plan.status));
  pickers.plans.setItems(drillable.map((plan) => ({ value: String(plan.id), label: plan.title, detail: plan.unit_name })));
  const name = (unit) => unitName(unit);
  pickers.organizer.setItems(unitItems(units, name));
  pickers.organizer.value = home;
  pickers.units.setItems(unitItems(units, name));
}

export function defaultTimes(form, now) {
  const start = Math.ceil((now + 3600000) / 1800000) * 1800000;
  form.elements.starts_at.value = toLocalInput(start);
  form.elements.ends_at.value = toLocalInput(start + 2 * 3600000);
}

export function drillBody(form, pickers) {
  const body = {
    title: form.elements.title.value.trim(),
    plans: pickers.plans.value.map(Number),
    form: form.elements.form.value,
    scope: form.elements.scope.value,
    purpose: form.elements.purpose.value,
    organizer: pickers.organizer.value,
    units: pickers.units.value,
    starts_at: fromLocalInput(form.elements.starts_at.value),
    ends_at: fromLocalInput(form.elements.ends_at.value),
    description: form.elements.description.value.trim(),
  };
  if (form.elements.held.checked) body.status = "completed";
  else if (form.elements.rrule.value) body.rrule = form.elements.rrule.value;
  return body;
}

export function missingField(body) {
  if (!body.title) return "plans.need.title";
  if (!body.plans.length) return "plans.need.plans";
  if (!body.organizer) return "drills.need.organizer";
  if (!body.starts_at || !body.ends_at) return "plans.need.times";
  return null;
}

function conflictLine(conflict, names) {
  const what = [
    conflict.units.length ? t("plans.conflict.units", { units: conflict.units.map((code) => names.get(code) || code).join(t("listSep")) }) : "",
    conflict.location ? t("plans.conflict.place") : "",
  ].filter(Boolean);
  const when = `${formatDateTime(conflict.starts_at)}–${formatDateTime(conflict.ends_at)}`;
  return el("li", { dataset: { conflict: conflict.drill } }, `«${conflict.title}» (#${conflict.drill}) ${what.join("，")} ${when}`);
}

// names: Map of unit code → name, so conflicts name the units people know.
export function showConflicts(box, list, conflicts, names = new Map()) {
  box.hidden = !conflicts.length;
  list.replaceChildren(...conflicts.map((conflict) => conflictLine(conflict, names)));
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
