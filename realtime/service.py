"""Realtime background work of each server process.

- the reader: one loop reading the bus (a blocking XREAD on Redis) and fanning each batch
  out to this process's subscribers; it notices a new epoch and resets the hub;
- heartbeats: one frame with the server time for every subscriber;
- marking: the ids the publisher got out, written as published in batches;
- the sweeper: committed events whose publication did not happen, republished.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import Awaitable, Callable

import structlog
from starlette.applications import Starlette

from command.events import ACCESS
from realtime.bus import Bus, BusUnavailable
from realtime.hub import Hub
from realtime.protocol import CloseCode
from realtime.publisher import Publisher, mark_published, settle_backlog, sweep_unpublished

log = structlog.get_logger("watchfloor.realtime")

READ_BATCH = 1000
READ_BLOCK_SECONDS = 5.0
MARK_EVERY_SECONDS = 0.5
SWEEP_EVERY_SECONDS = 2.0
# Publication normally follows the commit within milliseconds and the mark within a
# second; an event unpublished for longer than this missed its publication.
SWEEP_GRACE_SECONDS = 5.0
SWEEP_BATCH = 500
# Revocations committed by another process that publishes nothing (the CLI without Redis)
# are looked for this often and published at once: revoking must bite within moments.
# Republishing one the API just published costs a duplicate every process ignores.
REVOCATIONS_EVERY_SECONDS = 0.25
RETRY_SECONDS = (0.1, 0.25, 0.5, 1.0, 2.0)


async def start(app: Starlette) -> None:
    _freeze_startup_heap()
    bus: Bus = app.state.bus
    hub = Hub(on_revoked=lambda _subject: app.state.principals.clear())
    app.state.hub = hub
    with contextlib.suppress(BusUnavailable):
        hub.reset(*await bus.head())
    if bus.backend == "memory":
        await _settle_backlog(app)
    tasks = {
        "reader": read_forever(bus, hub),
        "heartbeat": every(app.state.settings.heartbeat_seconds, _heartbeat(hub)),
        "marker": every(MARK_EVERY_SECONDS, _mark(app)),
        "sweeper": every(SWEEP_EVERY_SECONDS, _sweep(app)),
        "revocations": every(REVOCATIONS_EVERY_SECONDS, _sweep_revocations(app)),
    }
    app.state.realtime_tasks = [
        asyncio.create_task(job, name=f"realtime-{name}") for name, job in tasks.items()
    ]


async def _settle_backlog(app: Starlette) -> None:
    """With the in-process bus, events committed before this start (by the CLI, or before
    a crash) can reach no screen live: every screen connects after this and takes a
    snapshot that already reflects them. Resending them all would only flood the first
    screens with old news. On Redis they stay for the sweeper: another process's screens
    may have missed them."""
    count = await settle_backlog(app.state.db)
    if count:
        log.info("events from before this start marked published", count=count)


def _freeze_startup_heap() -> None:
    """What is loaded by the first start (modules, the app, its models) lives as long as
    the process: keep it out of the collector's full passes, each of which would otherwise
    stall the fan-out to every screen for a fifth of a second. Once per process: frozen
    objects are never collected, so later apps (tests build many) must stay collectable."""
    global _heap_frozen
    if not _heap_frozen:
        gc.freeze()
        _heap_frozen = True


_heap_frozen = False


async def stop(app: Starlette) -> None:
    tasks = getattr(app.state, "realtime_tasks", [])
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    if hasattr(app.state, "hub"):
        app.state.hub.close_all(CloseCode.GOING_AWAY, "server shutting down")
    try:
        await _mark(app)()
    except Exception:
        log.exception("could not mark the last published events; the sweeper will resend them")


async def read_forever(bus: Bus, hub: Hub) -> None:
    failures = 0
    while True:
        try:
            if failures or not hub.epoch:
                await _follow_epoch(bus, hub)  # after an outage: is it still our stream?
                hub.set_degraded(None)  # reachable again, before the read blocks
            entries = await bus.read(hub.position, count=READ_BATCH, block=READ_BLOCK_SECONDS)
            if entries:
                hub.dispatch(entries)
            else:
                await _follow_epoch(bus, hub)
            failures = 0
            hub.set_degraded(None)
        except BusUnavailable as exc:
            if failures == 0:
                log.warning("event bus unavailable; retrying", error=str(exc))
                hub.set_degraded("event bus unavailable")
            await asyncio.sleep(RETRY_SECONDS[min(failures, len(RETRY_SECONDS) - 1)])
            failures += 1


async def _follow_epoch(bus: Bus, hub: Hub) -> None:
    """Has the stream restarted under us (Redis restarted empty)? Then start over on it."""
    if await bus.current_epoch() != hub.epoch:
        epoch, head = await bus.head()
        if hub.epoch:
            log.warning("event stream restarted", old_epoch=hub.epoch, epoch=epoch)
        hub.reset(epoch, head)


async def every(seconds: float, job: Callable[[], Awaitable[object]]) -> None:
    """Run `job` every `seconds`; a failure is logged and the next round runs anyway."""
    while True:
        await asyncio.sleep(seconds)
        try:
            await job()
        except Exception:
            log.exception("realtime background job failed")


def _heartbeat(hub: Hub) -> Callable[[], Awaitable[None]]:
    async def beat() -> None:
        hub.beat()

    return beat


def _mark(app: Starlette) -> Callable[[], Awaitable[None]]:
    publisher: Publisher = app.state.publisher

    async def mark() -> None:
        ids = publisher.take_published()
        if not ids:
            return
        try:
            await mark_published(app.state.db, ids)
        except Exception:
            publisher.give_back(ids)
            raise

    return mark


def _sweep_revocations(app: Starlette) -> Callable[[], Awaitable[None]]:
    async def sweep() -> None:
        with contextlib.suppress(BusUnavailable):
            await sweep_unpublished(
                app.state.db, app.state.bus, older_than=0, limit=SWEEP_BATCH, topic=ACCESS
            )

    return sweep


def _sweep(app: Starlette) -> Callable[[], Awaitable[None]]:
    async def sweep() -> None:
        while True:
            try:
                count = await sweep_unpublished(
                    app.state.db,
                    app.state.bus,
                    older_than=SWEEP_GRACE_SECONDS,
                    limit=SWEEP_BATCH,
                )
            except BusUnavailable:
                return  # the reader reports the outage; the rows wait for the next round
            if count:
                log.info("republished events that missed publication", count=count)
            if count < SWEEP_BATCH:
                return

    return sweep
