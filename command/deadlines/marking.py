"""One pass of the deadline engine: claim the obligations whose next mark has come, make
each mark once, record its event, and apply what a missed obligation entails.

Rows are claimed with `SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL, so that several
processes share the work without ever taking the same row; on SQLite the pass runs in a
`BEGIN IMMEDIATE` transaction (Database.write), which no other writer can enter. Every
mark of a pass carries the pass's instant, so the rows that take the same marks are
written by one `UPDATE … WHERE id IN (…)`, and the events by one batched INSERT.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from command.db import Database
from command.deadlines import service, verdicts
from command.deadlines.models import Obligation
from command.deadlines.present import obligation_view
from command.deadlines.schedule import MISSED, OVERDUE, WARNING, Marks, advance
from command.events import record_event
from command.incidents.models import Incident
from command.units.models import Unit

log = structlog.get_logger("watchfloor.deadlines")
ACTOR = "system:deadlines"
_obligations = Obligation.__table__
_reporter = Unit.__table__.alias("reporter")
_recipient = Unit.__table__.alias("recipient")
_CLAIMED = [
    _obligations.c[name]
    for name in (
        *("id", "incident_id", "unit_path", "kind", "channel", "seq", "rule", "level", "link"),
        *("starts_at", "due_at", "warn_at", "miss_at", "state", "warned_at", "overdue_at"),
        *("missed_at", "met_at", "report_id", "missing_facts", "known_elsewhere", "exercise"),
        *("direct", "trigger"),
    )
]
# After the last mark of a pass, the mark that comes next (the column holding its time).
_NEXT = {WARNING: _obligations.c.due_at, OVERDUE: _obligations.c.miss_at, MISSED: None}


def claim_query(now: datetime, limit: int) -> Any:
    return (
        select(
            *_CLAIMED,
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
        row.warn_at,
        row.due_at,
        row.miss_at,
        row.state,
        row.warned_at,
        row.overdue_at,
        row.missed_at,
    )


def _values(kinds: tuple[str, ...], now: datetime) -> dict[str, Any]:
    """The columns a group of rows taking the same marks at `now` is updated with."""
    values: dict[str, Any] = {"next_at": _NEXT[kinds[-1]] if kinds else None}
    if WARNING in kinds:
        values["warned_at"] = now
    if OVERDUE in kinds:
        values["overdue_at"] = now
    if MISSED in kinds:
        values.update(missed_at=now, state="missed")
    return values


def _events(row: Any, kinds: tuple[str, ...], marks: Marks, now: datetime) -> list[dict]:
    payload = obligation_view(
        row, row.unit_code, row.to_unit_code, now, state=marks.state, missed_at=marks.missed_at
    )
    entity = f"obligation:{row.id}"
    return [
        {
            "topic": "deadlines",
            "kind": kind,
            "entity": entity,
            "unit_path": row.unit_path,
            "payload": payload,
            "actor": ACTOR,
            "at": now,
        }
        for kind in kinds
    ]


def _record(session: AsyncSession, events: list[dict[str, Any]]) -> None:
    """The pass's events; inserted in one batched statement as the pass commits."""
    for event in events:
        record_event(session, **event)


async def _write_marks(
    session: AsyncSession, groups: dict[tuple[str, ...], list[int]], now: datetime
) -> None:
    for kinds, ids in groups.items():
        if not kinds:
            log.warning("claimed obligations had no mark due; clearing", ids=ids[:20])
        await session.execute(
            update(_obligations).where(_obligations.c.id.in_(ids)).values(_values(kinds, now))
        )


async def _after_missed(session: AsyncSession, row: Any, now: datetime) -> None:
    """The incident's own unit missing its initial report, while the centre knows of the
    incident from elsewhere, is a 瞒报 candidate for a person to judge."""
    if row.known_elsewhere and not row.exercise:
        await verdicts.flag_concealment(session, obligation_id=row.id, actor=ACTOR, now=now)


@dataclass
class Pass:
    claimed: int
    # Incidents whose follow-up was missed: the next one is scheduled after the commit.
    followups: set[int]


async def run_pass(session: AsyncSession, *, now: datetime, limit: int) -> Pass:
    """Make the marks due at `now` on up to `limit` obligations."""
    rows = (await session.execute(claim_query(now, limit))).all()
    groups: dict[tuple[str, ...], list[int]] = defaultdict(list)
    events, missed = [], []
    for row in rows:
        kinds, marks = advance(_marks(row), now)
        groups[kinds].append(row.id)
        events += _events(row, kinds, marks, now)
        if MISSED in kinds:
            missed.append(row)
    await _write_marks(session, groups, now)
    _record(session, events)
    for row in missed:
        await _after_missed(session, row, now)
    return Pass(len(rows), {row.incident_id for row in missed if row.kind == "followup"})


async def schedule_followup(session: AsyncSession, incident_id: int, now: datetime) -> None:
    """The next follow-up of an open incident whose last one was missed. Its own
    transaction, locking the incident before its obligations as the hooks do: taking
    the incident while holding claimed rows could deadlock with a report coming in."""
    incident = await session.get_one(Incident, incident_id)
    ctx = await service.load_context(session, incident, actor=ACTOR, now=now)
    service.ensure_followup(session, ctx)
    await service.settle(session, ctx)


async def mark_due(db: Database, *, now: datetime, limit: int) -> int:
    """One pass in its transaction, then the follow-ups it calls for; returns the rows
    claimed."""
    async with db.write() as session:
        done = await run_pass(session, now=now, limit=limit)
    for incident_id in sorted(done.followups):
        async with db.write() as session:
            await schedule_followup(session, incident_id, now)
    return done.claimed


async def stalled_followups(session: AsyncSession) -> list[int]:
    """Open incidents whose latest follow-up is missed with none after it: what a crash
    between a pass and its follow-up scheduling leaves behind."""
    followups = (Obligation.kind == "followup", Obligation.withdrawn_at.is_(None))
    latest = (
        select(Obligation.incident_id, func.max(Obligation.seq).label("seq"))
        .where(*followups)
        .group_by(Obligation.incident_id)
        .subquery()
    )
    query = (
        select(Obligation.incident_id)
        .join(
            latest,
            (latest.c.incident_id == Obligation.incident_id) & (latest.c.seq == Obligation.seq),
        )
        .join(Incident, Incident.id == Obligation.incident_id)
        .where(*followups, Obligation.state == "missed", Incident.status != "closed")
    )
    return list((await session.scalars(query)).all())


async def recover_followups(db: Database, now: datetime) -> int:
    async with db.read() as session:
        stalled = await stalled_followups(session)
    for incident_id in stalled:
        async with db.write() as session:
            await schedule_followup(session, incident_id, now)
    return len(stalled)
