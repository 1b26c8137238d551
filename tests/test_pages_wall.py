"""The wall display in Chromium against real server processes."""

from __future__ import annotations

import asyncio
import re
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import httpx
import pytest
import redis.asyncio as aioredis

from realtime.redis_bus import EPOCH_KEY, STREAM_KEY
from tests.browser_helpers import (
    SERVER_DOWN,
    Console,
    fast_ruleset,
    incident_body,
    low_contrast,
    post_incident,
    unique,
    wait_live,
)
from tests.conftest import REDIS_URL, bearer, need_redis
from tests.plans_fixtures import ZONE, drill_body, issued_plan, plan_body, version_body

pytest_plugins = ("tests.browser_fixtures",)

CLOCK = re.compile(r"^\+?\d{2}:\d{2}:\d{2}$")


def seconds(text: str) -> int:
    hours, minutes, secs = (int(part) for part in text.lstrip("+").split(":"))
    return hours * 3600 + minutes * 60 + secs


async def clock_texts(page, incident_id: int) -> list[str]:
    return await page.locator(f'.card[data-incident="{incident_id}"] .clock-time').all_inner_texts()


async def test_incident_appears_within_a_second_with_its_clock_on_server_time(
    sqlite_url, start_server, pages, demo
):
    server = start_server(sqlite_url)
    context = await pages.context()
    # The screen's own clock is two hours fast: the countdowns must not care.
    await context.clock.install(time=datetime.now(UTC) + timedelta(hours=2))
    page, console = await pages.open(server, "demo-display", "/wall", context=context)
    await wait_live(page)
    title = unique("花园街道居民楼火灾")

    incident = await post_incident(server.url, demo["reporter"], incident_body(title))
    posted = time.monotonic()
    card = page.locator(f'.card[data-incident="{incident["id"]}"]')
    await card.wait_for(timeout=1000)
    assert time.monotonic() - posted < 1.0
    assert title in await card.inner_text()
    assert await card.locator(".badge").inner_text() == "IV级"

    first = await clock_texts(page, incident["id"])
    await page.wait_for_timeout(1500)
    second = await clock_texts(page, incident["id"])
    assert first and all(CLOCK.match(text) for text in first + second)
    # IV: the county phones the city within an hour of learning of it, server time.
    assert 3540 <= seconds(second[0]) < 3600
    assert seconds(second[0]) < seconds(first[0])
    assert await card.locator('.clock[data-phase="ok"]').count() == len(second)

    counter = page.locator('[data-counter="level-IV"] .counter-value')
    assert await counter.inner_text() == "1"
    # Drill traffic shows, marked 演练, and is not counted.
    drill = await post_incident(
        server.url, demo["reporter"], incident_body(unique("演练：居民楼火灾"), exercise=True)
    )
    drill_card = page.locator(f'.card.exercise[data-incident="{drill["id"]}"]')
    await drill_card.wait_for(timeout=1000)
    assert await drill_card.locator(".watermark").inner_text() == "演练"
    assert await counter.inner_text() == "1"
    assert await page.locator(".incident-marker.lv-IV:not(.exercise)").count() == 1
    assert await page.locator(".incident-marker.lv-IV.exercise").count() == 1
    assert await low_contrast(page, ".badge, .card-title, .card-meta, .clock, .counter-label") == []
    assert console.errors() == []


async def test_clock_turns_amber_then_red_when_a_deadline_passes(
    sqlite_url, start_server, pages, demo, tmp_path
):
    rules = fast_ruleset(tmp_path)
    server = start_server(sqlite_url, WATCHFLOOR_RULESET=str(rules))
    page, console = await pages.open(server, "demo-display", "/wall")
    await wait_live(page)
    incident = await post_incident(server.url, demo["reporter"], incident_body(unique("火灾")))
    card = page.locator(f'.card[data-incident="{incident["id"]}"]')

    await card.locator('.clock[data-phase="warn"]').first.wait_for(timeout=4000)
    await card.locator('.clock[data-phase="over"]').first.wait_for(timeout=3000)
    assert (await card.locator(".clock-time").first.inner_text()).startswith("+")
    # Past the grace the engine marks it missed; it stays red, now named 漏报.
    missed = card.locator('.clock[data-missed="true"]').first
    await missed.wait_for(timeout=6000)
    assert await missed.get_attribute("data-phase") == "over"
    assert await missed.locator(".clock-label").inner_text() == "漏报"
    overdue = page.locator('[data-counter="overdue"]')
    assert int(await overdue.locator(".counter-value").inner_text()) >= 1
    assert console.errors() == []


async def _reset_stream() -> None:
    client = aioredis.from_url(REDIS_URL)
    try:
        await client.delete(STREAM_KEY, EPOCH_KEY)
    finally:
        await client.aclose()


@pytest.mark.parametrize("bus", ["memory", "redis"])
async def test_after_a_restart_the_wall_reconnects_and_shows_what_happened(
    sqlite_url, start_server, pages, demo, bus
):
    env = {"WATCHFLOOR_HEARTBEAT_SECONDS": "1"}
    if bus == "redis":
        need_redis()
        await _reset_stream()
        env["WATCHFLOOR_REDIS_URL"] = REDIS_URL
    server = start_server(sqlite_url, **env)
    page, console = await pages.open(server, "demo-display", "/wall")
    await wait_live(page)
    before = await post_incident(server.url, demo["reporter"], incident_body(unique("火灾")))
    await page.locator(f'.card[data-incident="{before["id"]}"]').wait_for(timeout=2000)
    await page.evaluate("window.sameDocument = true")

    server.stop()
    await page.wait_for_selector('#connection[data-state="reconnecting"]', timeout=15_000)
    # Meanwhile another server process on the same database: one incident dismissed,
    # one new.
    other = start_server(sqlite_url, **env)
    async with httpx.AsyncClient(base_url=other.url) as client:
        closed = await client.patch(
            f"/api/incidents/{before['id']}",
            json={"status": "closed"},
            headers=bearer(demo["commander"]),
        )
        assert closed.status_code == 200, closed.text
    after = await post_incident(other.url, demo["reporter"], incident_body(unique("山火")))
    other.stop()
    server.start()

    await wait_live(page, within_ms=30_000)
    await page.locator(f'.card[data-incident="{after["id"]}"]').wait_for(timeout=5000)
    await page.locator(f'.card[data-incident="{before["id"]}"]').wait_for(
        state="detached", timeout=5000
    )
    assert await page.evaluate("window.sameDocument") is True
    # On Redis the stream outlived the server: the wall resumed from its cursor.
    resumed = await page.get_attribute("#connection", "data-resumed")
    assert resumed == ("true" if bus == "redis" else "false")
    assert console.errors(allowed=SERVER_DOWN) == []


async def test_english_is_one_click_away_and_remembered(sqlite_url, start_server, pages):
    server = start_server(sqlite_url)
    page, console = await pages.open(server, "demo-display", "/wall")
    await wait_live(page)
    assert await page.get_attribute("html", "lang") == "zh-CN"
    assert "值班大屏" in await page.inner_text("header h1")
    await page.click("#lang")
    assert await page.get_attribute("html", "lang") == "en"
    assert "Wall" in await page.inner_text("header h1")
    assert await page.inner_text("#connection .label") == "Live"
    await page.reload()
    await wait_live(page)
    assert "Wall" in await page.inner_text("header h1")
    assert await page.inner_text("#lang") == "中文"
    assert console.errors() == []


async def test_a_kiosk_screen_signs_in_with_its_token_and_goes_live(
    sqlite_url, start_server, pages, demo
):
    server = start_server(sqlite_url)
    context = await pages.context()
    page = await context.new_page()
    console = Console(page)
    await page.goto(f"{server.url}/wall?token={demo['display']}")
    assert page.url == f"{server.url}/wall"
    settled = '#connection[data-state="live"], #connection[data-state="refused"]'
    await page.wait_for_selector(settled, timeout=20_000)
    assert await page.get_attribute("#connection", "data-state") == "live"
    assert "黑河市" in await page.inner_text("header h1")

    async with httpx.AsyncClient(base_url=server.url) as client:
        tokens = await client.get("/api/tokens", headers=bearer(demo["admin"]))
        [kiosk] = [t for t in tokens.json()["items"] if t["role"] == "display"]
        revoked = await client.delete(f"/api/tokens/{kiosk['id']}", headers=bearer(demo["admin"]))
    assert revoked.status_code == 200
    # The server closes the revoked screen's channel at once; no reconnection needed.
    await page.wait_for_url(f"{server.url}/login?next=/wall", timeout=5_000)
    assert console.errors(allowed=SERVER_DOWN) == []


# What the wall once read over HTTP after a snapshot or an event; now the channel says it all.
DOMAIN_READS = re.compile(r"^/api/(obligations|incidents/\d+/obligations|drills|plans)(/|$)")


async def _missed_and_owed(base_url: str, token: str, incident_id: int) -> dict:
    async with httpx.AsyncClient(base_url=base_url) as client:
        for _ in range(100):
            listed = await client.get(
                f"/api/incidents/{incident_id}/obligations", headers=bearer(token)
            )
            missed = [ob for ob in listed.json()["items"] if ob["state"] == "missed"]
            if missed and missed[0]["owed"]:
                return missed[0]
            await asyncio.sleep(0.2)
    raise AssertionError(f"no obligation of incident {incident_id} was missed in time")


async def test_the_wall_draws_from_its_channel_alone(
    sqlite_url, start_server, pages, demo, tmp_path
):
    rules = fast_ruleset(tmp_path)
    server = start_server(sqlite_url, WATCHFLOOR_RULESET=str(rules))
    incident = await post_incident(server.url, demo["reporter"], incident_body(unique("火灾")))
    missed = await _missed_and_owed(server.url, demo["display"], incident["id"])

    context = await pages.context()
    requests: list[str] = []
    context.on("request", lambda request: requests.append(urlsplit(request.url).path))
    page, console = await pages.open(server, "demo-display", "/wall", context=context)
    await wait_live(page)
    # The report missed before the wall opened is still owed: the snapshot brought it.
    card = page.locator(f'.card[data-incident="{incident["id"]}"]')
    owed = card.locator(f'[data-obligation="{missed["id"]}"] .clock[data-missed="true"]')
    await owed.wait_for(timeout=3000)
    assert await owed.locator(".clock-label").inner_text() == "漏报"

    # Plan events: a township's first plan in force moves the city's coverage, and its
    # version, issued ten days ago, owes its filing: the counters say so.
    due = page.locator('[data-counter="plans-due"] .counter-value')
    before = int(await due.inner_text())
    rate = page.locator('[data-counter="coverage"] .counter-value')
    rate_before = await rate.inner_text()
    today = datetime.now(UTC).astimezone(ZONE).date()
    version = version_body(
        effective_on=today.isoformat(), issued_on=(today - timedelta(days=10)).isoformat()
    )
    async with httpx.AsyncClient(base_url=server.url) as client:
        township = plan_body(title=unique("车陆乡应急预案"), type="grassroots", unit="231123002")
        plan = await issued_plan(client, demo["coordinator"], township, version)
    await page.wait_for_function(
        "n => document.querySelector('[data-counter=\"plans-due\"] .counter-value')"
        ".textContent === String(n)",
        arg=before + 1,
        timeout=5000,
    )
    await page.wait_for_function(
        "shown => document.querySelector('[data-counter=\"coverage\"] .counter-value')"
        ".textContent !== shown",
        arg=rate_before,
        timeout=5000,
    )

    # Drill events: a drill booked for this week appears; moved to a later week, it goes.
    starts = (datetime.now(UTC) + timedelta(minutes=3)).replace(second=0, microsecond=0)
    body = drill_body(
        plan["id"],
        title=unique("防汛桌面推演"),
        starts_at=starts.isoformat(),
        ends_at=(starts + timedelta(hours=1)).isoformat(),
    )
    later = starts + timedelta(days=21)
    async with httpx.AsyncClient(base_url=server.url) as client:
        booked = await client.post("/api/drills", json=body, headers=bearer(demo["coordinator"]))
        assert booked.status_code == 201, booked.text
        drill = booked.json()
        on_wall = page.locator(f'.drills [data-drill="{drill["id"]}"]')
        await on_wall.first.wait_for(timeout=5000)
        assert body["title"] in await on_wall.first.inner_text()
        moved = await client.patch(
            f"/api/drills/{drill['id']}",
            json={
                "starts_at": later.isoformat(),
                "ends_at": (later + timedelta(hours=1)).isoformat(),
            },
            headers=bearer(demo["coordinator"]),
        )
        assert moved.status_code == 200, moved.text
    await on_wall.first.wait_for(state="detached", timeout=5000)

    await page.wait_for_timeout(1000)  # time for any refetch after the events to show
    assert [path for path in requests if DOMAIN_READS.match(path)] == []
    assert any(path == "/wall" for path in requests)  # the recorder did see the page
    assert console.errors() == []
