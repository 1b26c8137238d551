"""The deadline engine's worker loop, one per server process.

Each cycle reads when the earliest mark still to make falls due; if it has come, a pass
makes the marks due (marking.mark_due) and the cycle starts again; if not, the worker
sleeps until then, never longer than Settings.engine_max_sleep, and wakes early when
this process commits an obligation whose first mark comes sooner. Due times
live in the database, so a restart loses nothing: the first cycle after start makes
every mark that fell due while the process was down. There is no tick to count.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime, timedelta

import structlog
from starlette.applications import Starlette

from command.db import Database, utcnow
from command.deadlines import runtime
from command.deadlines.marking import mark_due, next_mark, recover_followups
from command.deadlines.rulefile import load_ruleset
from command.deadlines.rules import RulesetError

log = structlog.get_logger("watchfloor.deadlines")

BATCH = 500
# Sleeping a hair past the due time keeps a wake-up from landing just before it.
OVERSLEEP = timedelta(milliseconds=1)
BUSY_PAUSE = timedelta(milliseconds=50)


class Worker:
    def __init__(self, db: Database, *, max_sleep: float, batch: int = BATCH) -> None:
        self.db = db
        self.max_sleep = max_sleep
        self.batch = batch
        self.marked = 0
        self._wake = asyncio.Event()
        self._until: datetime | None = None
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="deadline-engine")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def nudge(self, when: datetime) -> None:
        """A mark falls due at `when`: wake now if the current sleep would outlast it."""
        if self._until is None or when < self._until:
            self._wake.set()

    async def pass_once(self, now: datetime | None = None) -> int:
        claimed = await mark_due(self.db, now=now or utcnow(), limit=self.batch)
        self.marked += claimed
        return claimed

    async def _run(self) -> None:
        try:
            await recover_followups(self.db, utcnow())
        except Exception as exc:
            log.exception("follow-up recovery failed", error=repr(exc))
        while True:
            try:
                await self._cycle()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.exception("deadline engine cycle failed; retrying", error=repr(exc))
                await self._sleep(timedelta(seconds=self.max_sleep))

    async def _cycle(self) -> None:
        """A pass when a mark is due (then look again at once), else sleep until one is."""
        self._wake.clear()
        async with self.db.read() as session:
            upcoming = await next_mark(session)
        now = utcnow()
        if upcoming is not None and upcoming <= now:
            if await self.pass_once(now) == 0:
                # Another process holds the due rows (SKIP LOCKED): let it commit.
                await self._sleep(BUSY_PAUSE)
            await asyncio.sleep(0)
            return
        limit = timedelta(seconds=self.max_sleep)
        await self._sleep(limit if upcoming is None else min(limit, upcoming - now + OVERSLEEP))

    async def _sleep(self, delay: timedelta) -> None:
        seconds = max(0.0, delay.total_seconds())
        self._until = utcnow() + timedelta(seconds=seconds)
        try:
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for returns normally when a
            # cancellation lands as the wake event completes, and the engine never stops.
            async with asyncio.timeout(seconds):
                await self._wake.wait()
        except TimeoutError:
            pass
        finally:
            self._until = None


async def start(app: Starlette) -> None:
    settings = app.state.settings
    try:
        ruleset = load_ruleset(settings.ruleset)
    except RulesetError as exc:
        log.error("the ruleset cannot be used", problems=str(exc))
        raise
    worker = Worker(app.state.db, max_sleep=settings.engine_max_sleep)
    runtime.register(app.state.db.writer.sync_engine, ruleset, worker)
    app.state.deadline_engine = worker
    worker.start()


async def stop(app: Starlette) -> None:
    worker: Worker | None = getattr(app.state, "deadline_engine", None)
    if worker is None:
        return
    await worker.stop()
    runtime.unregister(app.state.db.writer.sync_engine)
    app.state.deadline_engine = None
