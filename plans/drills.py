"""Drills (应急演练): scheduling, status changes, conflict checks with override, and the
credit a held drill gives to the plans it exercised. Every change records one event on
the "drills" topic whose payload is the drill as the API shows it (exercise: true)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, text
from sqlalchemy.ext.asyncio import AsyncSession

from command.auth.guard import ensure_sees
from command.auth.service import Principal
from command.errors import Conflict as Clash
from command.errors import Forbidden, Invalid, field_detail
from command.units.models import Unit
from command.units.service import get_units
from plans import drill_queries as queries
from plans.clock import Clock
from plans.conflicts import Booking, Conflict, find_conflicts, parse_location
from plans.drill_schemas import DrillIn, DrillPatch
from plans.due import refresh_due_dates
from plans.models import BOOKED_STATUSES, Drill, DrillPlan, DrillUnit, Plan
from plans.recurrence import Span, check_rule, expand, series_end
from plans.rules import load_rules
from plans.service import record_plan_event

TRANSITIONS = {
    "scheduled": {"in_progress", "completed", "postponed", "cancelled"},
    "in_progress": {"completed", "postponed", "cancelled"},
    "postponed": {"scheduled", "cancelled"},
    "completed": set(),
    "cancelled": set(),
}
# Key of the PostgreSQL advisory lock that serializes bookings ("WFDR"); SQLite already
# serializes every write transaction.
BOOKING_LOCK = 0x57464452


def check_not_past(starts_at: datetime, clock: Clock) -> None:
    if starts_at < clock.now - clock.skew:
        raise Invalid(
            "starts_at",
            "starts_at is in the past; only a drill recorded as completed may be",
            bare=True,
            details=[field_detail("starts_at", "in the past", "value_error")],
        )


def _check_times(data: DrillIn, clock: Clock) -> None:
    if data.status != "completed":
        check_not_past(data.starts_at, clock)
    elif data.ends_at > clock.now + clock.skew:
        raise Invalid("ends_at", "a drill recorded as completed must have ended already", bare=True)


async def _parties(
    session: AsyncSession, principal: Principal, organizer: str, units: list[str]
) -> tuple[Unit, list[Unit]]:
    found = await get_units(session, [organizer, *units])
    for unit in found.values():
        ensure_sees(principal, unit.path, f"unit {unit.code}")
    participants = [found[code] for code in dict.fromkeys(units) if code != organizer]
    return found[organizer], participants


async def _drilled_plans(session: AsyncSession, principal: Principal, ids: list[int]) -> list[Plan]:
    plans = await queries.plans_by_id(session, ids)
    for plan in plans:
        ensure_sees(principal, plan.unit_path, f"plan {plan.id}")
        if plan.status == "retired":
            raise Invalid("plans", f"plan {plan.id} is retired; drill a plan in force", bare=True)
    return plans


def _conflict_error(conflicts: list[Conflict]) -> Clash:
    more = f" (and {len(conflicts) - 1} more)" if len(conflicts) > 1 else ""
    return Clash(
        f"{conflicts[0].describe()}{more}; send override_reason to book anyway",
        extra={"conflicts": [c.as_dict() for c in conflicts]},
    )


async def _lock_bookings(session: AsyncSession) -> None:
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": BOOKING_LOCK})


async def _check_conflicts(
    session: AsyncSession,
    drill: Drill,
    units: set[str],
    *,
    reason: str | None,
    principal: Principal,
    clock: Clock,
) -> None:
    """409 naming the conflicting drill, unless an allowed role overrides with a reason."""
    await _lock_bookings(session)
    spans = tuple(expand(drill.starts_at, drill.ends_at, drill.rrule, clock.zone))
    horizon = drill.starts_at + timedelta(days=load_rules().drills.horizon_days)
    window = Span(drill.starts_at, drill.series_ends_at or max(horizon, spans[-1].ends_at))
    booking = Booking(
        drill.id, drill.title, frozenset(units), parse_location(drill.location), spans
    )
    others = await queries.bookings(session, window=window, zone=clock.zone)
    conflicts = find_conflicts(booking, others)
    if not conflicts:
        return
    if reason is None:
        raise _conflict_error(conflicts)
    if principal.role not in load_rules().drills.override_roles:
        raise Forbidden(f"role {principal.role} may not override a drill conflict")
    drill.override_reason, drill.override_by = reason, principal.subject
    drill.overridden = sorted({*drill.overridden, *(c.drill_id for c in conflicts)})


async def credit_plans(
    session: AsyncSession, drill: Drill, *, held_until: datetime, clock: Clock, actor: str
) -> None:
    """A held drill counts as the last drill of each plan it exercised."""
    held_on = clock.local_date(min(held_until, clock.now))
    for plan in await queries.plans_of(session, drill.id):
        if plan.last_drilled_on is not None and plan.last_drilled_on >= held_on:
            continue
        plan.last_drilled_on, plan.updated_at = held_on, clock.now
        refresh_due_dates(plan)
        await record_plan_event(session, plan, kind="plan.drilled", actor=actor, drill=drill.id)


def _last_held(drill: Drill, clock: Clock) -> datetime:
    held = expand(
        drill.starts_at,
        drill.ends_at,
        drill.rrule,
        clock.zone,
        window=Span(drill.starts_at, clock.now + clock.skew),
    )
    return held[-1].ends_at if held else drill.ends_at


async def record_drill_event(
    session: AsyncSession, drill: Drill, *, kind: str, actor: str, clock: Clock, **extra: Any
) -> None:
    """One event on the "drills" topic: the drill as the API shows it, with its occurrences
    this week and `today` as in the wall's snapshot, plus what changed."""
    payload = await queries.week_payload(session, drill, now=clock.now, zone=clock.zone)
    payload.update(extra)
    queries.record(session, drill, kind=kind, actor=actor, payload=payload)


async def _link(
    session: AsyncSession, drill: Drill, plans: list[Plan] | None, participants: list[Unit] | None
) -> None:
    if plans is not None:
        await session.execute(delete(DrillPlan).where(DrillPlan.drill_id == drill.id))
        session.add_all(DrillPlan(drill_id=drill.id, plan_id=p.id) for p in plans)
    if participants is not None:
        await session.execute(delete(DrillUnit).where(DrillUnit.drill_id == drill.id))
        session.add_all(DrillUnit(drill_id=drill.id, unit_id=u.id) for u in participants)
    await session.flush()


def _new_drill(data: DrillIn, organizer: Unit, rule: str | None, actor: str, clock: Clock):
    return Drill(
        title=data.title,
        form=data.form,
        scope=data.scope,
        purpose=data.purpose,
        organizer_id=organizer.id,
        organizer_path=organizer.path,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        rrule=rule,
        series_ends_at=series_end(data.starts_at, data.ends_at, rule, clock.zone),
        location=data.location,
        status=data.status,
        status_reason="",
        description=data.description,
        overridden=[],
        sequence=0,
        created_by=actor,
        created_at=clock.now,
        updated_at=clock.now,
    )


async def schedule_drill(
    session: AsyncSession, *, data: DrillIn, principal: Principal, clock: Clock
) -> Drill:
    _check_times(data, clock)
    organizer, participants = await _parties(session, principal, data.organizer, data.units)
    plans = await _drilled_plans(session, principal, data.plans)
    parse_location(data.location)
    rule = check_rule(data.rrule, data.starts_at, data.ends_at, clock.zone) if data.rrule else None
    drill = _new_drill(data, organizer, rule, principal.subject, clock)
    if data.status == "scheduled":
        units = {organizer.code, *(u.code for u in participants)}
        await _check_conflicts(
            session, drill, units, reason=data.override_reason, principal=principal, clock=clock
        )
    session.add(drill)
    await session.flush()
    await _link(session, drill, plans, participants)
    if data.status == "completed":
        await credit_plans(
            session,
            drill,
            held_until=_last_held(drill, clock),
            clock=clock,
            actor=principal.subject,
        )
    kind = "drill.recorded" if data.status == "completed" else "drill.scheduled"
    await record_drill_event(session, drill, kind=kind, actor=principal.subject, clock=clock)
    return drill


def _check_transition(drill: Drill, status: str) -> None:
    if not TRANSITIONS[drill.status]:
        raise Clash(f"drill {drill.id} is {drill.status}; it can no longer change")
    if status != drill.status and status not in TRANSITIONS[drill.status]:
        raise Clash(f"drill {drill.id} is {drill.status}; it cannot become {status}")


def _apply_timing(drill: Drill, changes: dict[str, Any], status: str, clock: Clock) -> bool:
    """Apply new times or rule; True when the drill's booking moved."""
    resumed = drill.status == "postponed" and status == "scheduled"
    if not ({"starts_at", "ends_at", "rrule"} & changes.keys()) and not resumed:
        return False
    if drill.status == "in_progress" and "starts_at" in changes:
        raise Clash(f"drill {drill.id} is in progress; only ends_at can move")
    starts_at = changes.get("starts_at") or drill.starts_at
    ends_at = changes.get("ends_at") or drill.ends_at
    if ends_at <= starts_at:
        raise Invalid("ends_at", "ends_at must be after starts_at", bare=True)
    if status in ("scheduled", "postponed") and ("starts_at" in changes or resumed):
        check_not_past(starts_at, clock)
    if status == "completed" and "ends_at" in changes and ends_at > clock.now + clock.skew:
        raise Invalid("ends_at", "a drill recorded as completed must have ended already", bare=True)
    rule = changes["rrule"] if "rrule" in changes else drill.rrule
    rule = check_rule(rule, starts_at, ends_at, clock.zone) if rule else None
    drill.starts_at, drill.ends_at, drill.rrule = starts_at, ends_at, rule
    drill.series_ends_at = series_end(starts_at, ends_at, rule, clock.zone)
    return True


def _check_completion(drill: Drill, status: str, clock: Clock) -> None:
    if status == "completed" and drill.starts_at > clock.now + clock.skew:
        message = f"drill {drill.id} has not started yet; it cannot be completed"
        raise Invalid("status", message, bare=True)


async def _unit_codes(session: AsyncSession, drill: Drill, participants: list[Unit] | None):
    organizer = await session.get(Unit, drill.organizer_id)
    assert organizer is not None  # foreign key
    if participants is None:
        return {organizer.code, *(await queries.drill_out(session, drill)).units}
    return {organizer.code, *(u.code for u in participants)}


async def _changed_parties(
    session: AsyncSession, drill: Drill, changes: dict[str, Any], principal: Principal
) -> tuple[list[Plan] | None, list[Unit] | None]:
    plans = participants = None
    if "plans" in changes:
        plans = await _drilled_plans(session, principal, changes["plans"])
    if "units" in changes:
        organizer = await session.get(Unit, drill.organizer_id)
        assert organizer is not None  # foreign key
        _, participants = await _parties(session, principal, organizer.code, changes["units"])
    return plans, participants


def _changes(data: DrillPatch) -> dict[str, Any]:
    changes = data.model_dump(exclude_unset=True, exclude={"reason", "override_reason"})
    for name in ("title", "plans", "units", "starts_at", "ends_at", "status", "description"):
        if name in changes and changes[name] is None:
            raise Invalid(name, f"{name} cannot be null", bare=True)
    return changes


def _apply_details(drill: Drill, changes: dict[str, Any]) -> None:
    if "location" in changes:
        parse_location(changes["location"])
        drill.location = changes["location"]
    drill.title = changes.get("title", drill.title)
    drill.description = changes.get("description", drill.description)


async def update_drill(
    session: AsyncSession, *, drill: Drill, data: DrillPatch, principal: Principal, clock: Clock
) -> Drill:
    changes = _changes(data)
    status = changes.get("status", drill.status)
    _check_transition(drill, status)
    moved = _apply_timing(drill, changes, status, clock)
    _check_completion(drill, status, clock)
    plans, participants = await _changed_parties(session, drill, changes, principal)
    _apply_details(drill, changes)
    rebook = moved or "units" in changes or "location" in changes or drill.status == "postponed"
    if status in BOOKED_STATUSES and rebook:
        units = await _unit_codes(session, drill, participants)
        await _check_conflicts(
            session, drill, units, reason=data.override_reason, principal=principal, clock=clock
        )
    previous, drill.status = drill.status, status
    if status != previous:
        drill.status_reason = data.reason or ""
    drill.sequence, drill.updated_at = drill.sequence + 1, clock.now
    await session.flush()
    await _link(session, drill, plans, participants)
    if status == "completed":
        held_until = _last_held(drill, clock)
        await credit_plans(
            session, drill, held_until=held_until, clock=clock, actor=principal.subject
        )
    kind = f"drill.{status}" if status != previous else "drill.updated"
    await record_drill_event(session, drill, kind=kind, actor=principal.subject, clock=clock)
    return drill
