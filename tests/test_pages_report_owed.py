"""The field report page shows what the reporter's unit owes now, with a live clock, and
the centre's acknowledgement as it happens (390×844, Chinese and English)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from aiosmtpd.controller import Controller

from tests.browser_helpers import PHONE, fast_ruleset, incident_body, post_incident, unique
from tests.conftest import bearer
from tests.servers import free_port

pytest_plugins = ("tests.browser_fixtures",)
# Screenshots of the escalation states, for a person to look at.
SHOTS = Path("/tmp/shots-16")
SHOTS.mkdir(exist_ok=True)


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
    who = await page.locator("#who").inner_text()
    assert "· unit " in who and who.endswith("(231102001)") and "单位" not in who
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


async def test_the_report_page_says_only_what_reached_the_superior(
    sqlite_url, start_server, pages, demo, tmp_path
):
    """Overdue with nobody reachable at the superior: just "已超时". Once a message to
    the superior went out: "已提醒上级 HH:MM"; once someone there acknowledged it:
    "上级已确认 HH:MM（who）" (390×844, Chinese and English)."""

    class Box:
        def __init__(self) -> None:
            self.rcpts: list[str] = []

        async def handle_DATA(self, server, session, envelope):
            self.rcpts += envelope.rcpt_tos
            return "250 OK"

    box, port = Box(), free_port()
    relay = Controller(box, hostname="127.0.0.1", port=port)
    relay.start()
    try:
        ruleset = fast_ruleset(tmp_path)
        # Follow-ups every 8 s, each owed for a minute past its due time before it is
        # missed: the overdue one stays on the page beside the next.
        text = ruleset.read_text(encoding="utf-8").replace('"P1D"', '"PT8S"')
        ruleset.write_text(text.replace('grace = "PT1S"', 'grace = "PT60S"'))
        server = start_server(
            sqlite_url,
            WATCHFLOOR_RULESET=str(ruleset),
            WATCHFLOOR_SMTP_URL=f"smtp://127.0.0.1:{port}",
        )
        page, console = await pages.open(server, "demo-reporter", "/report", viewport=PHONE)
        owed = page.locator("#owed")
        # 爱辉区 (the superior) has no contacts and its roster no mail: nobody is reached.
        quiet = unique("花园街道无人接报")
        await post_incident(server.url, demo["reporter"], incident_body(quiet))
        await owed.wait_for(state="visible", timeout=8000)
        alone = owed.locator(".owed-item", has_text=quiet).first.locator(".owed-state")
        await alone.filter(has_text="已超时").wait_for(timeout=10000)
        await page.wait_for_timeout(3000)  # the notification worker had its rounds
        assert "提醒上级" not in await alone.inner_text()
        assert "上级已确认" not in await alone.inner_text()

        async with httpx.AsyncClient(base_url=server.url) as client:
            contacts = {"contacts": [{"kind": "email", "address": "duty@aihui.example"}]}
            patched = await client.patch(
                "/api/units/231102", json=contacts, headers=bearer(demo["admin"])
            )
            assert patched.status_code == 200, patched.text
            told = unique("花园街道燃气泄漏")
            incident = await post_incident(server.url, demo["reporter"], incident_body(told))
            state = owed.locator(".owed-item", has_text=told).first.locator(".owed-state")
            await state.filter(has_text="已超时，已提醒上级").wait_for(timeout=15000)
            assert "duty@aihui.example" in box.rcpts
            assert "提醒上级" not in await alone.inner_text()  # the first one: still nobody
            await page.screenshot(path=str(SHOTS / "report-owed-escalated-zh.png"))

            sent: list = []
            for _ in range(50):
                listed = await client.get(
                    "/api/notifications",
                    params={"incident": incident["id"], "unit": "231102", "state": "sent"},
                    headers=bearer(demo["commander"]),
                )
                sent = [d for d in listed.json()["items"] if d["address"] == "duty@aihui.example"]
                if sent:
                    break
                await asyncio.sleep(0.2)
            acked = await client.post(
                f"/api/notifications/{sent[0]['id']}/ack", headers=bearer(demo["commander"])
            )
            assert acked.status_code == 200, acked.text
        await state.filter(has_text="上级已确认").wait_for(timeout=8000)
        text = await state.inner_text()
        assert "已超时，上级已确认" in text and "（" in text, text
        await page.screenshot(path=str(SHOTS / "report-owed-acked-zh.png"))
        await page.click("#lang")
        await state.filter(has_text="your superior acknowledged").wait_for(timeout=5000)
        assert (await alone.inner_text()).endswith("overdue")
        await page.screenshot(path=str(SHOTS / "report-owed-acked-en.png"))
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"]
        assert console.errors() == []
    finally:
        relay.stop()
