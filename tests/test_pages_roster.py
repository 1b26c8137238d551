"""The roster page (/duty) at the desk's size (1440×900), in Chinese and English: the
week's shifts, adding and changing one with the server's overlap and hole checks named in
the page's language, an import refused with its rows named, read-only for readers; and
the duty log of the shift on duty, printable on A4."""

from __future__ import annotations

import io
import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from openpyxl import Workbook

from command.duty.roster_files import HEADERS
from tests.browser_helpers import incident_body, unique
from tests.conftest import bearer
from tests.duty_fixtures import shift_body

pytest_plugins = ("tests.browser_fixtures",)

DESK_SIZE = {"width": 1440, "height": 900}
# The refusals the page is expected to show (Chromium logs each response it got).
REFUSED = (r"status of (409|422) \((Conflict|Unprocessable Entity)\)",)
BASE = datetime.now(UTC).replace(second=0, microsecond=0)


def shots(tmp_path: Path) -> Path:
    """Where the screenshots go: WATCHFLOOR_SCREENSHOT_DIR, else the test's directory."""
    folder = Path(os.environ.get("WATCHFLOOR_SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def body_at(start: float, end: float, **changes) -> dict:
    return shift_body(
        start,
        end,
        starts_at=(BASE + timedelta(hours=start)).isoformat(),
        ends_at=(BASE + timedelta(hours=end)).isoformat(),
        **changes,
    )


async def _roster(server, demo, *bodies) -> list[dict]:
    made = []
    async with httpx.AsyncClient(base_url=server.url) as client:
        for body in bodies:
            response = await client.post(
                "/api/duty/shifts", json=body, headers=bearer(demo["commander"])
            )
            assert response.status_code == 201, response.text
            made.append(response.json())
    return made


async def _open(pages, server, user="demo-commander"):
    page, console = await pages.open(server, user, "/duty", viewport=DESK_SIZE)
    await page.wait_for_selector('body[data-ready="true"]', timeout=10_000)
    return page, console


async def _fits(page) -> None:
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= DESK_SIZE["width"], width


async def test_the_roster_is_edited_with_the_checks_named_in_both_languages(
    sqlite_url, start_server, pages, demo, tmp_path
):
    server = start_server(sqlite_url)
    await _roster(
        server,
        demo,
        body_at(-1, 11),
        body_at(11, 23, leader={"name": "赵局长", "phone": "13900000009"}),
    )
    page, console = await _open(pages, server)
    rows = page.locator("#roster tbody tr")
    assert await rows.count() == 2
    assert "当班" in await rows.nth(0).inner_text()
    assert "赵局长" in await rows.nth(1).inner_text()
    # The shift on duty opens with its log.
    await page.locator("#log h2", has_text="值班日志").wait_for()
    await page.screenshot(path=str(shots(tmp_path) / "roster-zh.png"))
    await _fits(page)

    # A third shift: the form starts where the roster ends.
    await page.click("#add-shift")
    form = page.locator("#shift-form")
    await form.wait_for(state="visible")
    assert await page.input_value("#f-start") != ""
    await page.fill("#f-leader-name", "孙主任")
    await page.fill("#f-leader-email", "sun@example.org")
    await page.fill('#officers input[name="officer_name"]', "李值班")  # known: phone filled
    await page.dispatch_event('#officers input[name="officer_name"]', "change")
    assert await page.input_value('#officers input[name="officer_phone"]') == "13900000002"
    await page.click("#add-officer")
    await page.locator('#officers input[name="officer_name"]').nth(1).fill("周干事")
    await page.screenshot(path=str(shots(tmp_path) / "roster-form-zh.png"))
    await page.click("#save")
    await page.locator("#roster tbody tr", has_text="孙主任").wait_for()
    assert await rows.count() == 3
    assert "周干事" in await rows.nth(2).inner_text()

    # Shortening the second shift would leave a hole before the third: refused, naming it.
    await rows.nth(1).locator("button[data-edit]").click()
    end = await page.input_value("#f-end")
    earlier = (datetime.fromisoformat(end) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    await page.fill("#f-end", earlier)
    await page.click("#save")
    error = form.locator(".form-error")
    await error.wait_for(state="visible")
    text = await error.inner_text()
    assert "空档" in text and "孙主任" in text, text
    # Lengthening it runs into the third: an overlap, naming it.
    later = (datetime.fromisoformat(end) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    await page.fill("#f-end", later)
    await page.click("#save")
    await form.locator(".form-error", has_text="重叠").wait_for()
    assert "孙主任" in await error.inner_text()
    await page.screenshot(path=str(shots(tmp_path) / "roster-overlap-zh.png"))

    await page.click("#lang")
    await page.click("#save")
    await form.locator(".form-error", has_text=re.compile("^Overlaps")).wait_for()
    assert "leader 孙主任" in await error.inner_text()
    body = await page.inner_text("body")
    assert not re.search(r"\broster\.[a-z]", body)
    # The header names the caller (演示值班员, a person's name); the page's own words are English.
    assert "值班员" not in body.replace("演示值班员", "") and "带班领导" not in body
    await page.screenshot(path=str(shots(tmp_path) / "roster-overlap-en.png"))
    await page.click("#cancel")
    # The third shift, not begun, is taken off (two clicks: the second confirms).
    await rows.nth(2).locator("button[data-edit]").click()
    await page.click("#remove")
    await page.click("#remove")
    await page.locator("#flash", has_text="removed").wait_for()
    await page.locator("#roster tbody tr", has_text="孙主任").wait_for(state="detached")
    assert await rows.count() == 2
    await page.locator("#log .meta", has_text="张副市长").wait_for()  # the removed one's log goes
    await page.click("#by-day")
    assert await page.get_attribute("#by-day", "aria-selected") == "true"
    await page.locator("#today", has_text="Today").wait_for()
    await _fits(page)
    await page.screenshot(path=str(shots(tmp_path) / "roster-en.png"))
    assert console.errors(REFUSED) == []


def _workbook(rows: list[list[str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["值班表"])
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _row(day: str, start: str, end: str, leader: str = "王建国") -> list[str]:
    return ["231100", day, "", start, end, leader, "", "陈晓明", "", "0456-8221110"]


async def test_an_import_with_an_overlap_is_refused_row_by_row_and_a_good_one_lands(
    sqlite_url, start_server, pages, demo, tmp_path
):
    server = start_server(sqlite_url)
    page, console = await _open(pages, server)
    day = (BASE + timedelta(days=2)).astimezone(UTC).date().isoformat()
    bad = _workbook([_row(day, "08:00", "20:00"), _row(day, "19:00", "08:00")])
    await page.set_input_files(
        "#import",
        files=[{"name": "roster.xlsx", "mimeType": "application/octet-stream", "buffer": bad}],
    )
    problems = page.locator("#import-problems")
    await problems.wait_for(state="visible")
    assert "第 4 行：与第 3 行时间重叠" in await problems.inner_text()
    await page.screenshot(path=str(shots(tmp_path) / "roster-import-refused-zh.png"))
    async with httpx.AsyncClient(base_url=server.url) as client:
        stored = await client.get("/api/duty/shifts", headers=bearer(demo["commander"]))
    assert stored.json()["items"] == []
    good = _workbook([_row(day, "08:00", "20:00"), _row(day, "20:00", "08:00", "刘志强")])
    await page.set_input_files(
        "#import",
        files=[{"name": "roster.xlsx", "mimeType": "application/octet-stream", "buffer": good}],
    )
    await page.locator("#flash", has_text="已导入 2 个班次").wait_for()
    assert await problems.is_hidden()
    assert await page.get_attribute("#template", "href") == "/api/duty/shifts/template.xlsx"
    assert "/api/duty/shifts.xlsx?" in await page.get_attribute("#export", "href")
    assert console.errors(REFUSED) == []


async def test_readers_see_the_roster_and_its_log_but_cannot_change_it(
    sqlite_url, start_server, pages, demo
):
    server = start_server(sqlite_url)
    await _roster(server, demo, body_at(-1, 11))
    page, console = await _open(pages, server, "demo-display")
    await page.locator("#roster tbody tr", has_text="张副市长").wait_for()
    assert await page.locator("#add-shift").is_hidden()
    assert await page.locator("#import-label").is_hidden()
    assert await page.locator("button[data-edit]").count() == 0
    await page.locator("#log h2").wait_for()
    assert console.errors() == []


async def test_the_duty_log_of_the_shift_on_duty_prints_on_a4(
    sqlite_url, start_server, pages, demo, tmp_path
):
    server = start_server(sqlite_url)
    [shift] = await _roster(server, demo, body_at(-1, 11))
    commander = bearer(demo["commander"])
    async with httpx.AsyncClient(base_url=server.url) as client:
        signed = await client.post(
            f"/api/duty/shifts/{shift['id']}/sign-in", json={"name": "李值班"}, headers=commander
        )
        assert signed.status_code == 200, signed.text
        title = unique("花园街道燃气泄漏")
        call = await client.post(
            "/api/calls",
            json={
                "caller_name": "王主任",
                "caller_phone": "13800000001",
                "content": "小区燃气泄漏，已疏散",
                "actions": "通知燃气公司",
                "incident": incident_body(title, channel="phone"),
            },
            headers=commander,
        )
        assert call.status_code == 201, call.text
        incident = call.json()["incident"]["id"]
        await client.post(f"/api/incidents/{incident}/ack", headers=commander)
        await client.patch(f"/api/incidents/{incident}", json={"level": "III"}, headers=commander)
        await client.post(
            f"/api/incidents/{incident}/instructions",
            json={"by": "市长 张三", "text": "全力做好疏散安置", "units": ["231102"]},
            headers=commander,
        )
    page, console = await _open(pages, server)
    log = page.locator("#log-table tbody")
    await log.locator("tr", has_text="定级").wait_for()
    text = await log.inner_text()
    for words in (
        "签到",
        "李值班 签到",
        "来电来文",
        "小区燃气泄漏",
        "签收",
        "领导批示",
        "全力做好疏散安置",
    ):
        assert words in text, words
    assert "III级" in text
    kinds = await log.locator("tr").evaluate_all("rows => rows.map(r => r.dataset.kind)")
    assert kinds.index("shift.signed_in") < kinds.index("call.registered")
    assert (
        await page.get_attribute("#log-xlsx", "href") == f"/api/duty/shifts/{shift['id']}/log.xlsx"
    )
    await page.screenshot(path=str(shots(tmp_path) / "duty-log-zh.png"))
    # Printed: the log alone, on A4.
    await page.emulate_media(media="print")
    assert await page.locator(".roster-panel").is_hidden()
    assert await page.locator(".page-header").is_hidden()
    await page.screenshot(path=str(shots(tmp_path) / "duty-log-print-zh.png"), full_page=True)
    pdf = await page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")
    (shots(tmp_path) / "duty-log-zh.pdf").write_bytes(pdf)
    await page.emulate_media(media="screen")
    await page.click("#lang")
    await page.locator("#log h2", has_text="Duty log").wait_for()
    english = await log.inner_text()
    assert "Sign-in" in english and "Graded" in english and "Level III" in english
    assert "签到" not in english.replace("李值班", "")
    await _fits(page)
    await page.screenshot(path=str(shots(tmp_path) / "duty-log-en.png"))
    assert console.errors() == []


async def test_a_handover_is_given_and_accepted_on_the_page(
    sqlite_url, start_server, pages, demo, tmp_path
):
    server = start_server(sqlite_url)
    await _roster(server, demo, body_at(-1, 11), body_at(11, 23, leader={"name": "赵局长"}))
    page, console = await _open(pages, server)
    await page.locator("#handover").wait_for(state="visible")
    await page.fill("#handover-note", "燃气泄漏事件续报待收")
    await page.click("#hand-over")
    await page.locator("#flash", has_text="已交班").wait_for()
    await page.locator("#log-table tr", has_text="燃气泄漏事件续报待收").wait_for()
    # The officer who handed over cannot accept; the next one does.
    await page.locator("#accept-handover").click()
    await page.locator("#handover .form-error", has_text="不能自己接班").wait_for()
    other, other_console = await _open(pages, server, "demo-admin")
    pending = other.locator("#handover-pending .pending")
    await pending.wait_for()
    assert "燃气泄漏事件续报待收" in await pending.inner_text()
    await other.screenshot(path=str(shots(tmp_path) / "roster-handover-zh.png"))
    await other.click("#accept-handover")
    await other.locator("#flash", has_text="已接班").wait_for()
    await other.locator('#log-table tr[data-kind="handover.accepted"]').wait_for()
    await other.locator("#handover-pending .pending").wait_for(state="detached")
    assert await other.locator("#handover-pending .pending").count() == 0
    assert console.errors(REFUSED) == [] and other_console.errors() == []
