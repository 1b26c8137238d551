// Adding and changing a shift: times in the deployment's zone, the leader on duty and the
// officers (named people with phone and mail; names already on the roster are offered
// with their numbers), the duty line. The server checks overlaps and holes; its answer
// names the shift in the way.
import { $, $$, el, option } from "../dom.js";
import { t } from "../i18n.js";
import { fromLocalInput, toLocalInput } from "../time.js";

let officerSeq = 0;

function officerRow(person = {}) {
  const index = ++officerSeq;
  const id = (name) => `f-officer-${index}-${name}`;
  const field = (name, key, type = "text") =>
    el("div", {}, el("label", { for: id(name), dataset: { i18n: key }, text: t(key) }), el("input", { id: id(name), name: `officer_${name}`, type, value: person[name] || "", list: name === "name" ? "known-people" : undefined }));
  const remove = el("button", { type: "button", className: "secondary small", text: t("roster.removeOfficer"), dataset: { removeOfficer: "", i18n: "roster.removeOfficer" } });
  const row = el("div", { className: "officer" }, field("name", "roster.field.name"), field("phone", "roster.field.phone", "tel"), field("email", "roster.field.email", "email"), remove);
  remove.addEventListener("click", () => row.remove());
  return row;
}

export class ShiftForm {
  constructor(form, { onSave, onRemove, onCancel }) {
    this.form = form;
    this.shift = null;
    this.known = new Map();
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      onSave(this.body(), this.shift);
    });
    $("#cancel", form).addEventListener("click", onCancel);
    $("#remove", form).addEventListener("click", () => onRemove(this.shift));
    $("#add-officer", form).addEventListener("click", () => this.addOfficer());
    form.addEventListener("change", (event) => this.fillKnown(event.target));
  }

  // Names on the roster already, with their numbers, offered as the form is filled in.
  learn(shifts) {
    for (const shift of shifts) for (const person of [shift.leader, ...shift.officers]) this.known.set(person.name, person);
    $("#known-people").replaceChildren(...[...this.known.keys()].sort().map((name) => option(name, name)));
  }

  fillKnown(input) {
    if (!input.name?.endsWith("name") || !this.known.has(input.value)) return;
    const person = this.known.get(input.value);
    const box = input.closest(".officer, .person");
    const phone = box.querySelector('[name$="phone"]');
    const email = box.querySelector('[name$="email"]');
    if (!phone.value) phone.value = person.phone || "";
    if (!email.value) email.value = person.email || "";
  }

  addOfficer(person = {}) {
    $("#officers", this.form).append(officerRow(person));
  }

  open(shift, defaults) {
    this.shift = shift;
    const source = shift || defaults;
    const f = this.form.elements;
    const title = $("#form-title", this.form);
    title.dataset.i18n = shift ? "roster.editTitle" : "roster.addTitle";
    title.textContent = t(title.dataset.i18n);
    f.starts_at.value = toLocalInput(Date.parse(source.starts_at));
    f.ends_at.value = toLocalInput(Date.parse(source.ends_at));
    f.leader_name.value = source.leader?.name || "";
    f.leader_phone.value = source.leader?.phone || "";
    f.leader_email.value = source.leader?.email || "";
    f.line.value = source.line || "";
    $("#officers", this.form).replaceChildren();
    for (const officer of source.officers?.length ? source.officers : [{}]) this.addOfficer(officer);
    $("#remove", this.form).hidden = !shift || Date.parse(shift.starts_at) <= Date.now();
    this.error(null);
    this.form.hidden = false;
    f.starts_at.focus();
  }

  close() {
    this.form.hidden = true;
    this.shift = null;
  }

  body() {
    const f = this.form.elements;
    const officers = $$(".officer", this.form)
      .map((row) => ({
        name: row.querySelector('[name="officer_name"]').value.trim(),
        phone: row.querySelector('[name="officer_phone"]').value.trim(),
        email: row.querySelector('[name="officer_email"]').value.trim(),
      }))
      .filter((officer) => officer.name);
    return {
      starts_at: fromLocalInput(f.starts_at.value),
      ends_at: fromLocalInput(f.ends_at.value),
      leader: { name: f.leader_name.value.trim(), phone: f.leader_phone.value.trim(), email: f.leader_email.value.trim() },
      officers,
      line: f.line.value.trim(),
    };
  }

  // What the page can tell before asking the server.
  missing(body) {
    if (!body.starts_at) return "roster.need.start";
    if (!body.ends_at) return "roster.need.end";
    if (Date.parse(body.ends_at) <= Date.parse(body.starts_at)) return "roster.need.order";
    if (!body.leader.name) return "roster.need.leader";
    if (!body.officers.length) return "roster.need.officer";
    return null;
  }

  error(text) {
    const node = $(".form-error", this.form);
    node.hidden = !text;
    node.textContent = text || "";
  }
}
