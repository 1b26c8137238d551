"""Duty on the pages: who is on duty in the wall header and on the desk (with sign-in), and
the desk's log of the reminders sent, acknowledged from the page."""

from __future__ import annotations

import httpx

from tests.browser_helpers import wait_live
from tests.conftest import bearer
from tests.duty_fixtures import shift_body

pytest_plugins = ("tests.browser_fixtures",)


async def test_the_wall_header_shows_who_is_on_duty_live(sqlite_url, start_server, pages, demo):
    server = start_server(sqlite_url)
    page, console = await pages.open(server, "demo-display", "/wall")
    await wait_live(page)
    on_duty = page.locator("#on-duty")
    assert await on_duty.is_hidden()
    async with httpx.AsyncClient(base_url=server.url) as client:
        response = await client.post(
            "/api/duty/shifts", json=shift_body(-1, 11), headers=bearer(demo["commander"])
        )
        assert response.status_code == 201, response.text
    await on_duty.wait_for(state="visible", timeout=3000)
    text = await on_duty.inner_text()
    assert "张副市长" in text and "李值班" in text and "0456-8220000" in text
    assert text.startswith("带班")
    await page.click("#lang")
    english = await on_duty.inner_text()
    assert english.startswith("Leader") and "On duty 李值班" in english
    await page.reload()
    await wait_live(page)
    await on_duty.wait_for(state="visible", timeout=3000)
    assert "张副市长" in await on_duty.inner_text()
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1920
    assert console.errors() == []


async def test_the_desk_shows_who_is_on_duty_and_signs_them_in(
    sqlite_url, start_server, pages, demo
):
    server = start_server(sqlite_url)
    async with httpx.AsyncClient(base_url=server.url) as client:
        response = await client.post(
            "/api/duty/shifts", json=shift_body(-0.1, 11), headers=bearer(demo["commander"])
        )
        assert response.status_code == 201, response.text
        shift = response.json()
    page, console = await pages.open(
        server, "demo-commander", "/desk", viewport={"width": 1440, "height": 900}
    )
    await wait_live(page)
    panel = page.locator("#side-duty")
    await panel.locator('[data-person="李值班"]').wait_for(timeout=5000)
    assert "张副市长" in await panel.inner_text()
    await panel.locator('[data-person="李值班"] button').click()
    await panel.locator('[data-person="李值班"]', has_text="已签到").wait_for(timeout=5000)
    async with httpx.AsyncClient(base_url=server.url) as client:
        roster = await client.get("/api/duty/shifts", headers=bearer(demo["commander"]))
    signed = next(s for s in roster.json()["items"] if s["id"] == shift["id"])
    assert [s["name"] for s in signed["sign_ins"]] == ["李值班"]
    assert signed["sign_ins"][0]["by"].startswith("user:")
    assert console.errors() == []


async def test_the_desk_lists_the_reminders_sent_and_acknowledges_one(
    sqlite_url, start_server, pages, demo, tmp_path
):
    from aiosmtpd.controller import Controller

    from tests.browser_helpers import fast_ruleset, incident_body, post_incident, unique
    from tests.servers import free_port
    from tests.test_notifications import Mailbox

    box, port = Mailbox(), free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        server = start_server(
            sqlite_url,
            WATCHFLOOR_SMTP_URL=f"smtp://127.0.0.1:{port}",
            WATCHFLOOR_RULESET=str(fast_ruleset(tmp_path)),
        )
        async with httpx.AsyncClient(base_url=server.url) as client:
            contacts = [{"kind": "email", "address": "duty@county.example"}]
            response = await client.patch(
                "/api/units/231102", json={"contacts": contacts}, headers=bearer(demo["admin"])
            )
            assert response.status_code == 200
        page, console = await pages.open(
            server, "demo-commander", "/desk", viewport={"width": 1440, "height": 900}
        )
        await wait_live(page)
        incident = await post_incident(
            server.url, demo["reporter"], incident_body(unique("花园街道管道破裂"))
        )
        deadline_s = 15
        for _ in range(deadline_s * 10):
            if box.to("duty@county.example"):
                break
            await page.wait_for_timeout(100)
        assert box.to("duty@county.example"), "no reminder reached the mail server"
        await page.click(f"#q-{incident['id']}")
        sent = page.locator("#iv-deliveries li.delivery", has_text="已发送").first
        await sent.wait_for(timeout=5000)
        assert "duty@county.example" in await sent.inner_text()
        await sent.locator('button[data-action="ack-delivery"]').click()
        await page.locator("#iv-deliveries li.delivery", has_text="已确认").first.wait_for(
            timeout=5000
        )
        async with httpx.AsyncClient(base_url=server.url) as client:
            log = await client.get(
                f"/api/notifications?incident={incident['id']}",
                headers=bearer(demo["commander"]),
            )
        assert any(d["acknowledged_by"] for d in log.json()["items"])
        assert console.errors() == []
    finally:
        controller.stop()
