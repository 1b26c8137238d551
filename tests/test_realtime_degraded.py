"""Screens are told what they are not getting: a snapshot cut at the limit says how many
open incidents it left out, and during an event-bus outage open screens learn that the
channel is degraded (a status message; heartbeats say so too) instead of looking live."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import bearer, need_redis
from tests.incidents_fixtures import incident_body
from tests.realtime_fixtures import PrivateRedis, Screen

pytest_plugins = ("tests.browser_fixtures",)
SHOTS = Path("/tmp/wf-h8-shots")
SHOTS.mkdir(exist_ok=True)


async def _open_incidents(server, token: str, count: int) -> None:
    async with httpx.AsyncClient(base_url=server.url) as http:
        for n in range(count):
            body = incident_body(title=f"第{n}起")
            response = await http.post("/api/incidents", json=body, headers=bearer(token))
            assert response.status_code == 201, response.text


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
async def test_a_snapshot_cut_at_the_limit_says_how_many_more(database_url, demo, start_server):
    server = start_server(database_url, WATCHFLOOR_SNAPSHOT_LIMIT="3")
    await _open_incidents(server, demo["reporter"], 5)
    screen = await Screen.join(server.ws_url, demo["display"], ["incidents"])
    assert len(screen.snapshot["topics"]["incidents"]) == 3
    assert screen.snapshot["truncated"] == {"incidents": {"shown": 3, "more": 2}}
    whole = await Screen.join(server.ws_url, demo["display"], ["units"])
    assert "truncated" not in whole.snapshot


async def _next_of(screen: Screen, kind: str, within: float) -> dict:
    deadline = time.monotonic() + within
    while (left := deadline - time.monotonic()) > 0:
        frame = await screen.next(within=left)
        if frame["type"] == kind:
            return frame
    raise AssertionError(f"no {kind} frame within {within} s")


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_open_screens_learn_the_channel_is_degraded_during_a_redis_outage(
    database_url, demo, start_server, tmp_path
):
    need_redis()
    redis = PrivateRedis(tmp_path).start()
    try:
        server = start_server(
            database_url, WATCHFLOOR_REDIS_URL=redis.url, WATCHFLOOR_HEARTBEAT_SECONDS="0.5"
        )
        screen = await Screen.join(server.ws_url, demo["display"], ["incidents"])
        beat = await _next_of(screen, "heartbeat", 3)
        assert beat["channel"] == "live"
        redis.stop()
        started = time.monotonic()
        status = await _next_of(screen, "status", 10)
        assert (status["channel"], status["reason"]) == ("degraded", "event bus unavailable")
        told_after = time.monotonic() - started
        assert (await _next_of(screen, "heartbeat", 3))["channel"] == "degraded"
        redis.start()  # back, empty: the stream restarted, the screen must start over
        closed = await screen.closed(within=15)
        assert closed.code == 4010, closed  # STREAM_RESET
        again = await Screen.join(server.ws_url, demo["display"], ["incidents"])
        assert (await _next_of(again, "heartbeat", 3))["channel"] == "live"
        assert told_after < 6
    finally:
        redis.stop()


@pytest.mark.parametrize(
    ("lang", "more", "degraded"), [("zh-CN", "另有 3 起", "降级"), ("en", "3 more", "Degraded")]
)
async def test_the_wall_shows_n_more_and_a_degraded_channel(
    sqlite_url, demo, start_server, pages, tmp_path, lang, more, degraded
):
    need_redis()
    redis = PrivateRedis(tmp_path).start()
    try:
        server = start_server(
            sqlite_url,
            WATCHFLOOR_REDIS_URL=redis.url,
            WATCHFLOOR_SNAPSHOT_LIMIT="2",
            WATCHFLOOR_HEARTBEAT_SECONDS="1",
        )
        await _open_incidents(server, demo["reporter"], 5)
        context = await pages.context()
        await context.add_init_script(f"localStorage.setItem('watchfloor.lang', '{lang}')")
        page = await context.new_page()
        await page.goto(f"{server.url}/wall?token={demo['display']}")
        await page.wait_for_selector('#connection[data-state="live"]', timeout=20_000)
        await page.wait_for_selector("#truncated:not([hidden])", timeout=5_000)
        assert more in await page.inner_text("#truncated")
        redis.stop()
        await page.wait_for_selector('#connection[data-state="degraded"]', timeout=20_000)
        assert degraded in await page.inner_text("#connection")
        await page.screenshot(path=str(SHOTS / f"wall-degraded-{lang}.png"))
    finally:
        redis.stop()


@pytest.mark.parametrize(("lang", "more"), [("zh-CN", "另有 2 起"), ("en", "2 more")])
async def test_the_desk_shows_n_more(sqlite_url, demo, start_server, pages, lang, more):
    server = start_server(sqlite_url, WATCHFLOOR_SNAPSHOT_LIMIT="3")
    await _open_incidents(server, demo["reporter"], 5)
    context = await pages.context({"width": 1440, "height": 900})
    await context.add_init_script(f"localStorage.setItem('watchfloor.lang', '{lang}')")
    page, _console = await pages.open(server, "demo-commander", "/desk", context=context)
    await page.wait_for_selector("#truncated:not([hidden])", timeout=20_000)
    assert more in await page.inner_text("#truncated")
    await page.screenshot(path=str(SHOTS / f"desk-truncated-{lang}.png"))
