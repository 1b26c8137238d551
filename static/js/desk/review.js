// The evaluation (事后评估) of a closed incident in the desk's incident view: its lead,
// due clock and state, the facts the system holds, the form the officer fills and
// submits, the acceptance, the report links and the corrective actions; and the side
// list of evaluations falling due (topic reviews).
import { api, apiTagged } from "../api.js";
import { can } from "../config.js";
import { $, el } from "../dom.js";
import { t, unitName } from "../i18n.js";
import { formatDateTime, fromLocalInput, localDate } from "../time.js";
import { clock, tickClocks } from "../clocks.js";
import { actorLabel, obligationLabel } from "./words.js";
import { ReviewStore, SECTIONS, dueClock, outcome, refusal, stateLabel } from "../reviews/words.js";

export const reviewStore = new ReviewStore();
// What the officer typed and has not saved, by evaluation, with the ETag of the version
// it was typed over (sent as If-Match): a re-render keeps it, and a save after someone
// else's is refused (412) and shown, never a silent overwrite.
const unsaved = new Map();
const REQUIRED = new Set(["course", "response", "command", "information", "conclusion", "lessons"]);

export async function loadReview(incidentId) {
  const list = await api(`/api/reviews?incident=${incidentId}`);
  if (!list.items.length) return null;
  const { body: review, etag } = await apiTagged(`/api/reviews/${list.items[0].id}`);
  review.etag = etag;
  // The registry's plans of the lead unit's subtree: those the evaluation may name.
  const within = review.lead_unit && review.state === "draft" ? `within=${encodeURIComponent(review.lead_unit)}&` : "";
  const plans = within ? await api(`/api/plans?${within}limit=200`).catch(() => ({ items: [] })) : { items: [] };
  review.registry = plans.items.filter((plan) => plan.status === "in_force" || plan.status === "under_revision");
  return review;
}

// What the writers wrote in a version. A newer version that holds the same (the engine
// marking the evaluation overdue) is no one else's save: the form moves onto its tag.
function contentOf(review) {
  return JSON.stringify([review.group, review.sections, review.plans, review.recommendations]);
}

function formOf(review) {
  const kept = unsaved.get(review.id);
  // Untouched, the form follows the newest version; once typed into, it keeps its own.
  if (!kept || (!kept.dirty && kept.tag !== review.etag)) {
    unsaved.set(review.id, {
      tag: review.etag,
      base: contentOf(review),
      dirty: false,
      conflict: null,
      lead: review.group?.lead || "",
      members: (review.group?.members || []).join(t("listSep")),
      sections: { ...review.sections },
      plans: new Map((review.plans || []).map((p) => [p.plan, { worked: p.worked, note: p.note || "" }])),
      recommendations: (review.recommendations || []).map((r) => ({ ...r, due_at: r.due_at ? localDate(Date.parse(r.due_at)) : "", plan: r.plan ?? "" })),
    });
  } else if (!kept.conflict && kept.tag !== review.etag && contentOf(review) === kept.base) kept.tag = review.etag;
  return unsaved.get(review.id);
}

function field(labelKey, control, required = false) {
  return el("label", { className: "rv-field" }, el("span", { text: `${t(labelKey)}${required ? ` (${t("review.required")})` : ""}` }), control);
}

function textArea(form, name) {
  return el("textarea", {
    name: `section-${name}`,
    rows: name === "course" || name === "information" ? 4 : 2,
    oninput: (event) => {
      form.sections[name] = event.target.value;
    },
  }, form.sections[name] || "");
}

function recommendationRow(form, index, units, plans, rerender) {
  const rec = form.recommendations[index];
  const set = (name) => (event) => {
    rec[name] = event.target.value;
  };
  const unitSelect = el("select", { name: `rec-unit-${index}`, onchange: set("unit") },
    units.map((unit) => el("option", { value: unit.code, text: unitName(unit, unit.code), selected: unit.code === rec.unit })));
  return el("li", { className: "rv-rec", dataset: { index } },
    field("review.rec.text", el("input", { name: `rec-text-${index}`, value: rec.text || "", oninput: set("text") })),
    el("div", { className: "rv-rec-row" },
      field("review.rec.unit", unitSelect),
      field("review.rec.due_at", el("input", { type: "date", name: `rec-due-${index}`, value: rec.due_at || "", oninput: set("due_at") })),
      field("review.rec.plan", el("select", { name: `rec-plan-${index}`, onchange: set("plan") },
        el("option", { value: "", text: "—" }),
        plans.map((plan) => el("option", { value: String(plan.id), text: plan.title, selected: String(plan.id) === String(rec.plan) })))),
      el("button", { type: "button", className: "secondary small", text: t("review.rec.remove"), onclick: () => { form.recommendations.splice(index, 1); rerender(); } }),
    ));
}

// The unit a recommendation may name: the lead unit and those below it.
function ownerUnits(review, units) {
  const lead = units.get(review.lead_unit);
  if (!lead) return [];
  return [...units.values()].filter((unit) => unit.path?.startsWith(lead.path)).sort((a, b) => a.path.localeCompare(b.path));
}

function payload(form) {
  return {
    group: { lead: form.lead.trim(), members: form.members.split(/[、,，;；]/).map((m) => m.trim()).filter(Boolean) },
    sections: Object.fromEntries(SECTIONS.map((name) => [name, form.sections[name] || ""])),
    plans: [...form.plans].map(([plan, used]) => ({ plan, worked: used.worked, note: used.note })),
    recommendations: form.recommendations.filter((r) => (r.text || "").trim()).map((r) => ({
      text: r.text.trim(),
      unit: r.unit,
      // A date is the end of that day in the deployment's zone.
      due_at: r.due_at ? fromLocalInput(`${r.due_at}T23:59`) : "",
      ...(r.plan ? { plan: Number(r.plan) } : {}),
    })),
  };
}

// The parts of the form that differ from `current` (the version saved meanwhile), in words.
function differingParts(form, current) {
  const mine = payload(form);
  const parts = SECTIONS.filter((name) => (mine.sections[name] || "") !== (current.sections?.[name] || "")).map((name) => t(`review.sec.${name}`));
  const group = current.group || {};
  if (mine.group.lead !== (group.lead || "") || JSON.stringify(mine.group.members) !== JSON.stringify(group.members || [])) parts.unshift(t("review.print.group"));
  if (mine.recommendations.length !== (current.recommendations || []).length) parts.push(t("review.print.recs"));
  return parts;
}

// Someone else saved the evaluation after this form was opened: what the officer typed
// stays; the notice says so and offers the current version instead.
function conflictNotice(review, form, ctx) {
  const current = form.conflict || (form.dirty && review.etag && review.etag !== form.tag ? review : null);
  if (!current) return null;
  const parts = differingParts(form, current);
  const load = () => {
    unsaved.delete(review.id);
    ctx.flash("");
    ctx.refresh();
  };
  return el("div", { className: "notice warn rv-conflict", id: "rv-conflict", role: "alert" },
    el("p", { text: t("review.conflict") }),
    el("p", { className: "muted", text: t("review.conflict.by", { who: actorLabel(current.updated_by, current.updated_by_name) || "—", at: formatDateTime(current.updated_at) }) }),
    parts.length ? el("p", { text: t("review.conflict.differs", { parts: parts.join(t("desk.listSep")) }) }) : null,
    el("button", { type: "button", className: "secondary", id: "rv-load-current", text: t("review.conflict.load"), onclick: load }));
}

function factsBlock(review, units) {
  const facts = review.facts;
  if (!facts) return null;
  const c = facts.reporting.counts;
  const total = c.met + c.late + c.missed + (c.overdue || 0) + c.pending;
  const ack = facts.acknowledged.seconds === null ? t("review.facts.noAck") : t("review.facts.ack", { minutes: Math.round(facts.acknowledged.seconds / 60) });
  const bad = [...facts.reporting.late, ...facts.reporting.missed, ...(facts.reporting.overdue || [])];
  return el("div", { className: "rv-facts", id: "rv-facts" },
    el("h4", { text: t("review.facts") }),
    el("p", { text: `${t("review.facts.reporting", { total, overdue: 0, ...c })} · ${t("review.facts.reports", { n: facts.reports.length })} · ${ack} · ${t("review.facts.verdicts", { n: facts.verdicts.length })}` }),
    bad.length ? el("ul", { className: "rv-bad" }, bad.map((ob) => el("li", { text: `${obligationLabel(ob, units)} · ${outcome(ob)} · ${t("desk.ob.due", { at: formatDateTime(ob.due_at) })}` }))) : null);
}

function actionsBlock(review) {
  if (!review.actions?.length) return null;
  return el("div", { className: "rv-actions" },
    el("h4", { text: t("review.actions") }),
    el("ul", {}, review.actions.map((a) => el("li", { className: `rv-action state-${a.state}`, dataset: { action: a.id } },
      el("strong", { text: a.text }),
      el("span", { className: "muted", text: ` ${a.unit_name} · ${t("review.action.due", { at: formatDateTime(a.due_at) })} · ` }),
      el("span", { className: "chip", text: stateLabel(a) }),
      a.revision_task ? el("span", { className: "muted", text: ` ${t("review.action.plan", { task: a.revision_task, plan: a.plan })}` }) : null))));
}

function header(review, units) {
  const lead = review.lead_unit ? unitName(units.get(review.lead_unit), review.lead_unit) : t(`review.leadTier.${review.lead_tier}`);
  return el("div", { className: "rv-head" },
    el("span", { className: `chip rv-state state-${review.state}`, id: "rv-state", text: stateLabel(review) }),
    el("span", { text: `${t("review.lead")}${t("desk.colon")}${lead}` }),
    el("span", { className: "muted", text: t("review.due", { at: formatDateTime(review.due_at) }) }),
    review.owed ? clock(dueClock(review)) : null,
    review.on_time === true ? el("span", { className: "chip", text: t("review.onTime") }) : review.on_time === false ? el("span", { className: "chip over-text", text: t("review.late") }) : null,
    el("a", { href: `/api/reviews/${review.id}/report.docx`, text: t("review.docx") }),
    el("a", { href: `/reviews/${review.id}/print`, target: "_blank", rel: "noopener", text: t("review.print") }));
}

// The plans used in the response (links into the registry) and whether they worked.
function plansUsed(form, registry) {
  if (!registry.length) return null;
  const worked = { "": null, yes: true, no: false };
  const choice = (value) => (value === true ? "yes" : value === false ? "no" : "");
  return el("fieldset", { className: "rv-plans" },
    el("legend", { text: t("review.plans") }),
    registry.map((plan) => {
      const used = form.plans.get(plan.id);
      const select = el("select", { name: `plan-worked-${plan.id}`, disabled: !used, onchange: (e) => { form.plans.get(plan.id).worked = worked[e.target.value]; } },
        ["", "yes", "no"].map((v) => el("option", { value: v, text: t(`review.plans.worked.${v || "unknown"}`), selected: used && choice(used.worked) === v })));
      const box = el("input", { type: "checkbox", name: `plan-used-${plan.id}`, checked: Boolean(used), onchange: (e) => {
        if (e.target.checked) form.plans.set(plan.id, { worked: null, note: "" });
        else form.plans.delete(plan.id);
        select.disabled = !e.target.checked;
      } });
      return el("div", { className: "rv-plan" }, el("label", { className: "check" }, box, ` ${plan.title}`), select);
    }));
}

function draftForm(review, units, ctx, rerender) {
  const form = formOf(review);
  const owners = ownerUnits(review, units);
  const submit = async (andSubmit, again = false) => {
    try {
      const saved = await apiTagged(`/api/reviews/${review.id}`, { method: "PATCH", body: payload(form), ifMatch: form.tag });
      form.tag = saved.etag; // what is typed is now that version (a refused submit keeps it)
      form.base = contentOf(saved.body);
      if (andSubmit) await apiTagged(`/api/reviews/${review.id}/submit`, { method: "POST", ifMatch: saved.etag });
      unsaved.delete(review.id);
      ctx.flash(t(andSubmit ? "review.submitted" : "review.saved"));
      ctx.refresh();
    } catch (error) {
      const current = error.status === 412 ? error.body?.error?.current : null;
      if (current && !again && contentOf(current) === form.base) {
        // Only the engine's mark came between: nothing anyone wrote would be lost.
        form.tag = error.body.error.etag;
        return submit(andSubmit, true);
      }
      if (current) {
        form.conflict = current;
        rerender();
      }
      ctx.flash(refusal(error), "error");
    }
  };
  const markDirty = () => {
    form.dirty = true;
  };
  return el("form", { className: "rv-form", id: "rv-form", oninput: markDirty, onchange: markDirty, onsubmit: (event) => { event.preventDefault(); submit(true); } },
    conflictNotice(review, form, ctx),
    el("div", { className: "rv-row" },
      field("review.group.lead", el("input", { name: "group-lead", value: form.lead, oninput: (e) => { form.lead = e.target.value; } }), true),
      field("review.group.members", el("input", { name: "group-members", value: form.members, oninput: (e) => { form.members = e.target.value; } }))),
    SECTIONS.map((name) => field(`review.sec.${name}`, textArea(form, name), REQUIRED.has(name))),
    plansUsed(form, review.registry || []),
    el("h4", { text: t("review.recs") }),
    el("ol", { className: "rv-recs" }, form.recommendations.map((_, index) => recommendationRow(form, index, owners, review.registry || [], rerender))),
    el("button", { type: "button", className: "secondary", id: "rv-add", text: t("review.rec.add"), onclick: () => {
      form.recommendations.push({ text: "", unit: review.lead_unit, due_at: "", plan: "" });
      rerender();
    } }),
    el("div", { className: "actions rv-buttons" },
      el("button", { type: "button", className: "secondary", id: "rv-save", text: t("review.save"), onclick: () => submit(false) }),
      el("button", { type: "submit", className: "primary", id: "rv-submit", text: t("review.submit") })));
}

function readOnly(review, ctx) {
  const accept = async () => {
    try {
      await apiTagged(`/api/reviews/${review.id}/accept`, { method: "POST", ifMatch: review.etag });
      ctx.flash(t("review.acceptedDone"));
      ctx.refresh();
    } catch (error) {
      ctx.flash(refusal(error), "error");
      if (error.status === 412) ctx.refresh(); // nothing typed to keep: show what is there now
    }
  };
  return el("div", { className: "rv-read" },
    el("p", { text: `${t("review.group.lead")}${t("desk.colon")}${review.group?.lead || "—"}` }),
    SECTIONS.filter((name) => review.sections[name]).map((name) => el("div", { className: "rv-text" }, el("strong", { text: t(`review.sec.${name}`) }), el("p", { text: review.sections[name] }))),
    review.state === "submitted" && can("reviews.accept")
      ? el("div", { className: "actions" }, el("button", { type: "button", className: "primary", id: "rv-accept", text: t("review.accept"), onclick: accept }))
      : null);
}

// The section of the incident view; null while the incident has no evaluation.
export function reviewSection(review, units, ctx) {
  const node = el("section", { className: "iv-section rv", id: "iv-review" });
  const rerender = () => node.replaceChildren(...body());
  const body = () => {
    if (!review) return [el("h3", { text: t("review.section") }), el("p", { className: "muted", text: t("review.none") })];
    const main = !review.led_locally
      ? el("p", { className: "muted", text: t("review.external") })
      : review.state === "draft" && can("reviews.write")
        ? draftForm(review, units, ctx, rerender)
        : readOnly(review, ctx);
    return [el("h3", { text: t("review.section") }), header(review, units), factsBlock(review, units), main, actionsBlock(review)].filter(Boolean);
  };
  rerender();
  return node;
}

// The side list: evaluations of the subtree still to write, due soonest first.
export function renderReviewSide(units, now) {
  const section = $("#side-reviews");
  if (!section) return;
  const items = reviewStore.listed("evaluation");
  section.querySelector(".count").textContent = items.length ? String(items.length) : "";
  const list = section.querySelector(".side-list");
  if (!items.length) {
    list.replaceChildren(el("li", { className: "muted side-empty", text: t("review.side.none") }));
    return;
  }
  list.replaceChildren(...items.slice(0, 12).map((item) => el("li", { className: item.owed && Date.parse(item.due_at) <= now ? "overdue" : "", dataset: { review: item.id } },
    el("button", { type: "button", className: "side-link", dataset: { open: item.incident }, text: item.incident_title || `#${item.incident}` }),
    el("span", { className: "muted", text: `${unitName(units.get(item.lead_unit), item.lead_unit)} · ${t("review.due", { at: formatDateTime(item.due_at) })}` }),
    item.owed ? clock(dueClock(item)) : el("span", { className: "chip", text: stateLabel(item) }))));
  tickClocks(list, now); // drawn with their time left, not blank until the next tick
}
