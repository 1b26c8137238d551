"""/assessment in Chromium: the county fills in a manual score with its note and evidence
and submits; a score beyond the indicator's points is refused in the page's language; the
city adjusts the score with a reason and approves, after which nothing can be edited; a
computed deduction leads to its incident. Chinese and English at the desk size."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from playwright.async_api import expect

from command.auth.service import create_user
from command.db import Database
from command.demo import DEMO_PASSWORD
from command.units.service import find_unit
from tests.assessment_fixtures import COUNTY, OTHER_COUNTY, YEAR, fixture_year
from tests.plans_fixtures import pdf_bytes

pytest_plugins = ("tests.browser_fixtures",)
SHOTS = Path("/tmp/shots-18")
SHOTS.mkdir(exist_ok=True)
DESK = {"width": 1440, "height": 900}


async def _seed(url: str) -> dict:
    db = Database(url)
    try:
        fixture = await fixture_year(SimpleNamespace(state=SimpleNamespace(db=db)))
        async with db.write() as session:
            await create_user(
                session, username="aihui-commander", password=DEMO_PASSWORD,
                unit=await find_unit(session, COUNTY), role="commander",
            )  # fmt: skip
        return fixture
    finally:
        await db.dispose()


async def _this_year_timetable(page, left: str, today_text: str, opens: str) -> None:
    """2026's windows on the real date: the days left to the self-assessment date, and the
    days until the inspection opens (after the report date, 15 Dec)."""
    await page.select_option("#as-year", "2026")
    first = page.locator('#as-cycle li[data-step="self_assessment"]')
    await expect(first).to_contain_text("2026-12-10", timeout=5000)
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    days = (date(2026, 12, 10) - today).days
    if days >= 0:
        await expect(first).to_contain_text(left.format(days) if days else today_text)
    to_open = (date(2026, 12, 16) - today).days
    if to_open > 0:
        inspection = page.locator('#as-cycle li[data-step="inspection"]')
        await expect(inspection).to_contain_text(opens.format(to_open))


async def test_a_county_submits_and_the_city_adjusts_and_approves(
    sqlite_url, start_server, pages, tmp_path
):
    fixture = await _seed(sqlite_url)
    server = start_server(sqlite_url)
    county, county_console = await pages.open(
        server, "aihui-commander", f"/assessment?year={YEAR}", viewport=DESK
    )
    await county.wait_for_selector("body[data-ready=true]", timeout=20_000)
    assert await county.locator("#as-approve").is_hidden()  # no unit approves itself
    timetable = county.locator("#as-cycle li")
    assert await timetable.evaluate_all("li => li.map(x => x.dataset.step)") == [
        "self_assessment", "report", "inspection", "approval"
    ]  # fmt: skip
    assert "截至 2025-12-10" in await timetable.first.inner_text()  # 2025's dates have passed:
    assert "仍可逾期提交" in await timetable.first.inner_text()  # late, but accepted
    assert "2025-12-16 至 2025-12-31" in await timetable.nth(2).inner_text()
    reporting = county.locator('#as-points tr[data-indicator="duty.reporting"]')
    links = await reporting.locator("a.incident-link").evaluate_all("a => a.map(x => x.href)")
    assert any(link.endswith(f"incident={fixture['incident_a']}") for link in links)
    staff = county.locator('#as-points tr[data-indicator="system.staff"]')
    assert await staff.locator("[name=inspector_points]").count() == 0
    await staff.locator("[name=self_points]").fill("9")
    await county.click("#as-save")
    await county.locator("#flash.error").wait_for(timeout=5000)
    assert "beyond" not in await county.locator("#flash").inner_text()  # no server English
    await staff.locator("[name=self_points]").fill("4")
    await staff.locator("[name=self_note]").fill("人员全部在岗")
    await county.fill("#as-notes", "全年工作总结见附件")
    scan = tmp_path / "在岗名单.pdf"
    scan.write_bytes(pdf_bytes())
    await staff.locator("input[name=evidence]").set_input_files(str(scan))
    await staff.locator("a.evidence-link", has_text="在岗名单.pdf").wait_for(timeout=5000)
    await county.click("#as-submit")
    await expect(county.locator("#as-state")).to_have_text("已上报", timeout=5000)
    await expect(county.locator("#as-late")).to_contain_text("逾期提交")  # after 10 Dec 2025
    assert "逾期提交" in await county.locator("#as-county option:checked").inner_text()
    await expect(staff.locator("[name=self_points]")).to_have_value("4")  # kept and saved
    await expect(staff.locator("[name=self_note]")).to_have_value("人员全部在岗")
    await expect(county.locator("#as-notes")).to_have_value("全年工作总结见附件")
    await expect(staff.locator("td").nth(2)).to_have_text("4")
    assert "扣分" in await reporting.inner_text()  # how the points came, in Chinese
    await county.screenshot(path=str(SHOTS / "assessment-county-1440-zh.png"), full_page=True)
    await _this_year_timetable(county, "剩 {} 天", "今日截止", "{} 天后开始")
    await county.screenshot(path=str(SHOTS / "assessment-county-2026-1440-zh.png"))
    assert county_console.errors(allowed=[r"status of 422"]) == []

    city, city_console = await pages.open(server, "demo-commander", "/leadership", viewport=DESK)
    await city.goto(f"{server.url}/assessment?year={YEAR}&unit={COUNTY}")
    await city.wait_for_selector("body[data-ready=true]", timeout=20_000)
    await expect(city.locator("#as-county")).to_have_value(COUNTY)
    await city.select_option("#as-county", OTHER_COUNTY)  # a county that never submitted
    await city.click("#as-approve")
    await city.locator("#flash.error", has_text="尚未上报自评").wait_for(timeout=5000)
    await expect(city.locator("#as-state")).to_have_text("未开始")  # nothing was approved
    await city.select_option("#as-county", COUNTY)
    staff = city.locator('#as-points tr[data-indicator="system.staff"]')
    await staff.locator("[name=inspector_points]").fill("3.5")
    await staff.locator("[name=inspector_reason]").fill("两人借调未在岗")
    await staff.locator("button", has_text="调整").click()
    await city.locator("#flash", has_text="已调整").wait_for(timeout=5000)
    await expect(staff.locator("td").nth(2)).to_have_text("3.5")
    await expect(staff.locator("td").nth(3)).to_have_text("考核组核定")
    await city.click("#as-approve")
    await expect(city.locator("#as-state")).to_have_text("已审定", timeout=5000)
    assert await city.locator("#as-approve").is_hidden()
    assert await city.locator('#as-points [name="self_points"]').first.is_disabled()
    await city.screenshot(path=str(SHOTS / "assessment-city-1440-zh.png"), full_page=True)
    await city.click("#lang")
    await expect(city.locator("#as-state")).to_have_text("approved")
    assert "Aihui" in await city.locator("#as-county option:checked").inner_text()
    cycle = await city.locator("#as-cycle").inner_text()
    assert "approval" in cycle and "2025-12-16 to 2026-01-10" in cycle
    await expect(city.locator("#as-late")).to_contain_text("submitted late by")
    assert (
        "deductions"
        in await staff.page.locator('#as-points tr[data-indicator="duty.reporting"]').inner_text()
    )
    await city.screenshot(path=str(SHOTS / "assessment-city-1440-en.png"), full_page=True)
    await _this_year_timetable(city, "{} days left", "due today", "opens in {} days")
    await city.screenshot(path=str(SHOTS / "assessment-city-2026-1440-en.png"))
    assert await city.evaluate("document.documentElement.scrollWidth") <= 1440
    assert city_console.errors(allowed=[r"status of 409"]) == []
