"""Refusals read in the page's language on the sign-in and plans pages: the sentence for
the error's stable code, never the server's English (the report page's are in
tests/test_pages_report.py, the desk's in tests/test_pages_desk.py)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from tests.browser_helpers import DESK, PHONE, local_input, unique
from tests.test_pages_plans import drills_titled, fill_drill, plan_in_force

pytest_plugins = ("tests.browser_fixtures",)

# Latin letters in a Chinese sentence would be the server's English leaking through.
LATIN = re.compile(r"[A-Za-z]{3,}")


async def test_sign_in_refusals_are_chinese_wrong_then_locked(sqlite_url, start_server, pages):
    server = start_server(sqlite_url, WATCHFLOOR_LOGIN_ACCOUNT_FAILURES="2")
    context = await pages.context(PHONE)
    page = await context.new_page()
    await page.goto(f"{server.url}/login")
    notice = page.locator("#notice")
    said = []
    for _ in range(3):
        await page.fill("#username", "demo-commander")
        await page.fill("#password", "not-the-password")
        async with page.expect_response("**/api/auth/login"):
            await page.click("button[type=submit]")
        await page.wait_for_timeout(100)  # the answer is put into words
        said.append(await notice.inner_text())
    assert said[0] == "用户名或密码错误"
    assert said[-1] == "登录失败次数过多，请几分钟后再试", said
    assert not any(LATIN.search(text) for text in said), said


async def test_a_drill_the_server_refuses_is_said_in_chinese(shared_server, pages, demo):
    plan = await plan_in_force(shared_server, demo["coordinator"])
    page, console = await pages.open(shared_server, "demo-coordinator", "/plans", viewport=DESK)
    title = unique("爱辉区防汛桌面推演")
    # Two hours ago: the API books no drill in the past.
    await fill_drill(page, plan, title, datetime.now(UTC) - timedelta(hours=2), "231102")
    await page.fill("#d-ends", local_input(datetime.now(UTC) - timedelta(hours=1)))
    await page.click("#drill-form button[type=submit]")
    error = page.locator("#drill-form .form-error")
    await error.wait_for(timeout=5000)
    text = await error.inner_text()
    assert "开始时间" in text and not LATIN.search(text), text
    assert await drills_titled(shared_server, demo["coordinator"], title) == []
    assert console.errors(allowed=[r"status of 422"]) == []
