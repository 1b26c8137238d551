"""The plans and drills page in Chromium: scheduling, conflicts, evaluation, the wall."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from tests.browser_helpers import DESK, local_input, unique, wait_live
from tests.conftest import bearer
from tests.plans_fixtures import issued_plan, plan_body, version_body

pytest_plugins = ("tests.browser_fixtures",)


def soon(minutes: int) -> datetime:
    moment = datetime.now(UTC) + timedelta(minutes=minutes)
    return moment.replace(second=0, microsecond=0)


async def plan_in_force(server, token: str, title: str = "爱辉区防汛抗旱应急预案") -> dict:
    today = (datetime.now(UTC) + timedelta(hours=8)).date().isoformat()
    async with httpx.AsyncClient(base_url=server.url) as client:
        return await issued_plan(
            client,
            token,
            plan=plan_body(title=title),
            version=version_body(effective_on=today, issued_on=today),
        )


async def drills_titled(server, token: str, title: str) -> list[dict]:
    async with httpx.AsyncClient(base_url=server.url) as client:
        response = await client.get("/api/drills?limit=1000", headers=bearer(token))
    assert response.status_code == 200, response.text
    return [drill for drill in response.json()["items"] if drill["title"] == title]


async def pick(page, root: str, search: str, value: str) -> None:
    """Choose `value` in a search picker by typing part of its name first."""
    await page.fill(f"{root} .picker-search", search)
    await page.click(f'{root} li[data-value="{value}"]')


async def fill_drill(
    page, plan: dict, title: str, starts: datetime, organizer: str, organizer_name: str = "爱辉区"
) -> None:
    await page.wait_for_selector(f'#d-plans li[data-value="{plan["id"]}"]', state="attached")
    await page.fill("#d-title", title)
    await pick(page, "#d-plans", plan["title"][:6], str(plan["id"]))
    await page.select_option("#d-form", "tabletop")
    await pick(page, "#d-organizer", organizer_name, organizer)
    await page.fill("#d-starts", local_input(starts))
    await page.fill("#d-ends", local_input(starts + timedelta(hours=1)))


async def test_a_drill_scheduled_on_the_plans_page_appears_on_the_wall(shared_server, pages, demo):
    server = shared_server
    plan = await plan_in_force(server, demo["coordinator"])
    wall, wall_console = await pages.open(server, "demo-display", "/wall")
    await wait_live(wall)
    page, console = await pages.open(server, "demo-coordinator", "/plans", viewport=DESK)
    await page.fill("#plan-search", plan["title"])
    row = page.locator(f'#plans-table tr[data-plan="{plan["id"]}"]')
    await row.wait_for(timeout=3000)
    assert plan["title"] in await row.inner_text()

    title = unique("爱辉区防汛桌面推演")
    await fill_drill(page, plan, title, soon(10), "231102")
    await page.click("#drill-form button[type=submit]")
    await page.wait_for_selector("#flash:not([hidden])")
    [drill] = await drills_titled(server, demo["coordinator"], title)
    assert drill["plans"] == [plan["id"]] and drill["organizer"] == "231102"
    await page.locator(f'#calendar [data-drill="{drill["id"]}"]').wait_for(timeout=3000)

    on_wall = wall.locator(f'.drills [data-drill="{drill["id"]}"]')
    await on_wall.wait_for(timeout=5000)
    assert title in await on_wall.inner_text()
    assert await on_wall.locator(".watermark").inner_text() == "演练"
    assert console.errors() == [] and wall_console.errors() == []


async def test_a_conflict_is_shown_and_booked_anyway_with_a_reason(shared_server, pages, demo):
    server = shared_server
    plan = await plan_in_force(server, demo["coordinator"])
    starts = soon(24 * 60)
    first = {
        "title": unique("爱辉区防汛实战演练"),
        "plans": [plan["id"]],
        "form": "live",
        "scope": "single",
        "purpose": "test",
        "organizer": "231102",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=2)).isoformat(),
    }
    async with httpx.AsyncClient(base_url=server.url) as client:
        booked = await client.post("/api/drills", json=first, headers=bearer(demo["coordinator"]))
    assert booked.status_code == 201, booked.text
    page, console = await pages.open(server, "demo-coordinator", "/plans", viewport=DESK)

    title = unique("爱辉区防汛桌面推演")
    await fill_drill(page, plan, title, starts + timedelta(minutes=30), "231102")
    await page.click("#drill-form button[type=submit]")
    conflict = page.locator(f'#conflict-list [data-conflict="{booked.json()["id"]}"]')
    await conflict.wait_for(timeout=3000)
    line = await conflict.inner_text()
    assert first["title"] in line
    booked_units = line.replace(first["title"], "")
    assert "爱辉区" in booked_units and "231102" not in booked_units, line  # by name
    assert await drills_titled(server, demo["coordinator"], title) == []

    await page.click("#override")  # no reason yet: refused on the page
    assert "理由" in await page.inner_text("#drill-form .form-error")
    await page.fill("#d-override", "汛期前必须完成，两场演练由不同科室承担")
    await page.click("#override")
    await page.wait_for_selector("#conflicts", state="hidden")
    [drill] = await drills_titled(server, demo["coordinator"], title)
    assert drill["override"]["reason"] == "汛期前必须完成，两场演练由不同科室承担"
    assert drill["override"]["conflicts"] == [booked.json()["id"]]
    assert console.errors(allowed=[r"status of 409"]) == []


async def test_a_held_drill_is_evaluated_and_findings_open_revisions(shared_server, pages, demo):
    server = shared_server
    plan = await plan_in_force(server, demo["coordinator"])
    starts = soon(-180)
    held = {
        "title": unique("爱辉区防汛桌面推演"),
        "plans": [plan["id"]],
        "form": "tabletop",
        "scope": "single",
        "purpose": "test",
        "organizer": "231102",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=2)).isoformat(),
        "status": "completed",
    }
    async with httpx.AsyncClient(base_url=server.url) as client:
        recorded = await client.post("/api/drills", json=held, headers=bearer(demo["coordinator"]))
    assert recorded.status_code == 201, recorded.text
    drill_id = recorded.json()["id"]
    page, console = await pages.open(server, "demo-coordinator", "/plans", viewport=DESK)
    entry = page.locator(f'#calendar [data-drill="{drill_id}"]')
    await page.wait_for_selector("#calendar .day")
    if not await entry.count():  # held last week (the test runs early on a Monday)
        await page.click("#week-prev")
    await entry.get_by_role("button", name="演练评估").click()

    for item in ("execution", "plan_soundness", "command_coordination", "responders"):
        await page.check(f'input[name="{item}.rating"][value="good"]')
    await page.click("#evaluation-form button[type=submit]")  # one item left unrated
    assert "每一项" in await page.inner_text("#evaluation-form .form-error")
    await page.check('input[name="equipment.rating"][value="poor"]')
    await page.fill('input[name="equipment.notes"]', "抽水泵数量不足")
    await page.click("#add-finding")
    await page.select_option('[name="finding.item"]', "equipment")
    await page.fill('[name="finding.text"]', "堤防抢险物资储备不足，需补充")
    await page.select_option('[name="finding.plan"]', str(plan["id"]))
    await page.check('[name="finding.revise"]')
    await page.click("#evaluation-form button[type=submit]")
    await page.wait_for_selector("#evaluation-dialog", state="hidden")
    assert "修订任务 1 项" in await page.inner_text("#flash")

    async with httpx.AsyncClient(base_url=server.url) as client:
        detail = await client.get(f"/api/plans/{plan['id']}", headers=bearer(demo["coordinator"]))
    [revision] = detail.json()["revisions"]
    assert revision["drill"] == drill_id and revision["status"] == "open"
    assert console.errors() == []
