"""The duty roster (值班表): shifts per duty unit with the leader on duty and the officers,
sign-in (签到) when a shift starts, and absences (缺岗) — a shift nobody signed into within
the grace of command/duty/rules.toml. Absence is derived from the shift and its sign-ins
whenever it is read, so it can never disagree with them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from command.auth.guard import ensure_sees, named_unit, subtree_root
from command.auth.service import Principal
from command.db import utcnow
from command.duty.models import Shift, SignIn
from command.duty.placement import check_placement
from command.duty.rules import duty_rules
from command.duty.schemas import ShiftIn, ShiftQuery, SignInIn
from command.errors import Conflict, Invalid, NotFound
from command.events import record_event
from command.units.models import Unit

TOPIC = "duty"
# A shift can be signed into from this long before its start until its end.
EARLY_SIGN_IN = timedelta(hours=1)


@dataclass(frozen=True)
class Problem:
    """What is wrong with one shift of a roster: `field` of the shift at `index`."""

    index: int
    field: str
    message: str


def check_shift(data: ShiftIn, index: int = 0) -> list[Problem]:
    rules = duty_rules().roster
    problems = []
    if data.ends_at <= data.starts_at:
        problems.append(Problem(index, "ends_at", "must be after starts_at"))
    elif data.ends_at - data.starts_at > timedelta(hours=rules.max_shift_hours):
        problems.append(
            Problem(index, "ends_at", f"a shift lasts at most {rules.max_shift_hours} hours")
        )
    if len(data.officers) > rules.max_officers:
        problems.append(
            Problem(index, "officers", f"at most {rules.max_officers} officers per shift")
        )
    return problems


async def create_shift(
    session: AsyncSession, *, data: ShiftIn, principal: Principal, now: datetime
) -> dict[str, Any]:
    unit = await named_unit(session, data.unit, field="unit")
    ensure_sees(principal, unit.path, f"unit {unit.code}")
    if problems := check_shift(data):
        raise Invalid(problems[0].field, problems[0].message)
    await check_placement(session, unit=unit, starts_at=data.starts_at, ends_at=data.ends_at)
    shift = _new_shift(data, unit, principal.subject, now)
    session.add(shift)
    await session.flush()
    view = shift_view(shift, unit, [], now)
    record_shift(session, "shift.created", shift, view, principal.subject)
    return view


def _new_shift(data: ShiftIn, unit: Unit, actor: str, now: datetime) -> Shift:
    return Shift(
        unit_id=unit.id,
        unit_path=unit.path,
        starts_at=data.starts_at.astimezone(UTC),
        ends_at=data.ends_at.astimezone(UTC),
        leader_name=data.leader.name,
        leader_phone=data.leader.phone,
        leader_email=data.leader.email,
        officers=[officer.model_dump() for officer in data.officers],
        line=data.line,
        created_by=actor,
        created_at=now,
    )


async def _overlapping(
    session: AsyncSession, unit_id: int, starts_at: datetime, ends_at: datetime
) -> Shift | None:
    return await session.scalar(
        select(Shift)
        .where(Shift.unit_id == unit_id, Shift.starts_at < ends_at, Shift.ends_at > starts_at)
        .order_by(Shift.starts_at)
        .limit(1)
    )


async def add_shifts(
    session: AsyncSession,
    *,
    shifts: Sequence[ShiftIn],
    units: Sequence[Unit],
    principal: Principal,
    now: datetime,
) -> list[dict[str, Any]]:
    """Insert checked shifts (an import) and record one event for each."""
    views = []
    for data, unit in zip(shifts, units, strict=True):
        shift = _new_shift(data, unit, principal.subject, now)
        session.add(shift)
        await session.flush()
        view = shift_view(shift, unit, [], now)
        record_shift(session, "shift.created", shift, view, principal.subject)
        views.append(view)
    return views


async def list_shifts(
    session: AsyncSession, *, query: ShiftQuery, principal: Principal, now: datetime
) -> list[dict[str, Any]]:
    root = await subtree_root(session, principal, query.unit)
    statement = (
        select(Shift, Unit)
        .join(Unit, Unit.id == Shift.unit_id)
        .where(Shift.unit_path.startswith(root.path, autoescape=True))
    )
    if query.since is not None:
        statement = statement.where(Shift.ends_at > query.since)
    if query.until is not None:
        statement = statement.where(Shift.starts_at < query.until)
    rows = (
        await session.execute(statement.order_by(Shift.starts_at, Shift.id).limit(query.limit))
    ).all()
    sign_ins = await sign_ins_of(session, [shift.id for shift, _ in rows])
    views = [shift_view(shift, unit, sign_ins.get(shift.id, []), now) for shift, unit in rows]
    return views if query.absent is None else [v for v in views if v["absent"] == query.absent]


async def on_duty(
    session: AsyncSession, *, unit_code: str | None, principal: Principal, now: datetime
) -> dict[str, Any]:
    """Who is on duty now at a unit (the caller's own by default), and the next shift."""
    unit = await subtree_root(session, principal, unit_code)
    current, following = await current_and_next(session, unit.id, now)
    sign_ins = await sign_ins_of(session, [s.id for s in (current, following) if s is not None])

    def view(shift: Shift | None) -> dict[str, Any] | None:
        return None if shift is None else shift_view(shift, unit, sign_ins.get(shift.id, []), now)

    return {
        "unit": unit.code,
        "unit_name": unit.name,
        "shift": view(current),
        "next": view(following),
    }


async def current_and_next(
    session: AsyncSession, unit_id: int, now: datetime
) -> tuple[Shift | None, Shift | None]:
    current = await session.scalar(
        select(Shift).where(Shift.unit_id == unit_id, Shift.starts_at <= now, Shift.ends_at > now)
    )
    after = current.ends_at if current is not None else now
    following = await session.scalar(
        select(Shift)
        .where(Shift.unit_id == unit_id, Shift.starts_at >= after)
        .order_by(Shift.starts_at)
        .limit(1)
    )
    return current, following


async def sign_in(
    session: AsyncSession, *, shift_id: int, data: SignInIn, principal: Principal, now: datetime
) -> dict[str, Any]:
    """签到 by the leader or an officer of the shift, from an hour before its start until its
    end; a repeat by the same person answers the first sign-in. The shift is locked, so
    the attendance pass (command/duty/attendance.py) does not judge it meanwhile."""
    shift = await session.get(Shift, shift_id, with_for_update=True)
    if shift is None or not principal.sees(shift.unit_path):
        raise NotFound("shift", shift_id)
    names = {shift.leader_name, *(officer["name"] for officer in shift.officers)}
    if data.name not in names:
        raise Invalid("name", f"{data.name} is not on shift {shift_id}")
    if not shift.starts_at - EARLY_SIGN_IN <= now < shift.ends_at:
        raise Conflict(f"shift {shift_id} is not open for sign-in now", field="name")
    existing = await session.scalar(
        select(SignIn).where(SignIn.shift_id == shift.id, SignIn.name == data.name)
    )
    if existing is None:
        session.add(SignIn(shift_id=shift.id, name=data.name, by=principal.subject, at=now))
        await session.flush()
    unit = await session.get_one(Unit, shift.unit_id)
    view = shift_view(shift, unit, (await sign_ins_of(session, [shift.id])).get(shift.id, []), now)
    if existing is None:
        record_shift(session, "shift.signed_in", shift, view, principal.subject)
    return view


async def sign_ins_of(session: AsyncSession, shift_ids: list[int]) -> dict[int, list[SignIn]]:
    if not shift_ids:
        return {}
    rows = await session.scalars(
        select(SignIn).where(SignIn.shift_id.in_(shift_ids)).order_by(SignIn.at, SignIn.id)
    )
    found: dict[int, list[SignIn]] = {}
    for row in rows:
        found.setdefault(row.shift_id, []).append(row)
    return found


def is_absent(shift: Shift, sign_ins: Sequence[SignIn], now: datetime) -> bool:
    """缺岗: the grace after the start has passed and nobody signed in by then."""
    deadline = shift.starts_at + timedelta(minutes=duty_rules().sign_in.grace_minutes)
    return now >= deadline and not any(s.at <= deadline for s in sign_ins)


def shift_view(
    shift: Shift, unit: Unit, sign_ins: Sequence[SignIn], now: datetime
) -> dict[str, Any]:
    return {
        "id": shift.id,
        "unit": unit.code,
        "unit_name": unit.name,
        "starts_at": shift.starts_at.isoformat(),
        "ends_at": shift.ends_at.isoformat(),
        "leader": {
            "name": shift.leader_name,
            "phone": shift.leader_phone,
            "email": shift.leader_email,
        },
        "officers": list(shift.officers),
        "line": shift.line,
        "sign_ins": [{"name": s.name, "by": s.by, "at": s.at.isoformat()} for s in sign_ins],
        "absent": is_absent(shift, sign_ins, now),
    }


def record_shift(
    session: AsyncSession, kind: str, shift: Shift, view: dict[str, Any], actor: str
) -> None:
    record_event(
        session,
        topic=TOPIC,
        kind=kind,
        entity=f"shift:{shift.id}",
        unit_path=shift.unit_path,
        payload=view,
        actor=actor,
    )


async def import_roster(
    session: AsyncSession,
    *,
    rows: Sequence[Any],
    problems: Sequence[Problem],
    principal: Principal,
    now: datetime,
) -> list[dict[str, Any]]:
    """Import a roster's shifts all together or not at all: every problem of every row
    (unknown units, overlaps within the file or with stored shifts, gaps in 24-hour duty)
    is refused at once, each naming its row."""
    found = list(problems)
    units: dict[str, Unit | None] = {}
    for row in rows:
        code = row.shift.unit
        if code not in units:
            units[code] = await _importable_unit(session, code, principal)
        if units[code] is None:
            found.append(Problem(row.row, "unit", f"unit {code} does not exist in your subtree"))
        found += check_shift(row.shift, row.row)
    found += _clashes_within(rows)
    for row in rows:
        unit = units.get(row.shift.unit)
        if unit is not None and (
            other := await _overlapping(session, unit.id, row.shift.starts_at, row.shift.ends_at)
        ):
            found.append(Problem(row.row, "starts_at", f"overlaps stored shift {other.id}"))
    if found:
        raise _refusal(found)
    if not rows:
        raise Invalid("file", "the roster holds no shift")
    return await add_shifts(
        session,
        shifts=[row.shift for row in rows],
        units=[units[row.shift.unit] for row in rows],
        principal=principal,
        now=now,
    )


async def _importable_unit(session: AsyncSession, code: str, principal: Principal) -> Unit | None:
    unit = await session.scalar(select(Unit).where(Unit.code == code))
    return unit if unit is not None and principal.sees(unit.path) else None


def _clashes_within(rows: Sequence[Any]) -> list[Problem]:
    """Overlaps between a file's shifts of one unit, and gaps where duty is continuous."""
    continuous = duty_rules().roster.continuous
    problems = []
    by_unit: dict[str, list[Any]] = {}
    for row in rows:
        by_unit.setdefault(row.shift.unit, []).append(row)
    for unit_rows in by_unit.values():
        ordered = sorted(unit_rows, key=lambda r: r.shift.starts_at)
        for before, after in zip(ordered, ordered[1:], strict=False):
            if after.shift.starts_at < before.shift.ends_at:
                problems.append(Problem(after.row, "starts_at", f"overlaps row {before.row}"))
            elif continuous and after.shift.starts_at > before.shift.ends_at:
                problems.append(
                    Problem(after.row, "starts_at", f"leaves a gap in duty after row {before.row}")
                )
    return problems


def _refusal(problems: Sequence[Problem]) -> Invalid:
    ordered = sorted(problems, key=lambda p: (p.index, p.field))
    details = [
        {"field": f"rows.{p.index}.{p.field}", "message": p.message, "type": "roster"}
        for p in ordered
    ]
    first = ordered[0]
    return Invalid(
        None,
        code="roster_refused",
        message=f"the roster was not imported: {len(ordered)} problem(s); "
        f"first, row {first.index} {first.field}: {first.message}",
        details=details,
    )


# The 'duty' topic's snapshot: the shifts on duty now and those starting within this long.
SNAPSHOT_AHEAD = timedelta(hours=24)


async def on_duty_snapshot(
    *, session: AsyncSession, unit_path: str, **_context: Any
) -> list[dict[str, Any]]:
    """Shifts of the subtree's duty units on now or starting within a day, in order: the
    wall header and the desk show who is on duty from these."""
    now = utcnow()
    rows = (
        await session.execute(
            select(Shift, Unit)
            .join(Unit, Unit.id == Shift.unit_id)
            .where(
                Shift.unit_path.startswith(unit_path, autoescape=True),
                Shift.ends_at > now,
                Shift.starts_at <= now + SNAPSHOT_AHEAD,
            )
            .order_by(Shift.starts_at, Shift.id)
            .limit(500)
        )
    ).all()
    sign_ins = await sign_ins_of(session, [shift.id for shift, _ in rows])
    return [shift_view(shift, unit, sign_ins.get(shift.id, []), now) for shift, unit in rows]
