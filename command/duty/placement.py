"""Where a shift may stand in its unit's roster: never over another shift, and — where
duty is continuous (rules.toml) — never leaving a hole in it. A hole is a gap between
two consecutive shifts shorter than the longest shift: someone forgot a shift; a longer
pause is the end of one roster and the start of another. Only a gap the change makes
counts, so an old roster's holes never block a new edit. The errors name the shift in
the way, so that a page can say which one in its own language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from command.duty.models import Shift
from command.duty.rules import duty_rules
from command.errors import Conflict, Invalid
from command.units.models import Unit

# Rosters are kept to the minute: less than that between two shifts is no hole.
SLACK = timedelta(minutes=1)


@dataclass(frozen=True)
class Span:
    starts_at: datetime
    ends_at: datetime
    shift: Shift | None  # None: the shift being placed


def shift_ref(shift: Shift) -> dict[str, object]:
    """The shift an error names (in its details): its id, times and leader."""
    return {
        "id": shift.id,
        "starts_at": shift.starts_at.isoformat(),
        "ends_at": shift.ends_at.isoformat(),
        "leader": shift.leader_name,
    }


async def check_placement(
    session: AsyncSession,
    *,
    unit: Unit,
    starts_at: datetime | None,
    ends_at: datetime | None,
    moving: Shift | None = None,
) -> None:
    """Refuse a shift at [starts_at, ends_at) (None: `moving` is removed) that overlaps a
    stored shift of the unit or opens a hole in continuous duty."""
    if starts_at is not None and ends_at is not None:
        await _refuse_overlap(session, unit, starts_at, ends_at, moving)
    if duty_rules().roster.continuous:
        await _refuse_hole(session, unit, starts_at, ends_at, moving)


async def _refuse_overlap(
    session: AsyncSession,
    unit: Unit,
    starts_at: datetime,
    ends_at: datetime,
    moving: Shift | None,
) -> None:
    query = select(Shift).where(
        Shift.unit_id == unit.id, Shift.starts_at < ends_at, Shift.ends_at > starts_at
    )
    if moving is not None:
        query = query.where(Shift.id != moving.id)
    other = await session.scalar(query.order_by(Shift.starts_at).limit(1))
    if other is None:
        return
    message = (
        f"the shift overlaps shift {other.id} of unit {unit.code} "
        f"({other.starts_at.isoformat()} – {other.ends_at.isoformat()})"
    )
    detail = {"field": "starts_at", "message": message, "type": "overlap"}
    raise Conflict(message, code="shift_overlap", details=[detail | {"shift": shift_ref(other)}])


def _holes(spans: list[Span], limit: timedelta) -> list[tuple[Span, Span]]:
    ordered = sorted(spans, key=lambda span: span.starts_at)
    return [
        (before, after)
        for before, after in zip(ordered, ordered[1:], strict=False)
        if SLACK <= after.starts_at - before.ends_at < limit
    ]


def _key(pair: tuple[Span, Span]) -> tuple[datetime, datetime]:
    return pair[0].ends_at, pair[1].starts_at


async def _refuse_hole(
    session: AsyncSession,
    unit: Unit,
    starts_at: datetime | None,
    ends_at: datetime | None,
    moving: Shift | None,
) -> None:
    limit = timedelta(hours=duty_rules().roster.max_shift_hours)
    edges = [t for t in (starts_at, ends_at) if t is not None]
    if moving is not None:
        edges += [moving.starts_at, moving.ends_at]
    reach = 2 * limit
    rows = await session.scalars(
        select(Shift).where(
            Shift.unit_id == unit.id,
            Shift.ends_at > min(edges) - reach,
            Shift.starts_at < max(edges) + reach,
        )
    )
    stored = [Span(s.starts_at, s.ends_at, s) for s in rows]
    before = {_key(pair) for pair in _holes(stored, limit)}
    after = [span for span in stored if moving is None or span.shift.id != moving.id]
    if starts_at is not None and ends_at is not None:
        after.append(Span(starts_at, ends_at, None))
    for pair in _holes(after, limit):
        if _key(pair) in before:
            continue
        neighbour = pair[0].shift or pair[1].shift
        field = "starts_at" if pair[1].shift is None else "ends_at"
        if starts_at is None:
            field = "shift"
        message = (
            f"leaves a gap in duty from {pair[0].ends_at.isoformat()} "
            f"to {pair[1].starts_at.isoformat()} (next to shift {neighbour.id})"
        )
        detail = {
            "field": field,
            "message": message,
            "type": "gap",
            "shift": shift_ref(neighbour),
            "gap": {"from": pair[0].ends_at.isoformat(), "to": pair[1].starts_at.isoformat()},
        }
        raise Invalid(field, message, code="shift_gap", details=[detail])
