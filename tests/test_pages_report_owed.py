"""The field report page shows what the reporter's unit owes now, with a live clock, and
the centre's acknowledgement as it happens (390×844, Chinese and English)."""

from __future__ import annotations

import httpx

from tests.browser_helpers import PHONE, fast_ruleset, incident_body, post_incident, unique
from tests.conftest import bearer

pytest_plugins = ("tests.browser_fixtures",)


async def test_the_report_page_shows_what_the_unit_owes_and_the_centres_ack(
    sqlite_url, start_server, pages, demo
):
    server = start_server(sqlite_url)
    page, console = await pages.open(server, "demo-reporter", "/report", viewport=PHONE)
    title = unique("花园街道燃气泄漏")
    incident = await post_incident(server.url, demo["reporter"], incident_body(title))
    owed = page.locator("#owed")
    await owed.wait_for(state="visible", timeout=5000)
    item = owed.locator(".owed-item", has_text=title)
    await item.wait_for(timeout=5000)
    text = await item.inner_text()
    # 花园街道 owes 爱辉区 its first follow-up (续报一) within the day under cn-national.
    assert "续报一" in text and "爱辉区" in text and "中心尚未签收" in text
    first = await item.locator(".clock-time").inner_text()
    await page.wait_for_timeout(2500)
    assert await item.locator(".clock-time").inner_text() != first  # it runs
    async with httpx.AsyncClient(base_url=server.url) as client:
        acked = await client.post(
            f"/api/incidents/{incident['id']}/ack", headers=bearer(demo["commander"])
        )
        assert acked.status_code == 200
    await item.locator(".owed-state", has_text="中心已签收").wait_for(timeout=5000)
    await page.click("#lang")
    english = await item.inner_text()
    assert "Follow-up 1" in english and "acknowledged by the centre" in english
    assert (await page.locator("#who").inner_text()).endswith("· unit 231102001")
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]
    assert console.errors() == []


async def test_the_report_page_warns_the_unit_when_its_report_falls_due(
    sqlite_url, start_server, pages, demo, tmp_path
):
    # Follow-ups within 6 s instead of a day (warned at half of it): the township's own.
    ruleset = fast_ruleset(tmp_path)
    ruleset.write_text(ruleset.read_text(encoding="utf-8").replace('"P1D"', '"PT6S"'))
    server = start_server(sqlite_url, WATCHFLOOR_RULESET=str(ruleset))
    page, console = await pages.open(server, "demo-reporter", "/report", viewport=PHONE)
    title = unique("花园街道积水")
    await post_incident(server.url, demo["reporter"], incident_body(title))
    alert = page.locator("#owed-alert")
    await alert.wait_for(state="visible", timeout=8000)
    assert "报告即将到期" in await alert.inner_text() and title in await alert.inner_text()
    await page.locator("#owed-alert", has_text="报告已超时").wait_for(timeout=8000)
    assert console.errors() == []
