"""Reading drills: their API shape (batched), visibility, listings and current bookings."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from shapely.geometry import shape
from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from command.errors import NotFound
from command.events import record_event
from command.units.models import Unit
from plans.conflicts import Booking
from plans.drill_schemas import DrillOut, DrillQuery, Occurrence, OverrideOut
from plans.models import BOOKED_STATUSES, Drill, DrillPlan, DrillUnit, Plan
from plans.recurrence import Span, expand

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 1, 1, tzinfo=UTC)


async def get_drill(session: AsyncSession, drill_id: int, *, for_update: bool = False) -> Drill:
    drill = await session.get(Drill, drill_id, with_for_update=for_update)
    if drill is None:
        raise NotFound("drill", drill_id)
    return drill


async def plans_by_id(session: AsyncSession, ids: Sequence[int]) -> list[Plan]:
    """The plans in the order asked, without duplicates; 404 naming the first unknown."""
    rows = (await session.scalars(select(Plan).where(Plan.id.in_(set(ids))))).all()
    by_id = {plan.id: plan for plan in rows}
    for plan_id in ids:
        if plan_id not in by_id:
            raise NotFound("plan", plan_id)
    return [by_id[plan_id] for plan_id in dict.fromkeys(ids)]


async def plans_of(session: AsyncSession, drill_id: int) -> list[Plan]:
    query = (
        select(Plan)
        .join(DrillPlan, DrillPlan.plan_id == Plan.id)
        .where(DrillPlan.drill_id == drill_id)
        .order_by(Plan.id)
    )
    return list((await session.scalars(query)).all())


async def participant_paths(session: AsyncSession, drill_id: int) -> list[str]:
    query = select(Unit.path).join(DrillUnit, DrillUnit.unit_id == Unit.id)
    return list((await session.scalars(query.where(DrillUnit.drill_id == drill_id))).all())


async def _links(session: AsyncSession, ids: list[int]) -> tuple[dict, dict]:
    plans: dict[int, list[int]] = defaultdict(list)
    units: dict[int, list[str]] = defaultdict(list)
    plan_rows = await session.execute(
        select(DrillPlan.drill_id, DrillPlan.plan_id)
        .where(DrillPlan.drill_id.in_(ids))
        .order_by(DrillPlan.plan_id)
    )
    for drill_id, plan_id in plan_rows.all():
        plans[drill_id].append(plan_id)
    unit_rows = await session.execute(
        select(DrillUnit.drill_id, Unit.code)
        .join(Unit, Unit.id == DrillUnit.unit_id)
        .where(DrillUnit.drill_id.in_(ids))
        .order_by(Unit.path)
    )
    for drill_id, code in unit_rows.all():
        units[drill_id].append(code)
    return plans, units


def _override(drill: Drill) -> OverrideOut | None:
    if drill.override_reason is None:
        return None
    return OverrideOut(
        reason=drill.override_reason, conflicts=list(drill.overridden), by=drill.override_by or ""
    )


def _out(drill: Drill, organizer: Unit, plans: list[int], units: list[str]) -> DrillOut:
    return DrillOut(
        id=drill.id, title=drill.title, plans=plans, form=drill.form, scope=drill.scope,
        purpose=drill.purpose, organizer=organizer.code, organizer_name=organizer.name,
        units=units, starts_at=drill.starts_at, ends_at=drill.ends_at, location=drill.location,
        status=drill.status, status_reason=drill.status_reason, rrule=drill.rrule,
        description=drill.description, override=_override(drill), sequence=drill.sequence,
        created_by=drill.created_by, created_at=drill.created_at, updated_at=drill.updated_at,
    )  # fmt: skip


async def drill_outs(
    session: AsyncSession,
    drills: Sequence[Drill],
    *,
    window: Span | None = None,
    zone: ZoneInfo | None = None,
) -> list[DrillOut]:
    """The drills as the API shows them; with a window, each lists its occurrences in it."""
    ids = [drill.id for drill in drills]
    plans, units = await _links(session, ids)
    organizer_ids = {drill.organizer_id for drill in drills}
    organizers = {
        u.id: u for u in (await session.scalars(select(Unit).where(Unit.id.in_(organizer_ids))))
    }
    outs = []
    for drill in drills:
        out = _out(drill, organizers[drill.organizer_id], plans[drill.id], units[drill.id])
        if window is not None and zone is not None:
            spans = expand(drill.starts_at, drill.ends_at, drill.rrule, zone, window=window)
            out.occurrences = [Occurrence(starts_at=s.starts_at, ends_at=s.ends_at) for s in spans]
        outs.append(out)
    return outs


async def drill_out(session: AsyncSession, drill: Drill) -> DrillOut:
    return (await drill_outs(session, [drill]))[0]


def record(
    session: AsyncSession, drill: Drill, *, kind: str, actor: str, payload: dict[str, Any]
) -> None:
    record_event(
        session,
        topic="drills",
        kind=kind,
        entity=f"drill:{drill.id}",
        unit_path=drill.organizer_path,
        payload=payload,
        actor=actor,
    )


def visible_in(root_path: str) -> ColumnElement[bool]:
    """Drills organized in the subtree, or with a participant in it."""
    participating = (
        select(DrillUnit.drill_id)
        .join(Unit, Unit.id == DrillUnit.unit_id)
        .where(Unit.path.startswith(root_path, autoescape=True))
    )
    return or_(
        Drill.organizer_path.startswith(root_path, autoescape=True), Drill.id.in_(participating)
    )


def overlapping(window: Span) -> list[ColumnElement[bool]]:
    return [
        Drill.starts_at < window.ends_at,
        or_(Drill.series_ends_at.is_(None), Drill.series_ends_at > window.starts_at),
    ]


async def drills_in_window(
    session: AsyncSession,
    *,
    root_path: str,
    window: Span,
    zone: ZoneInfo,
    statuses: Sequence[str] | None = None,
) -> list[DrillOut]:
    """Drills of the subtree with at least one occurrence in the window, occurrences listed."""
    query = select(Drill).where(visible_in(root_path), *overlapping(window))
    if statuses:
        query = query.where(Drill.status.in_(statuses))
    drills = (await session.scalars(query.order_by(Drill.starts_at, Drill.id))).all()
    outs = await drill_outs(session, drills, window=window, zone=zone)
    return [out for out in outs if out.occurrences]


async def list_drills(
    session: AsyncSession, *, root: Unit, query: DrillQuery, zone: ZoneInfo
) -> tuple[list[DrillOut], int]:
    conditions = [visible_in(root.path)]
    if query.status:
        conditions.append(Drill.status == query.status)
    if query.plan is not None:
        conditions.append(
            Drill.id.in_(select(DrillPlan.drill_id).where(DrillPlan.plan_id == query.plan))
        )
    if query.window_from or query.window_to:
        window = Span(query.window_from or EARLIEST, query.window_to or LATEST)
        statuses = [query.status] if query.status else None
        found = await drills_in_window(
            session, root_path=root.path, window=window, zone=zone, statuses=statuses
        )
        if query.plan is not None:
            found = [out for out in found if query.plan in out.plans]
        return found[query.offset : query.offset + query.limit], len(found)
    base = select(Drill).where(*conditions)
    total = await session.scalar(select(func.count()).select_from(base.subquery()))
    rows = await session.scalars(
        base.order_by(Drill.starts_at.desc(), Drill.id.desc())
        .limit(query.limit)
        .offset(query.offset)
    )
    return await drill_outs(session, rows.all()), total or 0


async def bookings(session: AsyncSession, *, window: Span, zone: ZoneInfo) -> list[Booking]:
    """Every drill holding units or a place at some time inside the window."""
    query = select(Drill).where(Drill.status.in_(BOOKED_STATUSES), *overlapping(window))
    drills = (await session.scalars(query)).all()
    _, units = await _links(session, [d.id for d in drills])
    organizer_codes = dict(
        (
            await session.execute(
                select(Unit.id, Unit.code).where(Unit.id.in_({d.organizer_id for d in drills}))
            )
        ).all()
    )
    return [
        Booking(
            drill_id=d.id,
            title=d.title,
            units=frozenset({organizer_codes[d.organizer_id], *units[d.id]}),
            place=shape(d.location) if d.location else None,
            spans=tuple(expand(d.starts_at, d.ends_at, d.rrule, zone, window=window)),
        )
        for d in drills
    ]
