"""One pass of the deadline engine: claim the obligations whose next mark has come, make
each mark once, record its event, and apply what a missed obligation entails.

Rows are claimed with `SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL, so that several
processes share the work without ever taking the same row; on SQLite the pass runs in a
`BEGIN IMMEDIATE` transaction (Database.write), which no other writer can enter. The
marks are written with one executemany UPDATE and the events with one batched INSERT.
"""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from command.deadlines import service, verdicts
from command.deadlines.models import Obligation
from command.deadlines.present import obligation_view
from command.deadlines.schedule import MISSED, Marks, advance
from command.events import Event
from command.incidents.models import Incident
from command.units.models import Unit

ACTOR = "system:deadlines"
_obligations = Obligation.__table__
_reporter = Unit.__table__.alias("reporter")
_recipient = Unit.__table__.alias("recipient")

_MARK = (
    update(_obligations)
    .where(_obligations.c.id == bindparam("oid"))
    .values(
        state=bindparam("new_state"),
        warned_at=bindparam("new_warned_at"),
        overdue_at=bindparam("new_overdue_at"),
        missed_at=bindparam("new_missed_at"),
        next_at=bindparam("new_next_at"),
    )
)


def claim_query(now: datetime, limit: int) -> Any:
    return (
        select(
            _obligations,
            _reporter.c.code.label("unit_code"),
            _recipient.c.code.label("to_unit_code"),
        )
        .join(_reporter, _reporter.c.id == _obligations.c.unit_id)
        .join(_recipient, _recipient.c.id == _obligations.c.to_unit_id)
        .where(_obligations.c.next_at <= now)
        .order_by(_obligations.c.next_at)
        .limit(limit)
        .with_for_update(skip_locked=True, of=_obligations)
    )


async def next_mark(session: AsyncSession) -> datetime | None:
    """When the earliest mark still to make falls due."""
    return await session.scalar(select(func.min(Obligation.next_at)))


def _marks(row: Any) -> Marks:
    return Marks(
        warn_at=row.warn_at,
        due_at=row.due_at,
        miss_at=row.miss_at,
        state=row.state,
        warned_at=row.warned_at,
        overdue_at=row.overdue_at,
        missed_at=row.missed_at,
    )


def _changes(row: Any, marks: Marks) -> dict[str, Any]:
    return {
        "oid": row.id,
        "new_state": marks.state,
        "new_warned_at": marks.warned_at,
        "new_overdue_at": marks.overdue_at,
        "new_missed_at": marks.missed_at,
        "new_next_at": marks.next_at,
    }


def _events(row: Any, kinds: list[str], marks: Marks, now: datetime) -> list[Event]:
    after = SimpleNamespace(**{**row._mapping, **_changes(row, marks)})
    for name in ("state", "warned_at", "overdue_at", "missed_at", "next_at"):
        setattr(after, name, getattr(after, f"new_{name}"))
    payload = obligation_view(after, row.unit_code, row.to_unit_code, now)
    return [
        Event(
            topic="deadlines",
            kind=kind,
            entity=f"obligation:{row.id}",
            unit_path=row.unit_path,
            payload=payload,
            actor=ACTOR,
            at=now,
        )
        for kind in kinds
    ]


async def _record(session: AsyncSession, events: list[Event]) -> None:
    if not events:
        return
    session.add_all(events)
    await session.flush()
    session.info.setdefault("events", []).extend(events)


async def _after_missed(session: AsyncSession, row: Any, now: datetime) -> None:
    """A missed follow-up schedules the next one; the incident's own unit missing its
    initial report, while the centre knows of the incident from elsewhere, is a 瞒报
    candidate for a person to judge."""
    if row.kind == "followup":
        incident = await session.get_one(Incident, row.incident_id)
        ctx = await service.load_context(session, incident, actor=ACTOR, now=now)
        await service.ensure_followup(session, ctx)
    if row.known_elsewhere and not row.exercise:
        await verdicts.flag_concealment(session, obligation_id=row.id, actor=ACTOR, now=now)


async def run_pass(session: AsyncSession, *, now: datetime, limit: int) -> int:
    """Make the marks due at `now` on up to `limit` obligations; returns how many rows
    were claimed."""
    rows = (await session.execute(claim_query(now, limit))).all()
    changes, events, missed = [], [], []
    for row in rows:
        kinds, marks = advance(_marks(row), now)
        changes.append(_changes(row, marks))
        events += _events(row, kinds, marks, now)
        if MISSED in kinds:
            missed.append(row)
    if changes:
        await session.execute(_MARK, changes)
    await _record(session, events)
    for row in missed:
        await _after_missed(session, row, now)
    return len(rows)
