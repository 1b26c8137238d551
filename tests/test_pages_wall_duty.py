"""The wall's header shows who is on duty at the screen's unit, live from the roster."""

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
