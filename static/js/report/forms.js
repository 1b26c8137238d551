// The three report forms and the request bodies they make. Field names in the markup
// are the API's, so a rejected report can be put back into its form for correction.
import { config } from "../config.js";
import { fromLocalInput, toLocalInput } from "../time.js";

// The API keeps no separate address: the place description opens the summary, on a line
// of its own, where the desk reads it ("地点：…").
const PLACE_PREFIX = "地点：";

const COUNTS = ["dead", "missing", "injured"];
// Text a report may carry (each form has some of them): the 初报's content, a jump's explanation.
const TEXTS = ["summary", "measures", "scope", "development", "leaders", "explanation"];
// The ruleset's key facts of an initial report, from the page (command/pages.py).
export const DEFAULT_FACTS = config.initial_facts || [];

function value(form, name) {
  const field = form.elements[name];
  return field ? field.value.trim() : "";
}

function number(form, name) {
  const text = value(form, name);
  return text === "" ? null : Number(text);
}

// Figures a report states; what is left blank is not stated (not zero).
function figures(form) {
  const body = {};
  const casualties = Object.fromEntries(COUNTS.map((name) => [name, number(form, name)]).filter(([, n]) => n !== null));
  if (Object.keys(casualties).length) body.casualties = casualties;
  for (const name of ["affected", "loss"]) if (number(form, name) !== null) body[name] = number(form, name);
  for (const name of TEXTS) if (value(form, name)) body[name] = value(form, name);
  return body;
}

export function initialBody(form, geometry) {
  const body = {
    title: value(form, "title"),
    category: value(form, "category"),
    occurred_at: fromLocalInput(value(form, "occurred_at")),
    learned_at: fromLocalInput(value(form, "learned_at")),
    unit: value(form, "unit"),
    geometry,
    sensitive: form.elements.sensitive.checked,
    exercise: form.elements.exercise.checked,
    device_time: new Date().toISOString(),
    ...figures(form),
  };
  if (value(form, "place")) body.summary = `${PLACE_PREFIX}${value(form, "place")}${body.summary ? `\n${body.summary}` : ""}`;
  if (value(form, "type")) body.type = value(form, "type");
  if (value(form, "level")) body.level = value(form, "level");
  if (!body.learned_at) delete body.learned_at;
  return body;
}

export function reportBody(form, kind) {
  return { kind, device_time: new Date().toISOString(), ...figures(form) };
}

// The rule set's key facts an initial report leaves out (the server decides too).
export function missingFacts(form, geometry, facts) {
  const stated = {
    time: Boolean(value(form, "occurred_at")),
    place: Boolean(geometry),
    nature: Boolean(value(form, "type") || value(form, "summary")),
    casualties: COUNTS.every((name) => number(form, name) !== null),
    loss: number(form, "loss") !== null,
    scope: Boolean(value(form, "scope")),
    development: Boolean(value(form, "development")),
    leaders: Boolean(value(form, "leaders")),
    measures: Boolean(value(form, "measures")),
  };
  return facts.filter((fact) => stated[fact] === false);
}

// Put a body back into its form (a rejected report, for correction).
export function fillForm(form, body) {
  const [first, ...rest] = (body.summary || "").split("\n");
  const place = first.startsWith(PLACE_PREFIX) ? first.slice(PLACE_PREFIX.length) : null;
  if (place !== null) body = { ...body, place, summary: rest.join("\n") };
  for (const field of form.elements) {
    if (!field.name) continue;
    const data = COUNTS.includes(field.name) ? body.casualties?.[field.name] : body[field.name];
    if (field.type === "checkbox") field.checked = Boolean(data);
    else if (field.type === "datetime-local") field.value = data ? toLocalInput(Date.parse(data)) : "";
    else if (data !== undefined && data !== null) field.value = String(data);
  }
}

export function resetForm(form, now = Date.now()) {
  form.reset();
  for (const field of form.querySelectorAll('input[type="datetime-local"]')) field.value = toLocalInput(now);
}

// The figures the centre has now, put into the follow-up form (a follow-up states totals).
export function fillFigures(form, incident) {
  for (const name of COUNTS) form.elements[name].value = incident?.casualties?.[name] ?? "";
  for (const name of ["affected", "loss"]) form.elements[name].value = incident?.[name] ?? "";
}

// Facts the form cannot send without (the API needs a time and a place) and the others.
export const REQUIRED_FACTS = ["time", "place"];
