"""The realtime channel end to end: real server processes, real websocket clients."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.conftest import bearer
from tests.incidents_fixtures import REPORTER_UNIT, SIBLING_COUNTY, incident_body
from tests.realtime_fixtures import (
    Screen,
    commit_unpublished,
    create_unit,
    entity,
    new_token,
    published_at,
    revoke,
)
from tests.servers import ROOT, server_env


async def test_live_incident_reaches_the_screens_of_its_subtree_only(
    database_url, demo, start_server
):
    server = start_server(database_url)
    city = await Screen.join(server.ws_url, demo["display"], ["incidents"])
    township = await Screen.join(server.ws_url, demo["reporter"], ["incidents"])
    assert city.welcome["unit"] == "231100" and township.welcome["unit"] == REPORTER_UNIT
    assert city.snapshot["reset"] is False and "incidents" in city.snapshot["topics"]
    async with httpx.AsyncClient(base_url=server.url) as http:
        sibling = await http.post(
            "/api/tokens",
            json={"unit": SIBLING_COUNTY, "role": "reporter"},
            headers=bearer(demo["admin"]),
        )
        elsewhere = await http.post(
            "/api/incidents",
            json=incident_body(unit=SIBLING_COUNTY, title="逊克县山火"),
            headers=bearer(sibling.json()["token"]),
        )
        here = await http.post(
            "/api/incidents", json=incident_body(), headers=bearer(demo["reporter"])
        )
    assert elsewhere.status_code == 201, elsewhere.text
    assert here.status_code == 201, here.text
    first = await city.event(topic="incidents")
    second = await city.event(topic="incidents")
    assert [
        first["event"]["payload"]["incident"]["id"],
        second["event"]["payload"]["incident"]["id"],
    ] == [
        elsewhere.json()["id"],
        here.json()["id"],
    ]
    assert first["cursor"].startswith(city.welcome["epoch"] + ":")
    assert first["event"]["id"] < second["event"]["id"]
    own = await township.event(topic="incidents")
    assert own["event"]["payload"]["incident"]["id"] == here.json()["id"]
    with pytest.raises(asyncio.TimeoutError):
        await township.event(within=0.5, topic="incidents")


async def test_resume_after_a_forced_disconnect_delivers_each_missed_event_once_in_order(
    database_url, demo, start_server
):
    server = start_server(database_url)
    screen = await Screen.join(server.ws_url, demo["display"], ["units"])
    async with httpx.AsyncClient(base_url=server.url) as http:
        seen = await create_unit(http, demo["admin"])
        await screen.events_until(entity(seen))
        cursor = screen.cursor
        screen.abort()
        missed = [await create_unit(http, demo["admin"]) for _ in range(5)]
        again = await Screen.join(server.ws_url, demo["display"], ["units"], cursor=cursor)
        assert again.welcome["resumed"] is True and again.snapshot is None
        replayed = await again.events_until(entity(missed[-1]))
        after = await create_unit(http, demo["admin"])
        live = await again.events_until(entity(after))
    ours = [
        m["event"]["entity"] for m in replayed + live if m["event"]["entity"].startswith("unit:RT")
    ]
    assert ours == [entity(code) for code in [*missed, after]]
    ids = [m["event"]["id"] for m in replayed + live]
    assert len(ids) == len(set(ids))


async def test_a_cursor_from_before_a_restart_gets_a_flagged_snapshot(
    database_url, demo, start_server
):
    server = start_server(database_url)
    screen = await Screen.join(server.ws_url, demo["display"], ["units"])
    async with httpx.AsyncClient(base_url=server.url) as http:
        code = await create_unit(http, demo["admin"])
    await screen.events_until(entity(code))
    server.stop()
    server.start()
    again = await Screen.join(server.ws_url, demo["display"], ["units"], cursor=screen.cursor)
    assert again.welcome["resumed"] is False
    assert again.welcome["epoch"] != screen.welcome["epoch"]
    assert again.snapshot["reset"] is True and again.snapshot["reason"] == "epoch_changed"
    assert code in {unit["code"] for unit in again.snapshot["topics"]["units"]}
    garbage = await Screen.join(server.ws_url, demo["display"], ["units"], cursor="nonsense")
    assert garbage.snapshot["reason"] == "cursor_unknown"
    future = f"{again.welcome['epoch']}:99999999999999-0"
    ahead = await Screen.join(server.ws_url, demo["display"], ["units"], cursor=future)
    assert ahead.snapshot["reason"] == "cursor_unknown"


async def test_snapshot_and_events_together_miss_nothing_while_writes_go_on(
    database_url, demo, start_server
):
    server = start_server(database_url)
    created: list[str] = []
    screens: list[Screen] = []

    async def write() -> None:
        async with httpx.AsyncClient(base_url=server.url) as http:
            for _ in range(30):
                created.append(await create_unit(http, demo["admin"]))

    async def connect() -> None:
        for _ in range(10):
            screens.append(await Screen.join(server.ws_url, demo["display"], ["units"]))
            await asyncio.sleep(0.02)

    await asyncio.gather(write(), connect())
    async with httpx.AsyncClient(base_url=server.url) as http:
        last = await create_unit(http, demo["admin"])
    for screen in screens:
        events = await screen.events_until(entity(last))
        in_snapshot = {unit["code"] for unit in screen.snapshot["topics"]["units"]}
        by_event = [m["event"]["entity"].removeprefix("unit:") for m in events]
        assert set(created) <= in_snapshot | set(by_event)
        assert len(by_event) == len(set(by_event))


async def test_revoking_a_token_closes_its_open_screens_at_once(database_url, demo, start_server):
    server = start_server(database_url)
    async with httpx.AsyncClient(base_url=server.url) as http:
        doomed, kept = await new_token(http, demo["admin"]), await new_token(http, demo["admin"])
        screens = [await Screen.join(server.ws_url, t["token"], ["units"]) for t in (doomed, kept)]
        assert (await http.get("/api/units", headers=bearer(doomed["token"]))).status_code == 200
        await revoke(http, demo["admin"], doomed["id"])
        closed = await screens[0].closed(within=3)
        assert (closed.code, closed.reason) == (4001, "credential revoked")
        assert (await http.get("/api/units", headers=bearer(doomed["token"]))).status_code == 401
        code = await create_unit(http, demo["admin"])
    assert (await screens[1].event(entity=entity(code)))["event"]["topic"] == "units"


async def test_heartbeats_carry_the_server_clock_and_pings_are_answered(
    database_url, demo, start_server
):
    server = start_server(database_url, WATCHFLOOR_HEARTBEAT_SECONDS="0.2")
    screen = await Screen.join(server.ws_url, demo["display"], ["incidents"])
    assert screen.welcome["heartbeat_seconds"] == 0.2
    beat = await screen.next(within=2)
    assert beat["type"] == "heartbeat" and beat["cursor"].startswith(screen.welcome["epoch"])
    skew = datetime.now(UTC) - datetime.fromisoformat(beat["server_time"])
    assert abs(skew.total_seconds()) < 2
    await screen.send({"type": "ping", "echo": 42})
    while (message := await screen.next())["type"] == "heartbeat":
        pass
    assert message["type"] == "pong" and message["echo"] == 42


async def test_the_session_cookie_of_a_bundled_page_is_enough(database_url, start_server):
    server = start_server(database_url)
    async with httpx.AsyncClient(base_url=server.url) as http:
        login = await http.post(
            "/api/auth/login", json={"username": "demo-display", "password": "watchfloor-demo"}
        )
        assert login.status_code == 200
        cookie = f"watchfloor_session={http.cookies['watchfloor_session']}"
    host = server.url.removeprefix("http://")
    page = await Screen.open(
        server.ws_url, additional_headers={"Cookie": cookie}, origin=f"http://{host}"
    )
    await page.send({"type": "hello", "topics": ["incidents"]})
    assert (await page.next())["type"] == "welcome"
    # Another site's page cannot ride on the cookie.
    foreign = await Screen.open(
        server.ws_url, additional_headers={"Cookie": cookie}, origin="http://evil.example"
    )
    await foreign.send({"type": "hello", "topics": ["incidents"]})
    closed = await foreign.closed()
    assert closed.code == 4001


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_published_events_are_marked_and_missed_ones_swept_up(
    database_url, demo, start_server
):
    server = start_server(database_url)
    screen = await Screen.join(server.ws_url, demo["display"], ["units"])
    async with httpx.AsyncClient(base_url=server.url) as http:
        code = await create_unit(http, demo["admin"])
    code_event = (await screen.events_until(entity(code)))[-1]["event"]["id"]
    # A commit whose publication never happened, as after a crash right after COMMIT.
    lost = await commit_unpublished(database_url, "unit:LOST", age=timedelta())
    swept = await screen.event(within=12, entity="unit:LOST")
    assert swept["event"]["id"] == lost
    await asyncio.sleep(0.6)  # the marks are written every half second
    assert await published_at(database_url, swept["event"]["id"]) is not None
    assert await published_at(database_url, code_event) is not None


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_old_unpublished_events_are_settled_at_start_not_replayed(
    database_url, demo, start_server
):
    old = await commit_unpublished(database_url, "unit:OLD", age=timedelta(hours=1))
    server = start_server(database_url)
    screen = await Screen.join(server.ws_url, demo["display"], ["units"])
    # Its screen's snapshot reflects it: resending it (the sweeper runs every 2 s) would
    # only repeat old news.
    with pytest.raises(asyncio.TimeoutError):
        await screen.event(within=3, entity="unit:OLD")
    assert await published_at(database_url, old) is not None


def test_serve_refuses_several_workers_without_redis(tmp_path, sqlite_template):
    env = server_env(f"sqlite:///{sqlite_template}", tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "command.cli", "serve", "--workers", "2"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "WATCHFLOOR_REDIS_URL" in result.stderr
