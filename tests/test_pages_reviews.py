"""Post-incident evaluation in Chromium: the desk shows the evaluation of a closed
incident with its due clock, the officer fills and submits it; the admin accepts it;
the owning unit closes its action on /reviews; the printable page and the wall's
counter. 1440x900, Chinese and English, screenshots kept. The desk's fill-and-submit runs
on both databases; the rest on SQLite, as the other browser tests."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from command.config import Settings
from command.db import Database
from command.reviews import engine
from tests.browser_helpers import incident_body, post_incident, unique, wait_live
from tests.conftest import PG_URL, SECRET, bearer, need_postgres, reset_postgres
from tests.plans_fixtures import issued_plan, plan_body
from tests.servers import ServerProcess, server_env

pytest_plugins = ("tests.browser_fixtures",)

DESK = {"width": 1440, "height": 900}
WALL = {"width": 1920, "height": 1080}
SECTIONS = {
    "course": "12月1日9时许，花园街道某居民楼三楼起火，明火于9时40分扑灭。",
    "response": "街道5分钟内到场，疏散居民40人。",
    "command": "区应急局牵头，消防、卫健、公安协同处置。",
    "conclusion": "处置总体及时有效。",
    "lessons": "老旧小区消防通道堵塞，初期处置力量不足。",
}


async def _closed(server, demo, title: str) -> dict[str, Any]:
    incident = await post_incident(server.url, demo["reporter"], incident_body(title))
    async with httpx.AsyncClient(base_url=server.url) as client:
        response = await client.patch(
            f"/api/incidents/{incident['id']}",
            json={"status": "closed"},
            headers=bearer(demo["commander"]),
        )
    assert response.status_code == 200, response.text
    return response.json()


async def _get(server, token: str, path: str) -> Any:
    async with httpx.AsyncClient(base_url=server.url) as client:
        response = await client.get(path, headers=bearer(token))
    assert response.status_code == 200, response.text
    return response.json()


async def _plan_in_force(server, demo) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=server.url) as client:
        return await issued_plan(client, demo["admin"])


async def scroll_to(page, selector: str) -> None:
    """Bring `selector` into view for a screenshot. The desk draws the incident view again
    on each event of the incident, so the element may be replaced while Playwright waits
    for it to be still: this scrolls to whichever copy is there at that moment."""
    await page.wait_for_selector(selector)
    await page.eval_on_selector(selector, "node => node.scrollIntoView({block: 'center'})")


async def _fill_and_submit(page, due: str, shots, plan_id: int) -> None:
    form = page.locator("#rv-form")
    await form.locator("input[name=group-lead]").fill("李强（区应急局）")
    await form.locator("input[name=group-members]").fill("王敏、赵磊")
    for name, text in SECTIONS.items():
        await form.locator(f"textarea[name=section-{name}]").fill(text)
    await page.click("#rv-add")
    await form.locator("input[name=rec-text-0]").fill("清理消防通道并建立巡查台账")
    await form.locator("select[name=rec-unit-0]").select_option("231102001")
    await form.locator("input[name=rec-due-0]").fill(due)
    await form.locator(f"input[name=plan-used-{plan_id}]").check()
    await form.locator(f"select[name=plan-worked-{plan_id}]").select_option("yes")
    await form.locator("select[name=rec-plan-0]").select_option(str(plan_id))
    await scroll_to(page, "#rv-add")
    await page.screenshot(path=str(shots / "desk-review-form-zh.png"))
    await page.click("#rv-submit")


@pytest.fixture(params=["sqlite", "postgres"])
async def desk_server(request, shared_server, tmp_path):
    """The module's SQLite server, or a server of its own on a fresh PostgreSQL: the
    evaluation is filled and submitted on the desk on both databases."""
    if request.param == "sqlite":
        yield shared_server
        return
    need_postgres()
    await reset_postgres()
    server = ServerProcess(server_env(PG_URL, tmp_path), log=tmp_path / "server.log").start()
    try:
        yield server
    finally:
        server.stop()


async def test_an_evaluation_is_filled_and_submitted_on_the_desk(
    desk_server, pages, demo, tmp_path
):
    shared_server = desk_server
    plan = await _plan_in_force(shared_server, demo)
    incident = await _closed(shared_server, demo, unique("花园街道居民楼火灾"))
    page, console = await pages.open(shared_server, "demo-commander", "/desk", viewport=DESK)
    await wait_live(page)
    side = page.locator(f"#side-reviews button[data-open='{incident['id']}']")
    await side.wait_for(timeout=10_000)
    await page.wait_for_function(
        "() => /\\d/.test(document.querySelector('#side-reviews .clock-time')?.textContent || '')"
    )
    await side.click()
    await page.locator("#rv-form").wait_for(timeout=10_000)
    assert await page.locator("#rv-state").inner_text() == "草稿"
    facts = await page.locator("#rv-facts").inner_text()
    assert "报送时限" in facts and "收到报告 1 份" in facts
    prefilled = await page.locator("textarea[name=section-information]").input_value()
    assert prefilled.startswith("共形成报送时限")

    # Submitting without the required sections: refused in Chinese, what was typed stays.
    await page.locator("input[name=group-lead]").fill("李强")
    await page.click("#rv-submit")
    await page.wait_for_selector("#flash.error")
    refusal = await page.locator("#flash").inner_text()
    assert "指挥协调" in refusal and "评估结论" in refusal, refusal
    assert await page.locator("input[name=group-lead]").input_value() == "李强"

    due = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%d")
    await _fill_and_submit(page, due, tmp_path, plan["id"])
    await page.wait_for_function(
        "() => document.querySelector('#rv-state')?.textContent === '已提交'", timeout=10_000
    )
    await page.screenshot(path=str(tmp_path / "desk-review-zh.png"))
    stored = await _get(shared_server, demo["commander"], f"/api/reviews?incident={incident['id']}")
    review = stored["items"][0]
    assert review["state"] == "submitted" and review["sections"]["command"] == SECTIONS["command"]
    assert review["group"] == {"lead": "李强（区应急局）", "members": ["王敏", "赵磊"]}
    assert review["recommendations"][0]["unit"] == "231102001"
    assert review["recommendations"][0]["due_at"].startswith(due)
    assert review["recommendations"][0]["plan"] == plan["id"]
    assert review["plans"] == [{"plan": plan["id"], "worked": True, "note": ""}]

    await page.click("#lang")
    await page.wait_for_function(
        "() => document.querySelector('#rv-state')?.textContent === 'Submitted'", timeout=5000
    )
    body = await page.inner_text("#iv-review")
    assert "Post-incident evaluation" in body and "事后评估" not in body
    assert not re.search(r"\breview\.[a-z]", await page.inner_text("body"))
    await page.screenshot(path=str(tmp_path / "desk-review-en.png"))
    await page.click("#lang")
    assert console.errors((r"status of 422",)) == []

    # The admin accepts it on the desk; the street's officer closes its action on /reviews.
    admin, admin_console = await pages.open(shared_server, "demo-admin", "/desk", viewport=DESK)
    await wait_live(admin)
    accepted = await _accept_on_desk(admin, incident["id"])
    assert accepted
    street, street_console = await pages.open(
        shared_server, "demo-reporter", "/reviews", viewport=DESK
    )
    action = street.locator("#own-actions article").first
    await action.wait_for(timeout=10_000)
    await action.locator("textarea").fill("已清理通道，台账见街道档案 2026-45 号")
    await action.locator("button[data-close]").click()
    await street.wait_for_function(
        "() => document.querySelector('#flash')?.textContent.includes('已报告完成')", timeout=5000
    )
    await street.screenshot(path=str(tmp_path / "reviews-street-zh.png"))
    actions = await _get(shared_server, demo["commander"], "/api/actions?state=done")
    assert [a["text"] for a in actions["items"]] == ["清理消防通道并建立巡查台账"]
    assert actions["items"][0]["revision_task"] is not None
    print(f"screenshots: {tmp_path}")
    assert admin_console.errors() == [] and street_console.errors() == []


async def _accept_on_desk(page, incident_id: int) -> bool:
    """The submitted evaluation waits in the side list: open it and accept it."""
    await page.locator(f"#side-reviews button[data-open='{incident_id}']").click()
    await page.locator("#rv-accept").wait_for(timeout=10_000)
    await page.click("#rv-accept")
    await page.wait_for_function(
        "() => document.querySelector('#rv-state')?.textContent === '已通过'", timeout=10_000
    )
    return True


async def test_the_print_page_the_reviews_page_and_the_wall_counter(
    shared_server, pages, demo, tmp_path
):
    incident = await _closed(shared_server, demo, unique("瑷珲镇仓库火灾"))
    listing = await _get(
        shared_server, demo["commander"], f"/api/reviews?incident={incident['id']}"
    )
    review_id = listing["items"][0]["id"]
    page, console = await pages.open(
        shared_server, "demo-commander", f"/reviews/{review_id}/print", viewport=DESK
    )
    await page.locator("#report-body h1").wait_for()
    headings = await page.locator("#report-body h2").all_inner_texts()
    assert headings[0] == "一、评估组" and headings[-1] == "十一、意见建议和整改措施"
    assert headings[5] == "六、预案使用情况" and headings[7] == "八、人员伤亡和损失"
    report = await page.locator("#report-body").inner_text()
    # Who did what by name, the links in words, the casualties the incident holds.
    assert "demo reporter" in report and "token:" not in report, report
    assert "登记事件（初报）" in report and "初报 · 电话" in report and "受伤 1 人" in report
    await page.emulate_media(media="print")
    assert await page.locator(".print-bar").is_hidden()
    pdf = await page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")
    await page.emulate_media(media="screen")
    await page.screenshot(path=str(tmp_path / "print-zh.png"), full_page=True)

    listing_page, listing_console = await pages.open(
        shared_server, "demo-commander", "/reviews", viewport=DESK
    )
    row = listing_page.locator("#evaluations tbody tr", has_text=incident["title"])
    await row.wait_for(timeout=10_000)
    await listing_page.locator("#annual-total").wait_for()
    await listing_page.screenshot(path=str(tmp_path / "reviews-zh.png"), full_page=True)
    await listing_page.click("#lang")
    await listing_page.wait_for_function(
        "() => document.querySelector('#annual-panel h2')?.textContent === 'Annual review'"
    )
    assert not re.search(r"\breview\.[a-z]", await listing_page.inner_text("body"))
    await listing_page.screenshot(path=str(tmp_path / "reviews-en.png"), full_page=True)

    wall, wall_console = await pages.open(shared_server, "demo-display", "/wall", viewport=WALL)
    await wait_live(wall)
    counter = wall.locator('[data-counter="reviews-due"] .counter-value')
    await counter.wait_for()
    assert int(await counter.inner_text()) >= 1
    await wall.screenshot(path=str(tmp_path / "wall-zh.png"))
    await wall.click("#lang")
    label = wall.locator('[data-counter="reviews-due"] .counter-label')
    await _shows(wall, '[data-counter="reviews-due"] .counter-label', "Evaluations")
    # The English label is read whole on the wall, not cut to "Evaluations &…".
    assert await label.evaluate("n => n.scrollWidth <= n.clientWidth"), await label.inner_text()
    await wall.screenshot(path=str(tmp_path / "wall-en.png"))
    print(f"screenshots: {tmp_path}")
    for c in (console, listing_console, wall_console):
        assert c.errors() == []


async def _open_draft(pages, server, username: str, incident_id: int):
    page, console = await pages.open(server, username, "/desk", viewport=DESK)
    await wait_live(page)
    await page.locator(f"#side-reviews button[data-open='{incident_id}']").click()
    await page.locator("#rv-form").wait_for(timeout=10_000)
    return page, console


async def _shows(page, selector: str, text: str) -> None:
    await page.wait_for_function(
        "([s, t]) => document.querySelector(s)?.textContent.includes(t)",
        arg=[selector, text],
        timeout=10_000,
    )


async def test_a_save_over_someone_else_s_is_refused_and_keeps_what_was_typed(
    shared_server, pages, demo, tmp_path
):
    incident = await _closed(shared_server, demo, unique("西岗子镇粮库火灾"))
    first, first_console = await _open_draft(pages, shared_server, "demo-commander", incident["id"])
    second, second_console = await _open_draft(pages, shared_server, "demo-admin", incident["id"])
    mine = "乙：初期处置力量不足，微型消防站未启用。"
    await second.locator("textarea[name=section-lessons]").fill(mine)

    await first.locator("textarea[name=section-course]").fill("甲：12月1日9时许粮库起火。")
    await first.click("#rv-save")
    await first.wait_for_function(
        "() => document.querySelector('#flash')?.textContent === '评估草稿已保存'", timeout=10_000
    )

    await second.click("#rv-save")
    await second.wait_for_selector("#flash.error")
    assert "本评估已被他人修改" in await second.locator("#flash").inner_text()
    notice = second.locator("#rv-conflict")
    await notice.wait_for(timeout=5000)
    text = await notice.inner_text()
    assert "他人已修改并保存了本评估" in text and "事件经过" in text and "经验教训" in text, text
    assert "演示值班员" in text and "user:" not in text, text  # who saved it, by name
    assert await second.locator("textarea[name=section-lessons]").input_value() == mine
    await scroll_to(second, "#rv-conflict")
    await second.screenshot(path=str(tmp_path / "desk-review-conflict-zh.png"))

    await second.click("#lang")
    await _shows(second, "#rv-conflict", "Someone else changed")
    await second.click("#rv-save")
    await _shows(second, "#flash.error", "Someone else changed")
    assert "Course of events" in await second.locator("#rv-conflict").inner_text()
    assert await second.locator("textarea[name=section-lessons]").input_value() == mine
    assert not re.search(r"\breview\.[a-z]", await second.inner_text("body"))
    await scroll_to(second, "#rv-conflict")
    await second.screenshot(path=str(tmp_path / "desk-review-conflict-en.png"))

    stored = await _get(shared_server, demo["commander"], f"/api/reviews?incident={incident['id']}")
    sections = stored["items"][0]["sections"]
    assert (
        sections["course"] == "甲：12月1日9时许粮库起火。" and sections.get("lessons", "") != mine
    )

    await second.click("#rv-load-current")
    await second.wait_for_function(
        "() => document.querySelector('textarea[name=section-course]')?.value.startsWith('甲')",
        timeout=10_000,
    )
    assert await second.locator("#rv-conflict").count() == 0
    assert await second.locator("textarea[name=section-lessons]").input_value() != mine
    await second.click("#lang")
    print(f"screenshots: {tmp_path}")
    assert first_console.errors() == []
    assert second_console.errors((r"status of 412",)) == []


async def test_the_field_being_typed_in_keeps_focus_and_caret_when_the_view_is_drawn_again(
    shared_server, pages, demo
):
    incident = await _closed(shared_server, demo, unique("卧牛湖乡仓库火灾"))
    page, console = await _open_draft(pages, shared_server, "demo-commander", incident["id"])
    lessons = page.locator("textarea[name=section-lessons]")
    await lessons.click()
    await page.keyboard.type("值班力量不足")
    await page.keyboard.press("ArrowLeft")
    await page.keyboard.press("ArrowLeft")
    await page.evaluate("() => { window.drawnBefore = document.querySelector('#iv-review'); }")
    # Another officer acknowledges the incident: its event draws the incident view again.
    async with httpx.AsyncClient(base_url=shared_server.url) as client:
        ack = await client.post(
            f"/api/incidents/{incident['id']}/ack", headers=bearer(demo["admin"])
        )
    assert ack.status_code in (200, 201), ack.text
    await page.wait_for_function(
        "() => document.querySelector('#iv-review') !== window.drawnBefore", timeout=10_000
    )
    focus = await page.evaluate(
        "() => [document.activeElement?.name, document.activeElement?.selectionStart]"
    )
    assert focus == ["section-lessons", len("值班力量不足") - 2]
    await page.keyboard.type("，")
    assert await lessons.input_value() == "值班力量，不足"
    assert console.errors() == []


async def _accepted(server, demo, title: str, unit: str = "231102001") -> dict[str, Any]:
    """A closed incident whose evaluation is written, submitted and accepted over the API:
    one corrective action of the street's."""
    incident = await _closed(server, demo, title)
    review = (await _get(server, demo["commander"], f"/api/reviews?incident={incident['id']}"))[
        "items"
    ][0]
    url = f"/api/reviews/{review['id']}"
    draft = {
        "group": {"lead": "李强", "members": []},
        "sections": {**SECTIONS, "information": "按时报送。"},
        "recommendations": [
            {
                "text": f"{title}：整改消防通道",
                "unit": unit,
                "due_at": (datetime.now(UTC) + timedelta(days=30)).isoformat(),
            }
        ],
    }
    async with httpx.AsyncClient(base_url=server.url) as client:
        for method, path, token, body in (
            ("PATCH", url, demo["commander"], draft),
            ("POST", f"{url}/submit", demo["commander"], None),
            ("POST", f"{url}/accept", demo["admin"], None),
        ):
            response = await client.request(method, path, json=body, headers=bearer(token))
            assert response.status_code == 200, response.text
    return response.json()


async def test_the_street_s_evidence_stays_while_the_annual_review_comes_in(
    shared_server, pages, demo
):
    """The annual review arrives after the lists (held back here, as a busy year's
    takes a while): drawing it does not draw the actions again over what is typed."""
    accepted = await _accepted(shared_server, demo, unique("坤河乡仓库火灾"))
    action_id = accepted["actions"][0]["id"]
    context = await pages.context(DESK)
    release = asyncio.Event()

    async def hold_annual(route):
        await release.wait()
        await route.continue_()

    await context.route(re.compile(r"/api/reviews/annual\?"), hold_annual)
    street, console = await pages.open(
        shared_server, "demo-reporter", "/reviews", context=context, viewport=DESK
    )
    evidence = street.locator(f"textarea[name=evidence-{action_id}]")
    await evidence.wait_for(timeout=10_000)
    typed = "通道已清理，照片见街道档案 2026-46 号"
    await evidence.fill(typed)
    release.set()
    await street.locator("#annual-total").wait_for(timeout=10_000)
    assert await evidence.input_value() == typed
    # In English the lists are drawn again in English, with what was typed kept.
    await street.click("#lang")
    close = street.locator(f"button[data-close='{action_id}']")
    await _shows(street, f"button[data-close='{action_id}']", "Report done")
    assert await evidence.input_value() == typed
    assert "未完成" not in await street.inner_text("#own-actions")
    await street.click("#lang")
    await _shows(street, f"button[data-close='{action_id}']", "报告完成")
    await close.click()
    await _shows(street, "#flash", "已报告完成")
    done = await _get(shared_server, demo["commander"], "/api/actions?state=done&limit=500")
    assert [a["evidence"] for a in done["items"] if a["id"] == action_id] == [typed]
    assert console.errors() == []


async def test_late_links_read_in_words_and_the_form_keeps_to_its_column(
    shared_server, pages, demo
):
    """Learned of 29 hours ago: the street's initial reports were late. The desk names
    those links as 初报 · 电话 · 花园街道 → 爱辉区, not 'initial · 231102001 → 231102';
    a plan with a long title in the registry does not widen the form over the column
    beside it."""
    async with httpx.AsyncClient(base_url=shared_server.url) as client:
        long_title = "爱辉区城区老旧居民楼及农村自建房火灾事故专项应急预案（2026年修订版）"
        await issued_plan(client, demo["admin"], plan_body(title=long_title))
    now = datetime.now(UTC)
    title = unique("幸福乡居民楼火灾")
    body = incident_body(
        title,
        occurred_at=(now - timedelta(hours=30)).isoformat(),
        learned_at=(now - timedelta(hours=29)).isoformat(),
    )
    incident = await post_incident(shared_server.url, demo["reporter"], body)
    async with httpx.AsyncClient(base_url=shared_server.url) as client:
        closed = await client.patch(
            f"/api/incidents/{incident['id']}",
            json={"status": "closed"},
            headers=bearer(demo["commander"]),
        )
    assert closed.status_code == 200, closed.text
    page, console = await _open_draft(pages, shared_server, "demo-commander", incident["id"])
    await page.click("#rv-add")
    facts = await page.locator("#rv-facts").inner_text()
    assert "初报 · 电话 · 花园街道 → 爱辉区 · 迟报" in facts, facts
    assert "initial" not in facts and "231102" not in facts, facts
    prefilled = await page.locator("textarea[name=section-information]").input_value()
    assert "迟报：初报（电话）花园街道→爱辉区（迟1天" in prefilled, prefilled
    section = await page.locator("#iv-review").bounding_box()
    form = await page.locator("#rv-form").bounding_box()
    assert form["x"] + form["width"] <= section["x"] + section["width"] + 0.5, (section, form)
    wide = await page.evaluate(
        """() => {
          const edge = document.querySelector('#iv-review').getBoundingClientRect().right;
          const fields = document.querySelectorAll('#rv-form :is(input, textarea, select)');
          return [...fields].filter((n) => n.getBoundingClientRect().right > edge + 0.5)
            .map((n) => n.name);
        }"""
    )
    assert wide == [], wide
    await page.click("#lang")
    await _shows(page, "#rv-facts", "Initial · phone")
    assert "Huayuan" in await page.locator("#rv-facts").inner_text()
    await page.click("#lang")
    assert console.errors() == []


async def test_the_engine_s_overdue_mark_is_no_one_else_s_save_for_the_form(
    shared_server, pages, demo
):
    """The engine's mark gives the evaluation a new version (and ETag) with the same
    texts: a form typed over the version before it is saved without a conflict notice.
    (Last in this module: the pass marks every evaluation of the shared database.)"""
    incident = await _closed(shared_server, demo, unique("二站乡粮库火灾"))
    page, console = await _open_draft(pages, shared_server, "demo-commander", incident["id"])
    review = (
        await _get(shared_server, demo["commander"], f"/api/reviews?incident={incident['id']}")
    )["items"][0]
    mine = "夜间值守力量不足。"
    await page.locator("textarea[name=section-lessons]").fill(mine)

    db = Database(
        shared_server.env["WATCHFLOOR_DATABASE_URL"],
        settings=Settings(database_url=shared_server.env["WATCHFLOOR_DATABASE_URL"], secret=SECRET),
    )
    try:
        later = datetime.fromisoformat(review["due_at"]) + timedelta(seconds=1)
        assert await engine.mark_due(db, now=later) >= 1
    finally:
        await db.dispose()
    marked = await _get(shared_server, demo["commander"], f"/api/reviews/{review['id']}")
    assert marked["overdue_at"] is not None and marked["version"] == review["version"] + 1

    await page.wait_for_timeout(1500)  # the mark's event may draw the view again meanwhile
    assert await page.locator("#rv-conflict").count() == 0
    await page.click("#rv-save")
    await _shows(page, "#flash", "评估草稿已保存")
    assert await page.locator("#rv-conflict").count() == 0
    stored = await _get(shared_server, demo["commander"], f"/api/reviews/{review['id']}")
    assert stored["sections"]["lessons"] == mine and stored["overdue_at"] is not None
    assert console.errors((r"status of 412",)) == []
