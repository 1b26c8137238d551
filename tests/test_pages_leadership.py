"""/leadership in Chromium: the charts are drawn (canvases, no console errors), a county's
on-time rate clicks through to its faults and their incidents, in Chinese and English at
the wall and desk sizes."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import httpx
from playwright.async_api import expect

from command.assessment.registry_files import OFFICE_HEADERS
from command.db import Database
from tests.assessment_fixtures import YEAR, fixture_year
from tests.conftest import bearer
from tests.plans_fixtures import pdf_bytes

pytest_plugins = ("tests.browser_fixtures",)
DOCS = Path(__file__).resolve().parent.parent / "docs"
SHOTS = Path("/tmp/leadership-shots")
SHOTS.mkdir(exist_ok=True)

CLICK_BAR = """async ([id, name]) => {
  const echarts = await import('/static/vendor/echarts/echarts.esm.min.mjs');
  const chart = echarts.getInstanceByDom(document.getElementById(id));
  const option = chart.getOption();
  const index = option.xAxis[0].data.indexOf(name);
  const value = option.series[0].data[index];
  return chart.convertToPixel({ seriesIndex: 0 }, [index, value / 2]);
}"""


async def _seed(url: str) -> dict:
    db = Database(url)
    try:
        return await fixture_year(SimpleNamespace(state=SimpleNamespace(db=db)))
    finally:
        await db.dispose()


async def _open(pages, server, viewport):
    page, console = await pages.open(server, "demo-commander", "/leadership", viewport=viewport)
    await page.wait_for_selector("body[data-ready=true]", timeout=20_000)
    await page.select_option("#ld-year", str(YEAR))
    await page.wait_for_function(
        "document.querySelector('#chart-rate canvas') !== null", timeout=20_000
    )
    await page.wait_for_timeout(1500)  # the year's figures replace the current year's
    return page, console


async def test_the_leadership_page_draws_and_clicks_through(sqlite_url, start_server, pages):
    fixture = await _seed(sqlite_url)
    server = start_server(sqlite_url)
    page, console = await _open(pages, server, {"width": 1920, "height": 1080})
    assert await page.locator(".chart canvas").count() >= 8
    # The README's picture is taken again only when asked, so a test run leaves the tree clean.
    shot = DOCS if os.environ.get("WATCHFLOOR_REFRESH_DOCS") else SHOTS
    await page.screenshot(path=str(shot / "leadership.png"))
    x, y = await page.evaluate(CLICK_BAR, ["chart-rate", "爱辉区"])
    box = await page.locator("#chart-rate").bounding_box()
    await page.mouse.click(box["x"] + x, box["y"] + y)
    detail = page.locator("#detail-table tbody")
    await detail.locator("a.incident-link").first.wait_for(timeout=5000)
    text = await detail.inner_text()
    assert "漏报" in text and "迟报" in text and "瞒报" in text
    links = await detail.locator("a.incident-link").evaluate_all("a => a.map(x => x.href)")
    assert any(link.endswith(f"incident={fixture['incident_a']}") for link in links)
    assert "爱辉区" in await page.locator("#detail-title").inner_text()
    await page.screenshot(path=str(SHOTS / "leadership-1920-zh.png"), full_page=True)
    await page.click('#ready-figures button[data-figure="offices"]')
    await page.locator("#detail-title", has_text="应急办成立并配齐人员").wait_for(timeout=5000)
    assert "成立文件" in await detail.inner_text()
    await page.click('#ready-table tr[data-requirement="r10"] button')
    await page.locator("#detail-title", has_text="无迟报").wait_for(timeout=5000)
    assert "突发事件信息报送" in await detail.inner_text()
    await page.click("#lang")
    await page.wait_for_timeout(800)
    assert "Leadership overview" in await page.locator("h1").inner_text()
    await page.screenshot(path=str(SHOTS / "leadership-1920-en.png"), full_page=True)
    assert await page.evaluate("document.documentElement.scrollWidth") <= 1920
    assert console.errors() == []

    desk, desk_console = await _open(pages, server, {"width": 1440, "height": 900})
    assert await desk.locator(".chart canvas").count() >= 8
    assert await desk.evaluate("document.documentElement.scrollWidth") <= 1440
    await desk.screenshot(path=str(SHOTS / "leadership-1440-zh.png"), full_page=True)
    await desk.emulate_media(media="print")
    assert not await desk.locator("#ld-print").is_visible()
    assert await desk.locator(".chart canvas").count() >= 8
    await desk.screenshot(path=str(SHOTS / "leadership-print-zh.png"), full_page=True)
    (SHOTS / "leadership-a4.pdf").write_bytes(await desk.pdf(format="A4"))
    await desk.emulate_media(media="screen")
    await desk.click("#lang")
    await desk.wait_for_timeout(800)
    await desk.screenshot(path=str(SHOTS / "leadership-1440-en.png"), full_page=True)
    assert desk_console.errors() == []


async def test_the_readiness_page_records_offices_liaisons_and_imports_both_registries(
    sqlite_url, start_server, pages, demo, tmp_path
):
    from openpyxl import Workbook

    server = start_server(sqlite_url)
    page, console = await pages.open(
        server, "demo-commander", "/readiness", viewport={"width": 1440, "height": 900}
    )
    await page.wait_for_selector("body[data-ready=true]", timeout=20_000)
    row = page.locator('#offices tr[data-unit="231102"]')
    await row.locator("[name=director]").fill("张主任")
    await row.locator("[name=staff_in_post]").fill("6")
    await row.locator("button").click()
    await page.locator("#flash", has_text="已保存").wait_for(timeout=5000)
    scan = tmp_path / "成立文件.pdf"
    scan.write_bytes(pdf_bytes())
    await row.locator("input[name=document]").set_input_files(str(scan))
    await row.locator("a.document-link", has_text="成立文件.pdf").wait_for(timeout=5000)
    liaison = page.locator('#liaisons tr[data-unit="231100.BM01"]')
    await liaison.locator("[name=liaison]").fill("王联络员")
    await liaison.locator("button").click()
    await page.locator("#flash", has_text="已保存").wait_for(timeout=5000)

    offices = Workbook()
    offices.active.append(OFFICE_HEADERS)
    offices.active.append(["231123", "2020-05-01", "逊编〔2020〕3号", "刘主任", "赵副主任", 4, ""])
    offices.active.append(["231124", "not a date", "", "", "", 0, ""])
    path = tmp_path / "offices.xlsx"
    offices.save(path)
    await page.set_input_files("#offices-file", str(path))
    await page.click("#offices-import button[type=submit]")
    await page.locator("#flash", has_text="第 2 条记录").wait_for(timeout=5000)
    offices.active.delete_rows(3)
    offices.save(path)
    await page.set_input_files("#offices-file", str(path))
    await page.click("#offices-import button[type=submit]")
    await page.locator("#flash", has_text="已导入 1 条").wait_for(timeout=5000)
    xunke = page.locator('#offices tr[data-unit="231123"] [name=director]')
    await expect(xunke).to_have_value("刘主任", timeout=5000)

    book = Workbook()
    book.active.append(["日期", "单位编码", "类型", "对象", "参加人数", "领导干部人数"])
    book.active.append(["2026-05-10", "231102", "培训", "乡镇干部", 40, 3])
    path = tmp_path / "trainings.xlsx"
    book.save(path)
    await page.set_input_files("#import-file", str(path))
    await page.click("#import-form button[type=submit]")
    await page.locator("#trainings tbody tr", has_text="乡镇干部").wait_for(timeout=5000)
    assert "爱辉区" in await page.locator("#trainings tbody tr").first.inner_text()
    await page.screenshot(path=str(SHOTS / "readiness-1440-zh.png"), full_page=True)
    await page.click("#lang")
    await page.locator("h2", has_text="Department information liaisons").wait_for(timeout=5000)
    assert "Aihui" in await page.locator('#offices tr[data-unit="231102"]').inner_text()
    await page.screenshot(path=str(SHOTS / "readiness-1440-en.png"), full_page=True)
    assert await page.evaluate("document.documentElement.scrollWidth") <= 1440
    async with httpx.AsyncClient(base_url=server.url) as client:
        found = await client.get(
            "/api/readiness/offices", params={"unit": "231100"}, headers=bearer(demo["commander"])
        )
    offices_by_unit = {item["unit"]: item for item in found.json()["items"]}
    assert offices_by_unit["231102"]["director"] == "张主任"
    assert offices_by_unit["231102"]["checks"]["approval_document"] is True
    assert offices_by_unit["231100.BM01"]["liaison"] == "王联络员"
    assert offices_by_unit["231123"]["director"] == "刘主任"
    assert "231124" not in offices_by_unit  # the refused file wrote nothing
    assert console.errors(allowed=[r"status of 422"]) == []  # the refused workbook
