"""Duty absences (缺岗) of a subtree in a period: shifts that began in it and that nobody
signed in for within the grace (the year-end assessment deducts per absence)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from command.duty.models import Shift, SignIn
from command.duty.roster import is_absent
from command.units.models import Unit


async def absences(
    session: AsyncSession, *, root_path: str, start: datetime, end: datetime, now: datetime
) -> list[dict[str, Any]]:
    rows = (
        await session.execute(
            select(Shift, Unit.code)
            .join(Unit, Unit.id == Shift.unit_id)
            .where(Shift.unit_path.startswith(root_path, autoescape=True))
            .where(Shift.starts_at >= start, Shift.starts_at < end)
            .order_by(Shift.starts_at, Shift.id)
        )
    ).all()
    ids = [shift.id for shift, _ in rows]
    sign_ins: dict[int, list[SignIn]] = {}
    if ids:
        for row in await session.scalars(select(SignIn).where(SignIn.shift_id.in_(ids))):
            sign_ins.setdefault(row.shift_id, []).append(row)
    return [
        {
            "type": "shift",
            "id": shift.id,
            "unit": code,
            "starts_at": shift.starts_at.isoformat(),
            "ends_at": shift.ends_at.isoformat(),
            "leader": shift.leader_name,
        }
        for shift, code in rows
        if is_absent(shift, sign_ins.get(shift.id, []), now)
    ]
