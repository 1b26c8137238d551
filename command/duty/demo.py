"""The demo roster of 黑河市 (demo.toml): day and night shifts at the city centre and two
county offices around today, so the wall and the desk show who is on duty; the shifts
begun so far were signed into five minutes after their start. Idempotent: a shift
already on the roster is left as it is."""

from __future__ import annotations

import tomllib
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from command.config import settings_of
from command.db import utcnow
from command.duty.models import Shift, SignIn
from command.units.models import Unit

DATA = Path(__file__).with_name("demo.toml")
ACTOR = "system:demo"
DAYS = range(-1, 4)
SHIFTS = ((time(8), time(20)), (time(20), time(8)))
SIGNED_IN_AFTER = timedelta(minutes=5)


def _people(pairs: list[list[str]]) -> list[dict[str, str]]:
    return [{"name": name, "phone": phone, "email": ""} for name, phone in pairs]


def _shifts(today: Any, zone: Any) -> list[tuple[datetime, datetime, int]]:
    found = []
    for day in DAYS:
        date = today + timedelta(days=day)
        for turn, (start, end) in enumerate(SHIFTS):
            starts_at = datetime.combine(date, start, zone)
            ends_at = datetime.combine(date + timedelta(days=1 if end <= start else 0), end, zone)
            found.append((starts_at, ends_at, 2 * (day + 1) + turn))
    return found


async def load(session: AsyncSession) -> None:
    zone = settings_of(session).zone
    today = utcnow().astimezone(zone).date()
    for entry in tomllib.loads(DATA.read_text(encoding="utf-8"))["unit"]:
        unit = await session.scalar(select(Unit).where(Unit.code == entry["code"]))
        if unit is None:
            continue
        leaders, officers = _people(entry["leaders"]), _people(entry["officers"])
        for starts_at, ends_at, turn in _shifts(today, zone):
            exists = await session.scalar(
                select(Shift.id).where(Shift.unit_id == unit.id, Shift.starts_at == starts_at)
            )
            if exists is not None:
                continue
            leader = leaders[turn % len(leaders)]
            pair = [officers[(2 * turn) % len(officers)], officers[(2 * turn + 1) % len(officers)]]
            shift = Shift(
                unit_id=unit.id,
                unit_path=unit.path,
                starts_at=starts_at,
                ends_at=ends_at,
                leader_name=leader["name"],
                leader_phone=leader["phone"],
                leader_email="",
                officers=[dict(p) for p in {p["name"]: p for p in pair}.values()],
                line=entry["line"],
                created_by=ACTOR,
            )
            session.add(shift)
            if starts_at + SIGNED_IN_AFTER <= utcnow():
                await session.flush()
                at = starts_at + SIGNED_IN_AFTER
                for who in (leader, pair[0]):
                    session.add(SignIn(shift_id=shift.id, name=who["name"], by=ACTOR, at=at))
    await session.flush()
