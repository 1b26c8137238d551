"""The attendance pass: once a shift's sign-in grace (command/duty/rules.toml) has passed,
its attendance is recorded, once: "present" when someone on it signed in within the
grace, else "absent" (缺岗) with a durable shift.absent event on topic duty (the desk and
the wall update live; the year-end assessment counts the same shifts).

The shifts are claimed with `SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL and the mark
is made only where none was (`attendance IS NULL`), so two processes never record a
shift twice; on SQLite the pass runs in a `BEGIN IMMEDIATE` transaction. A restart finds
what fell due while the process was down. The worker is command/marks.py's.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.applications import Starlette

from command.db import Database
from command.duty.models import Shift
from command.duty.roster import is_absent, record_shift, shift_view, sign_ins_of
from command.duty.rules import duty_rules
from command.marks import MarkWorker
from command.units.models import Unit

ACTOR = "system:duty"
BATCH = 200
PRESENT, ABSENT = "present", "absent"


def _grace() -> timedelta:
    return timedelta(minutes=duty_rules().sign_in.grace_minutes)


async def run_pass(session: AsyncSession, *, now: datetime, limit: int = BATCH) -> int:
    """Record the attendance of each shift whose grace passed by `now`; how many shifts."""
    shifts = list(
        await session.scalars(
            select(Shift)
            .where(Shift.attendance.is_(None), Shift.starts_at <= now - _grace())
            .order_by(Shift.starts_at, Shift.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    signed = await sign_ins_of(session, [shift.id for shift in shifts])
    for shift in shifts:
        sign_ins = signed.get(shift.id, [])
        outcome = ABSENT if is_absent(shift, sign_ins, now) else PRESENT
        marked = await session.execute(
            update(Shift)
            .where(Shift.id == shift.id, Shift.attendance.is_(None))
            .values(attendance=outcome)
            .execution_options(synchronize_session=False)
        )
        if not marked.rowcount or outcome == PRESENT:
            continue
        unit = await session.get_one(Unit, shift.unit_id)
        record_shift(session, "shift.absent", shift, shift_view(shift, unit, sign_ins, now), ACTOR)
    return len(shifts)


async def mark_due(db: Database, now: datetime) -> int:
    async with db.write() as session:
        return await run_pass(session, now=now)


async def next_due(session: AsyncSession) -> datetime | None:
    """When the earliest shift not yet looked at reaches the end of its grace."""
    start = await session.scalar(
        select(func.min(Shift.starts_at)).where(Shift.attendance.is_(None))
    )
    return None if start is None else start + _grace()


async def start(app: Starlette) -> None:
    worker = MarkWorker(
        app.state.db,
        name="duty-attendance",
        max_sleep=app.state.settings.engine_max_sleep,
        next_due=next_due,
        mark_due=mark_due,
    )
    app.state.duty_attendance = worker
    worker.start()


async def stop(app: Starlette) -> None:
    worker: MarkWorker | None = getattr(app.state, "duty_attendance", None)
    if worker is not None:
        await worker.stop()
        app.state.duty_attendance = None
