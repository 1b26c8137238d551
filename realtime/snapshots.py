"""The current state of the topics a screen subscribed to, read in one database snapshot.

The topics and their snapshot providers are the domains' (each declares its `Topic` in
its `domain.py`; the app puts them in `app.state.topics`): this module only calls them,
as `provider(session=…, unit_path=…, settings=…)`, inside one read transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from command.config import Settings
from command.db import Database
from command.domain import Topic
from command.events import Event


async def read_snapshot(
    db: Database,
    *,
    providers: Mapping[str, Topic],
    topics: Collection[str],
    unit_path: str,
    settings: Settings,
    queued_event_ids: Callable[[], set[int]],
) -> tuple[dict[str, list[dict[str, Any]]], set[int]]:
    """The state of each topic under `unit_path`, read in one database snapshot, and which
    of the events already queued for the screen that snapshot reflects (not to resend)."""
    async with db.read() as session:
        await _repeatable_read(session)
        state = {}
        for name in topics:
            snapshot = providers[name].snapshot
            assert snapshot is not None  # only subscribable topics are offered
            state[name] = await snapshot(session=session, unit_path=unit_path, settings=settings)
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
