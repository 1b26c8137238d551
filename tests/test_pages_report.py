"""The field report page on a phone-sized Chromium: offline queue, idempotent resend."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from playwright.async_api import expect

from tests.browser_helpers import (
    OFFLINE,
    PHONE,
    SERVER_DOWN,
    incidents_titled,
    local_input,
    low_contrast,
    unique,
)

pytest_plugins = ("tests.browser_fixtures",)


async def fill_initial(page, title: str) -> None:
    await page.fill("#i-title", title)
    await page.select_option("#i-category", "accident")
    await page.select_option("#i-level", "IV")
    await page.fill("#i-type", "民房火灾")
    await page.locator("#i-map").click(position={"x": 150, "y": 120})
    await expect(page.locator("#point")).to_contain_text(",")
    await page.fill("#i-summary", "三楼起火，已疏散居民")
    for name, value in (("dead", "0"), ("missing", "0"), ("injured", "2"), ("loss", "3.5")):
        await page.fill(f"#i-{name}", value)


def outbox_item(page, state: str):
    return page.locator(f'#outbox li[data-state="{state}"]')


async def test_report_made_without_signal_is_sent_once_when_it_returns(shared_server, pages, demo):
    server = shared_server
    context = await pages.context(PHONE, has_touch=True, is_mobile=True)
    page, console = await pages.open(server, "demo-reporter", "/report", context=context)
    title = unique("花园街道民房火灾")
    await fill_initial(page, title)
    assert await page.locator("#i-facts").is_hidden()  # every key fact stated

    await context.set_offline(True)
    await page.click("#form-initial button[type=submit]")
    await outbox_item(page, "queued").wait_for(timeout=3000)
    assert await page.get_attribute("#network", "data-online") == "false"
    await expect(outbox_item(page, "queued").locator(".detail").last).to_contain_text("无信号")
    assert await outbox_item(page, "queued").count() == 1
    assert await incidents_titled(server.url, demo["commander"], title) == []

    await context.set_offline(False)
    await outbox_item(page, "confirmed").wait_for(timeout=10_000)
    found = await incidents_titled(server.url, demo["commander"], title)
    assert len(found) == 1
    assert [r["kind"] for r in found[0]["reports"]] == ["initial"]
    assert found[0]["reports"][0]["missing_facts"] == []
    assert found[0]["casualties"] == {"dead": 0, "missing": 0, "injured": 2}
    assert await outbox_item(page, "confirmed").count() == 1
    assert await low_contrast(page, "label, .chip, .detail, .hint, button") == []
    assert console.errors(allowed=OFFLINE) == []


async def test_a_lost_answer_is_retried_with_the_same_key_and_recorded_once(
    shared_server, pages, demo
):
    server = shared_server
    # The page's own requests, not its service worker's, are what the route intercepts.
    context = await pages.context(PHONE, service_workers="block")
    page, console = await pages.open(server, "demo-reporter", "/report", context=context)
    keys, replayed = [], []

    async def deliver_then_drop(route):
        # The report reaches the server; its answer never reaches the phone.
        keys.append(route.request.headers["idempotency-key"])
        await route.fetch()
        await route.abort("connectionreset")
        await page.unroute("**/api/incidents", deliver_then_drop)

    def answered(response) -> None:
        if response.url.endswith("/api/incidents"):
            key = response.request.headers["idempotency-key"]
            replayed.append((key, response.headers.get("idempotent-replayed")))

    await page.route("**/api/incidents", deliver_then_drop)
    page.on("response", answered)
    title = unique("海兰街道燃气泄漏")
    await fill_initial(page, title)
    await page.click("#form-initial button[type=submit]")
    await outbox_item(page, "confirmed").wait_for(timeout=15_000)

    assert len(keys) == 1 and replayed == [(keys[0], "true")]
    assert len(await incidents_titled(server.url, demo["commander"], title)) == 1
    assert console.errors(allowed=SERVER_DOWN) == []


async def test_followup_written_offline_waits_for_its_queued_incident(shared_server, pages, demo):
    server = shared_server
    context = await pages.context(PHONE)
    page, console = await pages.open(server, "demo-reporter", "/report", context=context)
    title = unique("西岗子镇山洪")
    await context.set_offline(True)
    await fill_initial(page, title)
    await page.click("#form-initial button[type=submit]")
    await page.click("#tab-followup")
    await expect(page.locator("#f-incident option", has_text=title)).to_have_count(1)
    await page.select_option("#f-incident", label=f"【待发送】{title}")
    await page.fill("#f-summary", "续报：受伤人数增至3人")
    await page.fill("#f-injured", "3")
    await page.click("#form-followup button[type=submit]")
    await expect(outbox_item(page, "queued")).to_have_count(2)

    await context.set_offline(False)
    await expect(outbox_item(page, "confirmed")).to_have_count(2, timeout=15_000)
    [incident] = await incidents_titled(server.url, demo["commander"], title)
    assert [r["kind"] for r in incident["reports"]] == ["initial", "followup"]
    assert incident["casualties"]["injured"] == 3
    assert console.errors(allowed=OFFLINE) == []


async def test_a_refused_report_says_why_writes_nothing_and_can_be_corrected(
    shared_server, pages, demo
):
    server = shared_server
    page, console = await pages.open(server, "demo-reporter", "/report", viewport=PHONE)
    title = unique("瑷珲镇交通事故")
    await fill_initial(page, title)
    learned = datetime.now(UTC) - timedelta(hours=1)
    await page.fill("#i-learned", local_input(learned))
    await page.fill("#i-occurred", local_input(learned + timedelta(minutes=30)))
    await page.click("#form-initial button[type=submit]")

    refused = outbox_item(page, "rejected")
    await refused.wait_for(timeout=5000)
    # The refusal in the page's language, said once: the code's sentence, never the
    # server's English.
    refusal = "事发时间不合理：不能晚于获悉时间，也不能在将来"
    assert await refused.locator(".detail.error-text").inner_text() == refusal
    assert (await refused.inner_text()).count("事发时间不合理") == 1
    assert "invalid" not in (await page.inner_text("main")).lower()
    assert await incidents_titled(server.url, demo["commander"], title) == []

    await refused.get_by_role("button", name="修改后重发").click()
    assert await page.input_value("#i-title") == title
    await expect(outbox_item(page, "rejected")).to_have_count(0)
    await page.fill("#i-occurred", local_input(learned - timedelta(minutes=10)))
    await page.click("#form-initial button[type=submit]")
    await outbox_item(page, "confirmed").wait_for(timeout=5000)
    assert len(await incidents_titled(server.url, demo["commander"], title)) == 1
    assert console.errors(allowed=[r"status of 422"]) == []


async def test_reports_on_a_shared_phone_stay_with_their_author(shared_server, pages, demo):
    server = shared_server
    context = await pages.context(PHONE)
    page, _ = await pages.open(server, "demo-reporter", "/report", context=context)
    title = unique("共享手机报告")
    await context.set_offline(True)
    await fill_initial(page, title)
    await page.click("#form-initial button[type=submit]")
    await outbox_item(page, "queued").wait_for()
    await page.close()
    await context.set_offline(False)

    other, console = await pages.open(server, "demo-commander", "/report", context=context)
    await other.wait_for_selector("#outbox li.empty")
    await other.wait_for_timeout(1000)
    assert await incidents_titled(server.url, demo["commander"], title) == []

    again, _ = await pages.open(server, "demo-reporter", "/report", context=context)
    await outbox_item(again, "confirmed").wait_for(timeout=10_000)
    [incident] = await incidents_titled(server.url, demo["commander"], title)
    assert incident["created_by"] == "user:demo-reporter"
    assert console.errors() == []


async def until(page, expression: str, within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while not await page.evaluate(expression):
        assert time.monotonic() < deadline, f"still false after {within} s: {expression}"
        await page.wait_for_timeout(100)


async def test_the_page_opens_without_signal_once_it_has_been_opened(shared_server, pages, demo):
    server = shared_server
    context = await pages.context(PHONE)
    page, console = await pages.open(server, "demo-reporter", "/report", context=context)
    await until(page, "navigator.serviceWorker.controller !== null")
    await context.set_offline(True)
    await page.reload()
    await page.wait_for_selector("#form-initial")
    assert await page.get_attribute("#network", "data-online") == "false"
    assert await page.input_value("#i-unit") == "231102001"

    title = unique("罕达汽镇林区火情")
    await fill_initial(page, title)
    await page.click("#form-initial button[type=submit]")
    await outbox_item(page, "queued").wait_for()
    await context.set_offline(False)
    await outbox_item(page, "confirmed").wait_for(timeout=10_000)
    assert len(await incidents_titled(server.url, demo["commander"], title)) == 1
    assert console.errors(allowed=OFFLINE) == []
