"""Editing the roster shift by shift (the roster page): change a shift's times, leader,
officers or line, or take it off the roster, with the same checks as adding one (no
overlap, no hole in continuous duty). What has happened stays as it was: a shift that
has ended is the record of that duty and is not changed; one that has begun keeps its
start and stays on the roster (its sign-ins and absence count)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from command.auth.service import Principal
from command.duty.models import Handover, Shift
from command.duty.placement import check_placement
from command.duty.roster import check_shift, record_shift, shift_view, sign_ins_of
from command.duty.schemas import ShiftIn
from command.errors import Conflict, Invalid, NotFound
from command.units.models import Unit


async def _editable(
    session: AsyncSession, shift_id: int, principal: Principal, now: datetime
) -> tuple[Shift, Unit]:
    shift = await session.get(Shift, shift_id, with_for_update=True)
    if shift is None or not principal.sees(shift.unit_path):
        raise NotFound("shift", shift_id)
    if shift.ends_at <= now:
        raise Conflict(
            f"shift {shift_id} has ended: it is the record of that duty", code="shift_past"
        )
    return shift, await session.get_one(Unit, shift.unit_id)


async def get_shift(
    session: AsyncSession, *, shift_id: int, principal: Principal, now: datetime
) -> dict[str, Any]:
    shift = await session.get(Shift, shift_id)
    if shift is None or not principal.sees(shift.unit_path):
        raise NotFound("shift", shift_id)
    unit = await session.get_one(Unit, shift.unit_id)
    return shift_view(shift, unit, (await sign_ins_of(session, [shift.id])).get(shift.id, []), now)


async def update_shift(
    session: AsyncSession, *, shift_id: int, data: ShiftIn, principal: Principal, now: datetime
) -> dict[str, Any]:
    shift, unit = await _editable(session, shift_id, principal, now)
    if data.unit != unit.code:
        raise Invalid("unit", f"shift {shift_id} belongs to unit {unit.code}")
    if problems := check_shift(data):
        raise Invalid(problems[0].field, problems[0].message)
    starts_at, ends_at = data.starts_at.astimezone(UTC), data.ends_at.astimezone(UTC)
    if shift.starts_at <= now and starts_at != shift.starts_at:
        raise Conflict(
            f"shift {shift_id} has begun: its start stays", code="shift_started", field="starts_at"
        )
    await check_placement(session, unit=unit, starts_at=starts_at, ends_at=ends_at, moving=shift)
    shift.starts_at, shift.ends_at = starts_at, ends_at
    shift.leader_name, shift.leader_phone = data.leader.name, data.leader.phone
    shift.leader_email = data.leader.email
    shift.officers = [officer.model_dump() for officer in data.officers]
    shift.line = data.line
    await session.flush()
    sign_ins = (await sign_ins_of(session, [shift.id])).get(shift.id, [])
    view = shift_view(shift, unit, sign_ins, now)
    record_shift(session, "shift.updated", shift, view, principal.subject)
    return view


async def remove_shift(
    session: AsyncSession, *, shift_id: int, principal: Principal, now: datetime
) -> dict[str, Any]:
    shift, unit = await _editable(session, shift_id, principal, now)
    signed_in = (await sign_ins_of(session, [shift.id])).get(shift.id)
    if shift.starts_at <= now or signed_in:
        raise Conflict(
            f"shift {shift_id} has begun (or been signed into): it stays on the roster",
            code="shift_started",
        )
    handed = await session.scalar(
        select(Handover.id).where(
            or_(Handover.to_shift_id == shift.id, Handover.from_shift_id == shift.id)
        )
    )
    if handed is not None:
        raise Conflict(
            f"duty was handed over to shift {shift_id} (handover {handed}): it stays",
            code="shift_started",
        )
    await check_placement(session, unit=unit, starts_at=None, ends_at=None, moving=shift)
    view = {**shift_view(shift, unit, [], now), "removed": True}
    record_shift(session, "shift.removed", shift, view, principal.subject)
    await session.delete(shift)
    await session.flush()
    return view
