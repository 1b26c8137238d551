"""The evaluation's life: a draft written by the leading unit, submitted once every
required section is there, accepted by a person with the right to accept it; each step
records its event (the audit trail). Acceptance turns the recommendations into
corrective actions (command/reviews/actions.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from command.auth.guard import ensure_filter_sees, named_unit, subtree_root
from command.auth.service import Principal
from command.config import settings_of
from command.errors import Conflict, Forbidden, Invalid, NotFound, field_detail
from command.incidents.queries import get_incident, incident_unit_path
from command.preconditions import changed_since_seen, if_match_holds
from command.reviews import actions, present
from command.reviews.facts import incident_facts, information_text, names_of
from command.reviews.models import Evaluation
from command.reviews.rules import review_rules
from command.reviews.schemas import (
    EvaluationPatch,
    EvaluationQuery,
    IncidentEvaluationOut,
    RecommendationIn,
)
from command.units.models import Unit
from plans.service import get_plan

COUNTED = ("owed", "overdue", "submitted", "accepted", "external")


async def _lead(session: AsyncSession, evaluation: Evaluation) -> Unit | None:
    if evaluation.lead_unit_id is None:
        return None
    return await session.get(Unit, evaluation.lead_unit_id)


async def visible(
    session: AsyncSession, evaluation_id: int, principal: Principal, *, lock: bool = False
) -> Evaluation:
    """The evaluation when the caller sees its incident or its leading unit; else 404."""
    query = select(Evaluation).where(Evaluation.id == evaluation_id)
    evaluation = await session.scalar(query.with_for_update() if lock else query)
    if evaluation is None:
        raise NotFound("evaluation", evaluation_id)
    lead = await _lead(session, evaluation)
    if not principal.sees(evaluation.unit_path) and not (lead and principal.sees(lead.path)):
        raise NotFound("evaluation", evaluation_id)
    return evaluation


async def _writable(
    session: AsyncSession,
    evaluation_id: int,
    principal: Principal,
    state: str,
    doing: str,
    if_match: str | None,
) -> tuple[Evaluation, Unit]:
    """The evaluation locked for the write (so that the If-Match check holds until commit),
    when the caller may `doing` it, it saw its current version and it is in `state`."""
    evaluation = await visible(session, evaluation_id, principal, lock=True)
    lead = await _lead(session, evaluation)
    if not evaluation.led_locally or lead is None:
        raise Conflict(
            f"evaluation {evaluation.id} is led by the {evaluation.lead_tier}, not by the city",
            field="state",
        )
    if not principal.sees(lead.path):
        raise Forbidden(f"only unit {lead.code} and those above it may {doing} this evaluation")
    await _check_version(session, evaluation, principal, if_match)
    if evaluation.state != state:
        raise Conflict(
            f"evaluation {evaluation.id} is {evaluation.state}; only a {state} one can be {doing}",
            field="state",
        )
    return evaluation, lead


async def _check_version(
    session: AsyncSession, evaluation: Evaluation, principal: Principal, if_match: str | None
) -> None:
    """If-Match (command/preconditions.py): otherwise another member of the evaluation
    group changed the evaluation first; the 412 carries it as GET shows it."""
    current = present.etag(evaluation)
    if if_match_holds(if_match, current):
        return
    view = await detail(session, evaluation, principal)
    body = IncidentEvaluationOut.model_validate(view).model_dump(mode="json")
    raise changed_since_seen(f"evaluation {evaluation.id}", current, body)


async def detail(
    session: AsyncSession, evaluation: Evaluation, principal: Principal
) -> dict[str, Any]:
    """The evaluation with its actions and the facts the system holds of the incident."""
    view = await present.evaluation_view(session, evaluation)
    view["actions"] = await actions.of_evaluation(session, evaluation.id, principal)
    view["facts"] = await incident_facts(session, evaluation.incident_id)
    view["names"] = await names_of(session, view["facts"], view["recommendations"])
    view["names"]["plans"] = await _plan_titles(session, view)
    return view


async def _plan_titles(session: AsyncSession, view: dict[str, Any]) -> dict[str, str]:
    """The titles of the plans the evaluation names (used, or to revise), by id."""
    ids = {p["plan"] for p in view["plans"]} | {
        r["plan"] for r in view["recommendations"] if r.get("plan")
    }
    titles = {}
    for plan_id in sorted(ids):
        try:
            titles[str(plan_id)] = (await get_plan(session, plan_id)).title
        except NotFound:
            continue
    return titles


def _filters(query: EvaluationQuery, root_path: str, now: datetime) -> list[ColumnElement]:
    where = [Evaluation.unit_path.startswith(root_path, autoescape=True)]
    if query.incident is not None:
        where.append(Evaluation.incident_id == query.incident)
    if query.state is not None:
        where.append(Evaluation.state == query.state)
    if query.overdue is True:
        where += [Evaluation.state.in_(present.EVALUATION_OWED), Evaluation.due_at <= now]
    return where


async def list_evaluations(
    session: AsyncSession, *, query: EvaluationQuery, principal: Principal, now: datetime
) -> dict[str, Any]:
    """Evaluations of the subtree's incidents, due soonest first; counts for the subtree.
    `incident=` naming another county's incident answers 403, naming none 422, as the
    other lists' incident filters and `unit=` do."""
    root = await subtree_root(session, principal, query.unit)
    if query.incident is not None:
        path = await incident_unit_path(session, query.incident)
        what = f"incident {query.incident}"
        ensure_filter_sees(principal, path, what, field="query.incident")
    rows = await session.scalars(
        select(Evaluation)
        .where(*_filters(query, root.path, now))
        .order_by(Evaluation.due_at, Evaluation.id)
        .limit(query.limit)
    )
    items = await present.evaluation_views(session, list(rows), now)
    return {"items": items, "counts": await _counts(session, root.path, now)}


async def _counts(session: AsyncSession, root_path: str, now: datetime) -> dict[str, int]:
    rows = await session.execute(
        select(
            Evaluation.state, func.count(), func.sum(case((Evaluation.due_at <= now, 1), else_=0))
        )
        .where(Evaluation.unit_path.startswith(root_path, autoescape=True))
        .group_by(Evaluation.state)
    )
    counts = dict.fromkeys(COUNTED, 0)
    for state, number, past_due in rows.all():
        if state in present.EVALUATION_OWED:
            counts["owed"] += number
            counts["overdue"] += past_due or 0
        else:
            counts[state] += number
    return counts


async def update_draft(
    session: AsyncSession,
    *,
    evaluation_id: int,
    patch: EvaluationPatch,
    principal: Principal,
    now: datetime,
    if_match: str | None = None,
) -> Evaluation:
    """Change a draft's group, sections, plans used or recommendations; nothing is
    written unless every value is accepted and `if_match` (the tags the caller last saw,
    If-Match) names the current version."""
    evaluation, lead = await _writable(
        session, evaluation_id, principal, "draft", "edited", if_match
    )
    if not patch.model_fields_set:
        raise Invalid("body", "send at least one of group, sections, plans, recommendations")
    incident = await get_incident(session=session, incident_id=evaluation.incident_id)
    if patch.plans is not None:
        await _check_plans(session, [p.plan for p in patch.plans], "plans")
    if patch.recommendations is not None:
        await _check_recommendations(session, patch.recommendations, lead, incident.closed_at)
    _apply(evaluation, patch)
    evaluation.updated_at, evaluation.updated_by = now, principal.subject
    evaluation.version += 1
    await session.flush()
    await present.record(session, "evaluation.updated", evaluation, principal.subject)
    return evaluation


def _apply(evaluation: Evaluation, patch: EvaluationPatch) -> None:
    if patch.group is not None:
        evaluation.group = patch.group.model_dump()
    if patch.sections is not None:
        evaluation.sections = {**evaluation.sections, **patch.sections}
    if patch.plans is not None:
        evaluation.plans = [p.model_dump() for p in patch.plans]
    if patch.recommendations is not None:
        evaluation.recommendations = [r.model_dump(mode="json") for r in patch.recommendations]


async def _check_plans(session: AsyncSession, plan_ids: list[int | None], field: str) -> None:
    for index, plan_id in enumerate(plan_ids):
        if plan_id is None:
            continue
        try:
            await get_plan(session, plan_id)
        except NotFound:
            raise Invalid(f"{field}.{index}.plan", f"plan {plan_id} does not exist") from None


async def _check_recommendations(
    session: AsyncSession,
    recommendations: list[RecommendationIn],
    lead: Unit,
    closed_at: datetime | None,
) -> None:
    for index, item in enumerate(recommendations):
        field = f"recommendations.{index}"
        unit = await named_unit(session, item.unit, field=f"{field}.unit")
        if not lead.contains(unit.path):
            raise Invalid(f"{field}.unit", f"unit {unit.code} lies outside unit {lead.code}")
        if closed_at is not None and item.due_at <= closed_at:
            raise Invalid(f"{field}.due_at", "must be after the incident closed")
    await _check_plans(session, [r.plan for r in recommendations], "recommendations")


def _missing(evaluation: Evaluation) -> list[str]:
    missing = [] if (evaluation.group or {}).get("lead") else ["group.lead"]
    sections = evaluation.sections or {}
    missing += [
        f"sections.{name}"
        for name in review_rules().required
        if not (sections.get(name) or "").strip()
    ]
    return missing


async def submit(
    session: AsyncSession,
    *,
    evaluation_id: int,
    principal: Principal,
    now: datetime,
    if_match: str | None = None,
) -> Evaluation:
    """A draft with every required section is submitted; 422 names each missing one."""
    evaluation, _ = await _writable(
        session, evaluation_id, principal, "draft", "submitted", if_match
    )
    if missing := _missing(evaluation):
        raise Invalid(
            missing[0],
            f"required before submitting: {', '.join(missing)}",
            bare=True,
            details=[
                field_detail(name, "required before submitting", "missing") for name in missing
            ],
        )
    evaluation.state = "submitted"
    evaluation.submitted_at, evaluation.submitted_by = now, principal.subject
    evaluation.version += 1
    await session.flush()
    await present.record(session, "evaluation.submitted", evaluation, principal.subject)
    return evaluation


async def accept(
    session: AsyncSession,
    *,
    evaluation_id: int,
    principal: Principal,
    now: datetime,
    if_match: str | None = None,
) -> Evaluation:
    """A submitted evaluation is accepted; its recommendations become corrective actions
    (and, for a plan, revision tasks on that plan)."""
    evaluation, lead = await _writable(
        session, evaluation_id, principal, "submitted", "accepted", if_match
    )
    if evaluation.submitted_by == principal.subject:
        raise Forbidden("the person who submitted an evaluation does not accept it")
    evaluation.state = "accepted"
    evaluation.accepted_at, evaluation.accepted_by = now, principal.subject
    evaluation.version += 1
    await session.flush()
    opened = await actions.open_from(
        session, evaluation=evaluation, actor=principal.subject, now=now
    )
    await present.record(session, "evaluation.accepted", evaluation, principal.subject)
    for action in opened:
        await present.record_action(session, "action.opened", action, principal.subject)
    return evaluation


async def prefill(session: AsyncSession, evaluation: Evaluation) -> None:
    """Write the first draft of 信息报送与发布 from the facts, when it is still empty."""
    if (evaluation.sections or {}).get("information"):
        return
    facts = await incident_facts(session, evaluation.incident_id)
    text = information_text(facts, await names_of(session, facts), settings_of(session).zone)
    evaluation.sections = {**(evaluation.sections or {}), "information": text}
