"""Scale-out: server processes sharing PostgreSQL and a Redis stream."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from typing import Any

import httpx
import pytest

from command.db import Database
from command.events import record_event
from realtime.publisher import Publisher, mark_published
from realtime.redis_bus import RedisBus
from tests.conftest import REDIS_URL, bearer, need_redis
from tests.realtime_fixtures import (
    Closed,
    PrivateRedis,
    Screen,
    commit_unpublished,
    create_unit,
    entity,
    forget_streams,
    new_token,
    published_at,
    revoke,
)

pytestmark = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
CITY_PATH = "/000000/230000/231100/"


@pytest.fixture
async def redis_url():
    need_redis()
    await forget_streams(REDIS_URL)
    return REDIS_URL


@pytest.fixture
def private_redis(tmp_path):
    need_redis()
    redis = PrivateRedis(tmp_path).start()
    yield redis
    redis.stop()


async def test_an_incident_written_on_one_process_reaches_screens_on_both(
    database_url, redis_url, demo, start_server
):
    first = start_server(database_url, WATCHFLOOR_REDIS_URL=redis_url)
    second = start_server(database_url, WATCHFLOOR_REDIS_URL=redis_url)
    screens = [
        await Screen.join(server.ws_url, demo["display"], ["units"]) for server in (first, second)
    ]
    assert screens[0].welcome["epoch"] == screens[1].welcome["epoch"]
    written = []
    for server in (first, second):
        async with httpx.AsyncClient(base_url=server.url) as http:
            written.append(await create_unit(http, demo["admin"]))
    for screen in screens:
        events = await screen.events_until(entity(written[-1]))
        ours = [m["event"]["entity"] for m in events if m["event"]["entity"].startswith("unit:RT")]
        assert ours == [entity(code) for code in written]


async def test_a_token_revoked_on_one_process_is_dropped_by_the_other(
    database_url, redis_url, demo, start_server
):
    first = start_server(database_url, WATCHFLOOR_REDIS_URL=redis_url)
    second = start_server(database_url, WATCHFLOOR_REDIS_URL=redis_url)
    async with (
        httpx.AsyncClient(base_url=first.url) as one,
        httpx.AsyncClient(base_url=second.url) as other,
    ):
        token = await new_token(one, demo["admin"])
        screen = await Screen.join(second.ws_url, token["token"], ["units"])
        # Cached by the second process for a few seconds: the revocation must clear it.
        assert (await other.get("/api/units", headers=bearer(token["token"]))).status_code == 200
        await revoke(one, demo["admin"], token["id"])
        closed = await screen.closed(within=3)
        assert (closed.code, closed.reason) == (4001, "credential revoked")
        assert (await other.get("/api/units", headers=bearer(token["token"]))).status_code == 401


async def test_a_screen_resumes_on_another_process_with_its_cursor(
    database_url, redis_url, demo, start_server
):
    first = start_server(database_url, WATCHFLOOR_REDIS_URL=redis_url)
    second = start_server(database_url, WATCHFLOOR_REDIS_URL=redis_url)
    screen = await Screen.join(first.ws_url, demo["display"], ["units"])
    async with httpx.AsyncClient(base_url=first.url) as http:
        seen = await create_unit(http, demo["admin"])
        await screen.events_until(entity(seen))
        screen.abort()
        missed = [await create_unit(http, demo["admin"]) for _ in range(4)]
    moved = await Screen.join(second.ws_url, demo["display"], ["units"], cursor=screen.cursor)
    assert moved.welcome["resumed"] is True
    events = await moved.events_until(entity(missed[-1]))
    assert [m["event"]["entity"] for m in events] == [entity(code) for code in missed]


async def test_a_redis_restart_changes_the_epoch_and_screens_get_a_flagged_snapshot(
    database_url, private_redis, demo, start_server
):
    server = start_server(database_url, WATCHFLOOR_REDIS_URL=private_redis.url)
    screen = await Screen.join(server.ws_url, demo["display"], ["units"])
    async with httpx.AsyncClient(base_url=server.url) as http:
        before = await create_unit(http, demo["admin"])
        await screen.events_until(entity(before))
        private_redis.stop()
        # Redis is down: the write still commits; its event waits for the sweeper.
        during = await create_unit(http, demo["admin"])
        private_redis.start()
        closed = await screen.closed(within=15)
        assert closed.code == 4010
        again = await _rejoin(server.ws_url, demo["display"], screen.cursor)
        assert again.snapshot["reset"] is True and again.snapshot["reason"] == "epoch_changed"
        assert again.welcome["epoch"] != screen.welcome["epoch"]
        assert {before, during} <= {unit["code"] for unit in again.snapshot["topics"]["units"]}
        swept = await again.event(within=15, entity=entity(during))
        after = await create_unit(http, demo["admin"])
    assert swept["cursor"].startswith(again.welcome["epoch"])
    await again.events_until(entity(after))


async def test_on_redis_events_that_missed_publication_are_swept_up_at_start(
    database_url, redis_url, demo, start_server
):
    # Committed by a process that died before publishing: screens of other processes
    # may have missed it, so the next process to start republishes it.
    missed = await commit_unpublished(database_url, "unit:MISSED", age=timedelta(minutes=5))
    first = start_server(database_url, WATCHFLOOR_REDIS_URL=redis_url)
    screen = await Screen.join(first.ws_url, demo["display"], ["units"])
    swept = await screen.event(within=10, entity="unit:MISSED")
    assert swept["event"]["id"] == missed
    assert await published_at(database_url, missed) is not None


async def _rejoin(url: str, token: str, cursor: str | None) -> Screen:
    """Reconnect as a display does: retry while the server is still catching up."""
    deadline = time.monotonic() + 15
    while True:
        try:
            return await Screen.join(url, token, ["units"], cursor=cursor)
        except (Closed, AssertionError):
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.2)


async def test_a_stalled_screen_is_cut_off_while_fifty_others_keep_up(
    database_url, redis_url, demo, start_server
):
    server = start_server(database_url, WATCHFLOOR_REDIS_URL=redis_url)
    stalled = await Screen.join(server.ws_url, demo["display"], ["units"], max_queue=1)
    others = [await Screen.join(server.ws_url, demo["display"], ["units"]) for _ in range(50)]
    # The test process writes like a second server: commit, then XADD to the shared stream.
    # Enough to fill the kernel's socket buffers (about 4 MiB on loopback) and the queue.
    count, blob = 250, "x" * 32_000
    receiving = [asyncio.create_task(_receive_bulk(screen, count)) for screen in others]
    await _write_bulk(database_url, redis_url, count, blob)
    latencies = await asyncio.gather(*receiving)
    async with httpx.AsyncClient(base_url=server.url) as http:
        metrics = (await http.get("/metrics")).text
    assert "watchfloor_ws_slow_consumer_closes_total 1.0" in metrics
    closed = await stalled.closed(within=15)
    assert closed.code == 4008 and "behind" in closed.reason
    worst = max(max(each) for each in latencies)
    assert worst < 2.0, f"a screen that kept up waited {worst:.2f} s for an event"


async def _write_bulk(database_url: str, redis_url: str, count: int, blob: str) -> None:
    db, bus = Database(database_url), RedisBus(redis_url)
    db.on_events = publisher = Publisher(bus)
    try:
        for number in range(count):
            async with db.write() as session:
                record_event(
                    session,
                    topic="units",
                    kind="unit.bulk",
                    entity=f"bulk:{number}",
                    unit_path=CITY_PATH,
                    payload={"blob": blob, "sent": time.time()},
                    actor="test",
                )
            await mark_published(db, publisher.take_published())  # or the sweeper resends
            await asyncio.sleep(0.005)
    finally:
        await bus.stop()
        await db.dispose()


async def _receive_bulk(screen: Screen, count: int) -> list[float]:
    """Seconds from the commit to this screen, per event, checking order and completeness."""
    latencies: list[float] = []
    while len(latencies) < count:
        message: dict[str, Any] = await screen.event(within=20, kind="unit.bulk")
        assert message["event"]["entity"] == f"bulk:{len(latencies)}"
        latencies.append(time.time() - message["event"]["payload"]["sent"])
    screen.received.clear()
    return latencies
