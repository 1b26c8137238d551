"""The notification worker of each server process: derive deliveries from new events,
then send what is due, about once a second. Failures are logged and retried; they never
stop the worker, and it never blocks the deadline engine (its own task and transactions)."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime

import structlog
from sqlalchemy import func, select
from starlette.applications import Starlette

from command.db import utcnow
from command.notify.cli import bad_contacts, relay_problem
from command.notify.deriver import derive
from command.notify.ladder import ladder
from command.notify.models import Delivery
from command.notify.repeats import repeat_due
from command.notify.sender import send_due

log = structlog.get_logger("watchfloor.notify")
PAUSE_SECONDS = 1.0
ERROR_PAUSE_SECONDS = 5.0


async def run_once(app: Starlette, *, now: datetime | None = None) -> tuple[int, int]:
    """One round: (deliveries derived, messages sent). `now` (tests): the instant the
    round runs at, else the clock's."""
    db, settings = app.state.db, app.state.settings
    rules = ladder(settings.notify_ladder)
    derived = 0
    while written := await derive(db, settings, rules, now=now or utcnow()):
        derived += written
    derived += await repeat_due(db, rules, now=now or utcnow())
    return derived, await send_due(db, settings, rules, now=now or utcnow())


async def _loop(app: Starlette) -> None:
    while True:
        try:
            await run_once(app)
            await asyncio.sleep(PAUSE_SECONDS)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a database or channel outage: log, wait, go on
            log.warning("notification round failed", error=repr(exc))
            await asyncio.sleep(ERROR_PAUSE_SECONDS)


async def start(app: Starlette) -> None:
    ladder(app.state.settings.notify_ladder)  # a ladder that cannot be used stops start-up
    app.state.notify_task = asyncio.create_task(_loop(app), name="notify-worker")
    app.state.notify_check = asyncio.create_task(_report_relay(app), name="notify-relay-check")


async def _report_relay(app: Starlette) -> None:
    """Say at start-up when mail cannot go out, or a unit's channel URL cannot be used
    (the worker goes on: such deliveries are retried, then parked with their error)."""
    if problem := await relay_problem(app.state.settings):
        log.warning("notifications", problem=problem)
    try:
        async with app.state.db.read() as session:
            problems = await bad_contacts(session)
    except Exception as exc:  # the database is not there yet: /api/health says so
        problems = [f"the units' channel URLs were not checked ({type(exc).__name__})"]
    for problem in problems:
        log.warning("notifications", problem=problem)


async def stop(app: Starlette) -> None:
    task = getattr(app.state, "notify_task", None)
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    app.state.notify_task = None


# /api/health is polled often: the relay is tried at most this often.
HEALTH_EVERY_SECONDS = 30.0


async def health(app: Starlette) -> dict:
    """Whether mail can go out, which units' channel URLs cannot be used (named by unit and
    position, never by the URL), and how many deliveries are parked with an error."""
    cached = getattr(app.state, "notify_health", None)
    now = asyncio.get_running_loop().time()
    if cached is None or now - cached[0] > HEALTH_EVERY_SECONDS:
        async with app.state.db.read() as session:
            channels = await bad_contacts(session)
        cached = (now, await relay_problem(app.state.settings, wait=1.0), channels)
        app.state.notify_health = cached
    async with app.state.db.read() as session:
        parked = await session.scalar(
            select(func.count()).select_from(Delivery).where(Delivery.state == "parked")
        )
    _, problem, channels = cached
    return {
        "ok": problem is None and not channels,
        "mail_relay": problem or "reachable",
        "bad_channels": channels,
        "parked": parked,
    }
