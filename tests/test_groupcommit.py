"""SQLite group commit (command/groupcommit.py): queued writes share one transaction, each
atomic in its own savepoint, none answering before the commit that made it durable."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import func, select

from command.db import Database
from command.events import Event, record_event
from command.migrate import upgrade


@pytest.fixture
async def db(tmp_path: Path):
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'group.db'}")
    await upgrade(database.writer)
    yield database
    await database.dispose()


def _event(session, number: int) -> None:
    record_event(
        session,
        topic="units",
        kind="bench.tick",
        entity=f"tick:{number}",
        unit_path="/1/",
        payload={"n": number},
        actor="test",
    )


async def _count(db: Database) -> int:
    async with db.read() as session:
        return await session.scalar(select(func.count()).select_from(Event))


async def test_concurrent_writes_share_commits_and_a_failing_one_rolls_back_alone(db):
    published: list[list[int]] = []

    async def publish(events):
        # Published only once durable: a fresh reader connection sees every one of them.
        async with db.read() as session:
            found = await session.scalars(
                select(Event.id).where(Event.id.in_([e.id for e in events]))
            )
            assert sorted(found) == sorted(e.id for e in events)
        published.append([e.id for e in events])

    db.on_events = publish
    groups: list[int] = []
    original = db._group._run_group

    async def counting(connection, group):
        sound = await original(connection, group)
        groups.append(len(group))
        return sound

    db._group._run_group = counting

    async def write(number: int) -> None:
        async with db.write() as session:
            _event(session, number)
            await session.flush()
            if number % 5 == 0:
                raise ValueError(f"write {number} refused")

    results = await asyncio.gather(*(write(n) for n in range(1, 41)), return_exceptions=True)
    refused = [r for r in results if isinstance(r, ValueError)]
    assert len(refused) == 8
    assert await _count(db) == 32
    assert len(published) == 32
    assert sum(groups) == 40 and max(groups) > 1, groups


async def test_a_write_after_a_group_sees_its_rows_and_nothing_is_left_open(db):
    async with db.write() as session:
        _event(session, 1)
    async with db.write() as session:
        count = await session.scalar(select(func.count()).select_from(Event))
    assert count == 1
    # The writer task has finished its groups: the one pooled connection is free again.
    async with db.rehearse() as session:
        _event(session, 2)
    assert await _count(db) == 1
