"""The topics a screen may subscribe to: who may read each, and its current state.

Each domain owns the snapshot of its topic; this module only maps topics to them and
reads them all in one consistent database snapshot.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from command.db import Database
from command.deadlines import snapshot as deadline_snapshot
from command.events import Event
from command.incidents import snapshot as incident_snapshot
from command.units.models import Unit
from command.units.service import to_out
from plans import snapshot as plan_snapshot

Snapshot = Callable[..., Awaitable[list[dict[str, Any]]]]


async def units(*, session: AsyncSession, unit_path: str) -> list[dict[str, Any]]:
    """The organization tree under `unit_path`: where the map draws each unit."""
    rows = await session.scalars(
        select(Unit).where(Unit.path.startswith(unit_path, autoescape=True)).order_by(Unit.path)
    )
    return [to_out(unit).model_dump() for unit in rows]


# topic -> (capability needed to subscribe, current state of the topic)
TOPICS: dict[str, tuple[str, Snapshot]] = {
    "incidents": ("incidents.read", incident_snapshot.incidents),
    "deadlines": ("deadlines.read", deadline_snapshot.deadlines),
    "drills": ("drills.read", plan_snapshot.drills),
    "plans": ("plans.read", plan_snapshot.plans),
    "units": ("units.read", units),
}


def capability(topic: str) -> str:
    return TOPICS[topic][0]


async def read_snapshot(
    db: Database,
    *,
    topics: Collection[str],
    unit_path: str,
    queued_event_ids: Callable[[], set[int]],
) -> tuple[dict[str, list[dict[str, Any]]], set[int]]:
    """The state of each topic under `unit_path`, read in one database snapshot, and which
    of the events already queued for the screen that snapshot reflects (not to resend)."""
    async with db.read() as session:
        await _repeatable_read(session)
        state = {
            topic: await TOPICS[topic][1](session=session, unit_path=unit_path) for topic in topics
        }
        reflected = await _visible(session, queued_event_ids())
    return state, reflected


async def _repeatable_read(session: AsyncSession) -> None:
    # PostgreSQL's default gives each statement its own snapshot; the topics and the
    # reflected-events check must all see the same moment. SQLite's read transaction
    # already holds one snapshot from its first read.
    if session.bind.dialect.name == "postgresql":
        await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


async def _visible(session: AsyncSession, event_ids: set[int]) -> set[int]:
    if not event_ids:
        return set()
    rows = await session.scalars(select(Event.id).where(Event.id.in_(event_ids)))
    return set(rows)
