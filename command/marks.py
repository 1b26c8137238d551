"""A worker that marks rows once their due time has passed, one per server process and
kind of mark (the reviews' overdue evaluations and actions, the duty shifts' attendance).

Each cycle asks when the earliest unmarked row falls due; if it has come, a pass marks
what is due (in one write transaction: `FOR UPDATE SKIP LOCKED` on PostgreSQL, SQLite's
`BEGIN IMMEDIATE`, so several processes never mark a row twice) and the cycle starts
again; if not, the worker sleeps until then, bounded by `max_sleep`, and wakes early when
nudged. The marks are columns, so a pass after a restart finds what fell due while the
process was down.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from command.db import Database, utcnow

log = structlog.get_logger("watchfloor.marks")
OVERSLEEP = timedelta(milliseconds=5)
BUSY_PAUSE = 0.05

NextDue = Callable[[AsyncSession], Awaitable[datetime | None]]
MarkDue = Callable[[Database, datetime], Awaitable[int]]


class MarkWorker:
    def __init__(
        self,
        db: Database,
        *,
        name: str,
        max_sleep: float,
        next_due: NextDue,
        mark_due: MarkDue,
    ) -> None:
        self.db = db
        self.name = name
        self.max_sleep = max_sleep
        self.next_due = next_due
        self.mark_due = mark_due
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=self.name)

    def nudge(self) -> None:
        """A new due time was committed: look again now."""
        self._wake.set()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                await self._cycle()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.exception("marking cycle failed; retrying", worker=self.name, error=repr(exc))
                await self._sleep(self.max_sleep)

    async def _cycle(self) -> None:
        self._wake.clear()
        async with self.db.read() as session:
            upcoming = await self.next_due(session)
        now = utcnow()
        if upcoming is not None and upcoming <= now:
            if await self.mark_due(self.db, now) == 0:
                await self._sleep(BUSY_PAUSE)  # another process holds the rows: let it commit
            return
        wait = self.max_sleep
        if upcoming is not None:
            wait = min(wait, (upcoming - now + OVERSLEEP).total_seconds())
        await self._sleep(wait)

    async def _sleep(self, seconds: float) -> None:
        # asyncio.timeout, not wait_for, which on Python 3.11 swallows a cancellation that
        # lands as the wake event completes (the shutdown would wait for the worker forever).
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(max(0.0, seconds)):
                await self._wake.wait()
