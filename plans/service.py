"""Plans (应急预案): registry, changes, their API shape and their events.

Versions and filing live in plans/versions.py, reviews and revision tasks in
plans/reviews.py, due dates in plans/due.py. Every change records one event on the
"plans" topic whose payload is the plan as the API shows it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from command.db import utcnow
from command.errors import Conflict, Invalid, NotFound
from command.events import record_event
from command.units.models import Unit
from plans import coverage
from plans.due import local_today, refresh_due_dates
from plans.models import EFFECTIVE_STATUSES, Plan, RevisionTask
from plans.schemas import PlanIn, PlanOut, PlanPatch, PlanQuery, RevisionOut


def to_out(plan: Plan, unit: Unit) -> PlanOut:
    return PlanOut(
        id=plan.id,
        title=plan.title,
        type=plan.type,
        unit=unit.code,
        unit_name=unit.name,
        status=plan.status,
        categories=list(plan.categories),
        incident_types=list(plan.incident_types),
        levels=list(plan.levels),
        high_risk=plan.high_risk,
        version=plan.version or None,
        in_force_since=plan.in_force_since,
        last_reviewed_on=plan.last_reviewed_on,
        last_drilled_on=plan.last_drilled_on,
        review_due=plan.review_due,
        next_drill_due=plan.next_drill_due,
        created_at=plan.created_at,
        updated_at=plan.updated_at,
    )


def revision_out(task: RevisionTask) -> RevisionOut:
    return RevisionOut(
        id=task.id,
        plan=task.plan_id,
        trigger=task.trigger,
        reason=task.reason,
        status=task.status,
        drill=task.drill_id,
        evaluation=task.evaluation_id,
        opened_by=task.opened_by,
        opened_at=task.opened_at,
        closed_by_version=task.closed_by_version,
    )


async def owner_of(session: AsyncSession, plan: Plan) -> Unit:
    unit = await session.get(Unit, plan.unit_id)
    assert unit is not None  # foreign key
    return unit


async def plan_out(session: AsyncSession, plan: Plan) -> PlanOut:
    return to_out(plan, await owner_of(session, plan))


async def plan_unit_path(session: AsyncSession, plan_id: int) -> str | None:
    """The unit path of a plan (for checking a filter that names it), None if none."""
    return await session.scalar(select(Plan.unit_path).where(Plan.id == plan_id))


async def get_plan(session: AsyncSession, plan_id: int, *, for_update: bool = False) -> Plan:
    plan = await session.get(Plan, plan_id, with_for_update=for_update)
    if plan is None:
        raise NotFound("plan", plan_id)
    return plan


async def record_plan_event(
    session: AsyncSession, plan: Plan, *, kind: str, actor: str, **extra: Any
) -> None:
    """One event on the "plans" topic: the plan as the API shows it, plus what changed,
    plus `due`: the plan's items in the wall's due list now (as in the snapshot), so
    that a screen replaces the plan's items with these and reads nothing."""
    from plans.agenda import due_items_of  # the due list reads plans through this module

    payload = (await plan_out(session, plan)).model_dump(mode="json")
    payload.update({name: _jsonable(value) for name, value in extra.items()})
    today = local_today(coverage.deployment_zone(session))
    payload["due"] = await due_items_of(session, plan, today=today)
    record_event(
        session,
        topic="plans",
        kind=kind,
        entity=f"plan:{plan.id}",
        unit_path=plan.unit_path,
        payload=payload,
        actor=actor,
    )


def _jsonable(value: Any) -> Any:
    return value.model_dump(mode="json") if hasattr(value, "model_dump") else value


def ensure_changeable(plan: Plan) -> None:
    if plan.status == "retired":
        raise Conflict(f"plan {plan.id} is retired; it can no longer change")


async def set_status(session: AsyncSession, plan: Plan, status: str, *, actor: str) -> None:
    """Change the status, re-derive due dates, and tell the wall when coverage moved."""
    was_effective = plan.status in EFFECTIVE_STATUSES
    plan.status = status
    plan.updated_at = utcnow()
    refresh_due_dates(plan)
    if was_effective != (status in EFFECTIVE_STATUSES):
        await session.flush()
        await coverage.record_change(session, unit=await owner_of(session, plan), actor=actor)


async def create_plan(session: AsyncSession, *, data: PlanIn, unit: Unit, actor: str) -> Plan:
    now = utcnow()
    plan = Plan(
        title=data.title,
        type=data.type,
        unit_id=unit.id,
        unit_path=unit.path,
        status="draft",
        categories=list(dict.fromkeys(data.categories)),
        incident_types=list(dict.fromkeys(data.incident_types)),
        levels=list(dict.fromkeys(data.levels)),
        high_risk=data.high_risk,
        version=0,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    session.add(plan)
    await session.flush()
    await record_plan_event(session, plan, kind="plan.created", actor=actor)
    return plan


async def update_plan(session: AsyncSession, *, plan: Plan, data: PlanPatch, actor: str) -> Plan:
    ensure_changeable(plan)
    changes = data.model_dump(exclude_unset=True, exclude={"status"})
    for name, value in changes.items():
        if value is None:
            raise Invalid(name, f"{name} cannot be null", bare=True)
        setattr(plan, name, list(dict.fromkeys(value)) if isinstance(value, list) else value)
    plan.updated_at = utcnow()
    refresh_due_dates(plan)
    if data.status == "retired":
        await set_status(session, plan, "retired", actor=actor)
    await session.flush()
    kind = "plan.retired" if data.status == "retired" else "plan.updated"
    await record_plan_event(session, plan, kind=kind, actor=actor)
    return plan


SORTS = {
    "unit": (Plan.unit_path, Plan.id),
    "title": (Plan.title, Plan.id),
    "review_due": (Plan.review_due.is_(None), Plan.review_due, Plan.id),
    "next_drill_due": (Plan.next_drill_due.is_(None), Plan.next_drill_due, Plan.id),
    "updated": (Plan.updated_at.desc(), Plan.id.desc()),
}


def _search(text: str) -> ColumnElement[bool]:
    needle = text.lower()
    return or_(
        func.lower(Plan.title).contains(needle, autoescape=True),
        func.lower(Unit.name).contains(needle, autoescape=True),
    )


async def list_plans(
    session: AsyncSession, *, root: Unit, query: PlanQuery
) -> tuple[list[tuple[Plan, Unit]], int]:
    """One page of the subtree's plans (with their owners) and how many match in all."""
    conditions = [Plan.unit_path.startswith(root.path, autoescape=True)]
    if query.type:
        conditions.append(Plan.type == query.type)
    if query.status:
        conditions.append(Plan.status == query.status)
    if query.unit:
        conditions.append(Unit.code == query.unit)
    if query.q:
        conditions.append(_search(query.q))
    base = select(Plan, Unit).join(Unit, Unit.id == Plan.unit_id).where(*conditions)
    total = await session.scalar(select(func.count()).select_from(base.subquery()))
    rows = await session.execute(
        base.order_by(*SORTS[query.sort]).limit(query.limit).offset(query.offset)
    )
    return [(plan, unit) for plan, unit in rows.all()], total or 0


async def plans_in_force(
    session: AsyncSession, *, root: Unit, types: tuple[str, ...]
) -> list[PlanOut]:
    """Every plan of those types in force in the subtree, unpaged (for the assessment)."""
    rows = await session.execute(
        select(Plan, Unit)
        .join(Unit, Unit.id == Plan.unit_id)
        .where(
            Plan.unit_path.startswith(root.path, autoescape=True),
            Plan.type.in_(types),
            Plan.status.in_(EFFECTIVE_STATUSES),
        )
        .order_by(Plan.unit_path, Plan.id)
    )
    return [to_out(plan, unit) for plan, unit in rows.all()]


async def recompute_due_dates(session: AsyncSession, *, actor: str) -> int:
    """Re-derive every stored due date after the rules data changed; returns how many moved.

    Each plan whose dates moved records a "plan.due_changed" event for the wall displays.
    """
    moved = 0
    for plan in (await session.scalars(select(Plan).order_by(Plan.id))).all():
        before = (plan.review_due, plan.next_drill_due)
        refresh_due_dates(plan)
        if before != (plan.review_due, plan.next_drill_due):
            moved += 1
            plan.updated_at = utcnow()
            await record_plan_event(session, plan, kind="plan.due_changed", actor=actor)
    return moved
