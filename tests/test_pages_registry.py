"""The plan registry, a plan's page and administration in Chromium (the Done-when of the
issue): register a plan, upload its PDF, record the filing; find a plan by part of its
name; record a held drill with its evaluation and read it; an admin adds a unit and a
display token, the kiosk URL shows the wall in a second browser, revoking it signs the
wall out. Screenshots at 1440×900 in Chinese and English go to the test's tmp dir."""

from __future__ import annotations

from datetime import timedelta

from tests.browser_helpers import unique
from tests.plans_fixtures import pdf_bytes
from tests.test_pages_plans import pick, plan_in_force, soon

pytest_plugins = ("tests.browser_fixtures",)
SCREEN = {"width": 1440, "height": 900}


async def shoot(page, tmp_path, name: str) -> None:
    await page.screenshot(path=str(tmp_path / f"{name}-zh.png"))
    await page.click("#lang")
    await page.wait_for_timeout(300)
    await page.screenshot(path=str(tmp_path / f"{name}-en.png"))
    await page.click("#lang")


async def test_a_coordinator_registers_a_plan_uploads_it_and_records_its_filing(
    shared_server, pages, tmp_path
):
    page, console = await pages.open(shared_server, "demo-coordinator", "/plans", viewport=SCREEN)
    await page.click("#new-plan")
    title = unique("车陆乡突发事件应急预案")
    await page.fill("#p-title", title)
    await page.select_option("#p-type", "grassroots")
    await pick(page, "#p-unit", "逊克", "231123")
    await page.check('#p-levels input[value="IV"]')
    await page.click("#plan-form button[type=submit]")
    await page.wait_for_url("**/plans/*")
    await page.wait_for_selector("#plan-title")
    assert await page.get_attribute(".site-nav a", "href") == "/plans"  # back to the registry
    assert await page.inner_text("#plan-title") == title

    await page.fill("#v-effective", (soon(0) + timedelta(hours=8)).date().isoformat())
    await page.fill("#v-approved", "逊克县人民政府")
    await page.fill("#v-summary", "首次发布")
    pdf = {"name": "预案.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}
    await page.set_input_files("#v-document", pdf)
    await page.click("#version-form button[type=submit]")
    due = page.locator("#filing-due")
    await due.wait_for(timeout=5000)
    assert await due.get_attribute("data-status") == "pending"
    assert "20 个工作日" in await due.inner_text()
    assert await page.locator('#version-list a:has-text("预案.pdf")').count() == 1

    await page.fill("#f-ref", "逊应急备〔2026〕7号")
    await page.click("#filing-form button[type=submit]")
    await page.locator('#filing-due[data-status="filed"]').wait_for(timeout=5000)
    assert "逊应急备〔2026〕7号" in await page.inner_text("#filing-state")
    assert await page.locator("#filing-form").is_hidden()
    await shoot(page, tmp_path, "plan")

    await page.goto(f"{shared_server.url}/plans")
    await page.fill("#plan-search", title[-10:-4])
    row = page.locator("#plans-table tbody tr", has_text=title)
    await row.wait_for(timeout=5000)
    assert "已备案" in await row.inner_text()
    await shoot(page, tmp_path, "registry")
    assert console.errors() == []


async def test_a_held_drill_is_recorded_with_its_evaluation_and_viewed(shared_server, pages, demo):
    plan = await plan_in_force(shared_server, demo["coordinator"], unique("爱辉区森林火灾应急预案"))
    page, console = await pages.open(shared_server, "demo-coordinator", "/plans", viewport=SCREEN)
    await page.check("#d-held")
    title = unique("爱辉区森林防火补录推演")
    await page.fill("#d-title", title)
    await page.wait_for_selector(f'#d-plans li[data-value="{plan["id"]}"]', state="attached")
    await pick(page, "#d-plans", "森林火灾", str(plan["id"]))
    await pick(page, "#d-organizer", "爱辉", "231102")
    await pick(page, "#d-units", "花园街道", "231102001")
    assert await page.locator("#repeat-row").is_hidden()
    await page.click("#drill-submit")
    await page.wait_for_selector("#evaluation-dialog[open]")
    for item in ("execution", "command_coordination", "responders", "equipment"):
        await page.check(f'input[name="{item}.rating"][value="good"]')
    await page.check('input[name="plan_soundness.rating"][value="poor"]')
    await page.fill('input[name="plan_soundness.notes"]', "转移路线不明确")
    await page.fill("#e-suggestions", "补充转移路线图")
    await page.click("#evaluation-form button[type=submit]")
    await page.wait_for_selector("#evaluation-dialog", state="hidden")

    entry = page.locator("#calendar [data-drill]", has_text=title)
    if not await entry.count():
        await page.click("#week-prev")
    await entry.get_by_role("button", name="查看评估").click()
    view = page.locator("#evaluation-view[open]")
    await view.locator(".evaluation-record").wait_for(timeout=5000)
    text = await view.inner_text()
    assert "转移路线不明确" in text and "补充转移路线图" in text and "演练" in text
    assert await view.locator('tr[data-item="plan_soundness"] .rating-poor').count() == 1
    await page.emulate_media(media="print")
    assert await page.locator("main").is_hidden()
    assert console.errors() == []


async def test_an_admin_adds_a_unit_and_a_wall_screen_then_revokes_it(
    shared_server, pages, tmp_path
):
    page, console = await pages.open(shared_server, "demo-admin", "/admin", viewport=SCREEN)
    await page.wait_for_selector('#unit-tree li[data-value="231100"]')
    nav = page.locator(".site-nav a")
    assert await nav.evaluate_all("links => links.map(a => a.getAttribute('href'))") == [
        "/wall", "/desk", "/duty", "/report", "/plans", "/reviews", "/leadership",
        "/readiness", "/assessment", "/admin"
    ]  # fmt: skip
    assert await page.get_attribute('.site-nav a[aria-current="page"]', "href") == "/admin"
    await pick(page, "#unit-tree", "爱辉", "231102")
    await page.wait_for_selector("#unit-code:text-is('231102')")
    code = f"2311029{unique('')[-2:]}".replace(" ", "")[:9]
    await page.fill("#c-code", code)
    await page.fill("#c-name", "测试应急站")
    await page.select_option("#c-kind", "office")
    await page.select_option("#c-tier", "township")
    await page.click("#child-form button[type=submit]")
    await page.wait_for_selector(f"#unit-code:text-is('{code}')")
    assert "测试应急站" in await page.inner_text("#flash")
    await shoot(page, tmp_path, "admin-units")

    await page.click("#tab-tokens")
    await page.fill("#t-label", "指挥大厅测试屏")
    await page.select_option("#t-role", "display")
    await pick(page, "#t-unit", "爱辉", "231102")
    await page.click("#token-form button[type=submit]")
    await page.wait_for_selector("#kiosk:not([hidden])")
    kiosk_url = await page.input_value("#kiosk-url")
    assert "/wall?token=wf_" in kiosk_url
    assert (await page.get_attribute("#kiosk-qr", "src")).startswith("data:image/svg+xml")
    await shoot(page, tmp_path, "admin-tokens")

    screen = await (await pages.context()).new_page()
    await screen.goto(kiosk_url)
    await screen.wait_for_url(f"{shared_server.url}/wall")
    await screen.wait_for_selector('#connection[data-state="live"]', timeout=20_000)
    assert await screen.locator(".site-nav").count() == 0

    row = page.locator("#token-table tr", has_text="指挥大厅测试屏")
    page.once("dialog", lambda dialog: dialog.accept())
    await row.get_by_role("button", name="吊销").click()
    await screen.wait_for_url("**/login**", timeout=20_000)
    assert console.errors() == []
