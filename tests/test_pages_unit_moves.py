"""Moving a unit on /admin in Chromium at the desk's size (1440×900): a new branch moves
under another county with the tree picker, and a county with records is refused in the
page's language, in Chinese and in English."""

from __future__ import annotations

import os
import re
from pathlib import Path

import httpx

from tests.conftest import bearer
from tests.test_pages_plans import pick

pytest_plugins = ("tests.browser_fixtures",)
SCREEN = {"width": 1440, "height": 900}
LATIN = re.compile(r"[A-Za-z]{3,}")


def _shots(tmp_path: Path) -> Path:
    """Where the screenshots go: WATCHFLOOR_SHOTS when set (to look at them), else tmp."""
    folder = Path(os.environ.get("WATCHFLOOR_SHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


async def _branch(server, admin: str) -> None:
    async with httpx.AsyncClient(base_url=server.url) as client:
        for code, parent, tier in (("MVP1", "231102", "township"), ("MVP1A", "MVP1", "village")):
            body = {"code": code, "name": f"新设{code}", "name_en": f"New {code}"}
            body |= {"kind": "area", "tier": tier, "parent": parent}
            made = await client.post("/api/units", json=body, headers=bearer(admin))
            assert made.status_code == 201, made.text


async def _unit(server, admin: str, code: str) -> dict:
    async with httpx.AsyncClient(base_url=server.url) as client:
        return (await client.get(f"/api/units/{code}", headers=bearer(admin))).json()


async def test_an_admin_moves_a_new_branch_and_is_told_why_a_busy_county_stays(
    shared_server, pages, demo, tmp_path
):
    shots = _shots(tmp_path)
    admin = demo["admin"]
    await _branch(shared_server, admin)
    page, console = await pages.open(shared_server, "demo-admin", "/admin", viewport=SCREEN)
    await page.wait_for_selector('#unit-tree li[data-value="231100"]')
    await pick(page, "#unit-tree", "新设MVP1", "MVP1")
    await page.wait_for_selector("#unit-code:text-is('MVP1')")
    assert await page.inner_text("#move-unit") == "新设MVP1"
    # Its own subtree is not offered as a parent.
    await page.fill("#move-parent .picker-search", "新设")
    assert await page.locator("#move-parent li[data-value]").count() == 0
    await pick(page, "#move-parent", "逊克", "231123")
    await page.click("#move-form button[type=submit]")
    await page.wait_for_selector("#flash:has-text('已移到')")
    assert "逊克县" in await page.inner_text("#flash")
    moved, below = (
        await _unit(shared_server, admin, "MVP1"),
        await _unit(shared_server, admin, "MVP1A"),
    )
    assert moved["parent"] == "231123" and below["path"].endswith("/231123/MVP1/MVP1A/")
    # The tree shows it under 逊克县 now: searching for it keeps its new ancestors.
    await page.fill("#unit-tree .picker-search", "新设MVP1A")
    shown = await page.locator("#unit-tree li[data-value]").evaluate_all(
        "rows => rows.map(row => row.dataset.value)"
    )
    assert "231123" in shown and "231102" not in shown, shown
    await page.evaluate("window.scrollTo(0, 0)")
    await page.screenshot(path=str(shots / "admin-unit-moved-zh.png"))
    await page.fill("#unit-tree .picker-search", "")

    await pick(page, "#unit-tree", "爱辉", "231102")
    await page.wait_for_selector("#unit-code:text-is('231102')")
    await pick(page, "#move-parent", "逊克", "231123")
    await page.click("#move-form button[type=submit]")
    refusal = page.locator("#move-form .form-error")
    await refusal.wait_for(state="visible")
    said = await refusal.inner_text()
    # the demo reporter's account and token sit in 花园街道, below 爱辉区
    assert said.startswith("爱辉区或其下级单位已有记录，不能移动："), said
    assert "令牌 1 条" in said and "用户 1 条" in said and not LATIN.search(said), said
    await refusal.scroll_into_view_if_needed()
    await page.screenshot(path=str(shots / "admin-unit-refused-zh.png"))

    await page.click("#lang")
    await page.wait_for_selector("#move-form h2:has-text('Move unit')")
    await page.click("#move-form button[type=submit]")
    await page.wait_for_function(
        "() => document.querySelector('#move-form .form-error').textContent.includes('records')"
    )
    said = await refusal.inner_text()
    assert "already has records, so it cannot move" in said and "tokens: 1" in said, said
    assert not re.search(r"[\u4e00-\u9fff]{2,}区或", said), said
    await page.screenshot(path=str(shots / "admin-unit-refused-en.png"))
    await pick(page, "#unit-tree", "New MVP1", "MVP1")
    await page.wait_for_selector("#unit-code:text-is('MVP1')")
    await page.evaluate("window.scrollTo(0, 0)")
    await page.screenshot(path=str(shots / "admin-unit-moved-en.png"))
    unchanged = await _unit(shared_server, admin, "231102")
    assert unchanged["parent"] == "231100"
    assert console.errors(allowed=[r"status of 409 \(Conflict\)"]) == []
