"""Group commit for SQLite's single writer: many write transactions, one fsync.

SQLite lets one connection write at a time, so the writes of a process queue for it. Run
one at a time, each pays its own BEGIN IMMEDIATE, COMMIT and fsync of the WAL. Here a
writer task takes the queued writes back to back inside one transaction, each in its own
SAVEPOINT (a failing one rolls back alone, the others keep their work), and commits once
when the queue is empty or a batch is full. No write answers before the commit that made
it durable has returned, so durability is the same as one transaction each; a failed
write answers after the group it ran in committed too, so that whatever it read (a twin
request's idempotency key) is visible to the reader connections by then.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

MAX_BATCH = 32


class _Turn:
    """One queued write: the connection handed to it, its end, the group's commit."""

    __slots__ = ("granted", "finished", "committed")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.granted: asyncio.Future[AsyncConnection] = loop.create_future()
        self.finished: asyncio.Future[bool] = loop.create_future()
        self.committed: asyncio.Future[None] = loop.create_future()


class GroupCommit:
    def __init__(self, engine: AsyncEngine, *, max_batch: int = MAX_BATCH) -> None:
        self.engine = engine
        self.max_batch = max_batch
        self._queue: deque[_Turn] = deque()
        self._writer: asyncio.Task[None] | None = None

    @asynccontextmanager
    async def session(self, **options: Any) -> AsyncIterator[AsyncSession]:
        """A session whose transaction is a savepoint in the group's; returns once the
        group committed (raising what the work raised, or the commit's failure)."""
        turn = self._enqueue()
        try:
            connection = await turn.granted
        except asyncio.CancelledError:
            if turn.granted.done() and not turn.granted.cancelled():
                turn.finished.set_result(True)
            raise
        intact = False
        session = AsyncSession(bind=connection, join_transaction_mode="create_savepoint", **options)
        try:
            async with session.begin():
                yield session
            intact = True
        except BaseException:
            # The savepoint was rolled back; the group's transaction is still sound
            # unless that rollback failed too (the connection then has no transaction).
            intact = connection.in_transaction()
            await _close(session, turn, intact)
            await _settled(turn.committed, raise_failure=False)
            raise
        await _close(session, turn, intact)
        await _settled(turn.committed, raise_failure=True)

    def _enqueue(self) -> _Turn:
        loop = asyncio.get_running_loop()
        turn = _Turn(loop)
        self._queue.append(turn)
        if self._writer is None or self._writer.done():
            self._writer = loop.create_task(self._write_groups(), name="sqlite-group-commit")
        return turn

    async def _write_groups(self) -> None:
        while self._queue:
            group: list[_Turn] = []
            try:
                async with self.engine.connect() as connection:
                    await connection.begin()
                    sound = await self._run_group(connection, group)
                    if sound:
                        await connection.commit()
                    else:
                        await connection.rollback()
                failure = None if sound else RuntimeError("a write broke its group's transaction")
            except Exception as error:  # the commit (or BEGIN) failed: every write fails
                failure = error
            for turn in group:
                if failure is None:
                    turn.committed.set_result(None)
                else:
                    turn.committed.set_exception(failure)

    async def _run_group(self, connection: AsyncConnection, group: list[_Turn]) -> bool:
        """Hand the connection to queued writes one after another; False if one left the
        transaction unusable."""
        while self._queue and len(group) < self.max_batch:
            turn = self._queue.popleft()
            if turn.granted.cancelled():
                continue
            group.append(turn)
            turn.granted.set_result(connection)
            if not await turn.finished:
                return False
        return True


async def _close(session: AsyncSession, turn: _Turn, intact: bool) -> None:
    try:
        await session.close()
    finally:
        turn.finished.set_result(intact)


async def _settled(future: asyncio.Future[None], *, raise_failure: bool) -> None:
    """Wait for the group's commit; its failure is raised only for a write that succeeded
    (a failed one raises its own exception)."""
    try:
        await asyncio.shield(future)
    except Exception:
        if raise_failure:
            raise
