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
