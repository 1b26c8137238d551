"""Publishing committed events to the bus, marking them published, sweeping up misses.

`Database.write()` calls the publisher after each commit. A failed publication is left to
the sweeper rather than raised: the change is committed, and failing the request would
make the client retry a write that succeeded. The marks are written in batches by
realtime/service.py, not one write per event. Delivery is at least once: a crash
between publication and marking republishes the event, and clients drop duplicates by
event id.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

import structlog
from sqlalchemy import select, update

from command.db import Database, utcnow
from command.events import Event
from command.metrics import EVENTS_PUBLISHED
from realtime.bus import Bus, BusUnavailable

log = structlog.get_logger("watchfloor.realtime")
MARK_BATCH = 500
# Marks waiting for a database that is down: past this, the sweeper's republication
# (a duplicate clients drop) costs less than holding ids without bound.
MAX_PENDING_MARKS = 100_000


class Publisher:
    """The `Database.on_events` hook: publish after commit, remember what to mark."""

    def __init__(self, bus: Bus) -> None:
        self.bus = bus
        self._published: list[int] = []

    async def __call__(self, events: list[Event]) -> None:
        try:
            await self.bus.publish([event.message() for event in events])
        except BusUnavailable as exc:
            log.warning("events left for the sweeper", count=len(events), error=str(exc))
            return
        EVENTS_PUBLISHED.inc(len(events))
        self._published.extend(event.id for event in events)

    def take_published(self) -> list[int]:
        ids, self._published = self._published, []
        return ids

    def give_back(self, ids: list[int]) -> None:
        room = MAX_PENDING_MARKS - len(self._published)
        self._published.extend(ids[: max(room, 0)])


def _chunks(ids: list[int], size: int) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


async def mark_published(db: Database, ids: list[int]) -> None:
    now = utcnow()
    async with db.write() as session:
        for chunk in _chunks(ids, MARK_BATCH):
            await session.execute(
                update(Event.__table__).where(Event.id.in_(chunk)).values(published_at=now)
            )


async def settle_backlog(db: Database) -> int:
    """Mark every committed, unpublished event published without publishing it."""
    async with db.write() as session:
        result = await session.execute(
            update(Event.__table__)
            .where(Event.published_at.is_(None))
            .values(published_at=utcnow())
        )
    return result.rowcount


async def sweep_unpublished(
    db: Database, bus: Bus, *, older_than: float, limit: int, topic: str | None = None
) -> int:
    """Republish committed events still unpublished after `older_than` seconds.

    A read looks first, so that the usual empty round never takes the write lock (on
    SQLite, the one writer every request queues for). The rows then stay locked until they
    are marked (SKIP LOCKED on PostgreSQL): two processes sweeping at once do not both
    republish them. `topic` limits the sweep to one topic's events.
    """
    missed = (Event.published_at.is_(None), Event.at < utcnow() - timedelta(seconds=older_than))
    if topic is not None:
        missed += (Event.topic == topic,)
    async with db.read() as session:
        if await session.scalar(select(Event.id).where(*missed).limit(1)) is None:
            return 0
    async with db.write() as session:
        rows = (
            await session.scalars(
                select(Event)
                .where(*missed)
                .order_by(Event.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        ).all()
        if not rows:
            return 0
        await bus.publish([row.message() for row in rows])
        await session.execute(
            update(Event.__table__)
            .where(Event.id.in_([row.id for row in rows]))
            .values(published_at=utcnow())
        )
    EVENTS_PUBLISHED.inc(len(rows))
    return len(rows)
