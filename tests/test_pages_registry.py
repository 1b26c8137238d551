"""The plan registry, a plan's page and administration in Chromium (the Done-when of the
issue): register a plan, upload its PDF, record the filing; find a plan by part of its
name; record a held drill with its evaluation and read it; an admin adds a unit and a
display token, the kiosk URL shows the wall in a second browser, revoking it signs the
wall out. Screenshots at 1440×900 in Chinese and English go to the test's tmp dir."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from datetime import timedelta

import httpx
import pytest

from tests.browser_helpers import unique
from tests.conftest import bearer
from tests.plans_fixtures import pdf_bytes
from tests.servers import ROOT, ServerProcess, server_env
from tests.test_pages_plans import pick, plan_in_force, soon

pytest_plugins = ("tests.browser_fixtures",)
SCREEN = {"width": 1440, "height": 900}


@pytest.fixture(scope="module")
def demo_city_server(sqlite_template, tmp_path_factory):
    """A server on the whole demo city as `watchfloor demo` loads it: its ~290 plans,
    drills and incidents (the other tests' databases hold the units and accounts only)."""
    tmp = tmp_path_factory.mktemp("demo-city")
    shutil.copy(sqlite_template, tmp / "pages.db")
    env = server_env(f"sqlite+aiosqlite:///{tmp / 'pages.db'}", tmp)
    argv = [sys.executable, "-m", "command.cli", "demo"]
    loaded = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert loaded.returncode == 0, loaded.stderr
    server = ServerProcess(env, log=tmp / "server.log").start()
    yield server
    server.stop()


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


# Each column's width, the rows visible in the scroll box, and whether the table overflows
# its box sideways (a cut-off last column).
REGISTRY_LAYOUT = """() => {
  const table = document.querySelector('#plans-table');
  const box = table.parentElement.getBoundingClientRect();
  const rows = [...table.querySelectorAll('tbody tr')];
  return {
    widths: [...table.querySelectorAll('thead th')].map((th) => th.getBoundingClientRect().width),
    visible: rows.filter((row) => row.getBoundingClientRect().bottom <= box.bottom).length,
    overflow: table.parentElement.scrollWidth - table.parentElement.clientWidth,
    heights: rows.slice(0, 12).map((row) => Math.round(row.getBoundingClientRect().height)),
    filingDates: [...table.querySelectorAll('td .nowrap')].map((n) => n.getClientRects().length),
  };
}"""


async def test_the_registry_reads_as_a_table_at_desk_size_in_both_languages(
    demo_city_server, pages
):
    """290 plans: a title is a line, not a column of single characters, a dozen rows
    show at once, nothing is cut off at the right, a date never breaks inside."""
    page, console = await pages.open(
        demo_city_server, "demo-coordinator", "/plans", viewport=SCREEN
    )
    await page.wait_for_selector("#plans-table tbody tr[data-plan]")
    assert "290" in await page.inner_text("#plan-count")
    for _language in ("zh", "en"):
        layout = await page.evaluate(REGISTRY_LAYOUT)
        title, *_ = layout["widths"]
        assert title >= 220, layout
        assert layout["visible"] >= 10, layout
        assert layout["overflow"] <= 0, layout
        assert all(lines == 1 for lines in layout["filingDates"]), layout
        await page.click("#lang")
        await page.wait_for_timeout(300)
    assert console.errors() == []


async def test_the_registry_filters_by_unit_with_the_units_below_it(demo_city_server, pages, demo):
    async with httpx.AsyncClient(base_url=demo_city_server.url) as client:
        coordinator = bearer(demo["coordinator"])
        everything = (await client.get("/api/plans?limit=1", headers=coordinator)).json()
        xunke = (
            await client.get("/api/plans?within=231123&limit=1000", headers=coordinator)
        ).json()
    assert 0 < xunke["total"] < everything["total"]
    page, console = await pages.open(
        demo_city_server, "demo-coordinator", "/plans", viewport=SCREEN
    )
    await page.wait_for_selector('#plan-within option[value="231123001"]', state="attached")
    assert "逊克县" in await page.inner_text('#plan-within option[value="231123"]')
    await page.select_option("#plan-within", "231123")
    count = page.locator("#plan-count")
    await page.wait_for_function(
        "total => document.querySelector('#plan-count').textContent.includes(total)",
        arg=f"共 {xunke['total']} 项",
    )
    first_page = {str(plan["id"]) for plan in xunke["items"][:25]}
    shown = await page.locator("#plans-table tbody tr").evaluate_all(
        "rows => rows.map((row) => row.dataset.plan)"
    )
    assert set(shown) == first_page and len(shown) == min(25, xunke["total"])
    await page.fill("#plan-search", "森林")
    await page.wait_for_function(
        "text => !document.querySelector('#plan-count').textContent.includes(text)",
        arg=f"共 {xunke['total']} 项",
    )
    assert "逊克县" in await page.inner_text("#plans-table tbody")
    assert "爱辉区" not in await page.inner_text("#plans-table tbody")
    assert await count.inner_text()
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
    await page.click("#add-finding")
    finding = page.locator("#findings .finding")
    await finding.locator('[name="finding.item"]').select_option("plan_soundness")
    await finding.locator('[name="finding.text"]').fill("未标明转移集合点")
    await finding.locator('[name="finding.plan"]').select_option(str(plan["id"]))
    await finding.locator('[name="finding.revise"]').check()
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
    assert re.search(r"20\d\d/\d\d/\d\d \d\d:\d\d", text), text  # a kept record has its year
    assert await view.locator('tr[data-item="plan_soundness"] .rating-poor').count() == 1
    await page.emulate_media(media="print")
    assert await page.locator("main").is_hidden()
    await page.emulate_media(media="screen")

    # The revision task the finding opened, on the plan's page: named by its drill, in Chinese.
    await page.goto(f"{shared_server.url}/plans/{plan['id']}")
    task = page.locator("#revision-list li.revision")
    await task.wait_for(timeout=5000)
    line = await task.inner_text()
    assert f"《{title}》未标明转移集合点" in line, line
    assert "drill" not in line and "plan_soundness" not in line, line
    await page.click("#lang")  # English punctuation in English
    await page.wait_for_function(
        "() => document.querySelector('#revision-list li.revision').textContent.includes('«')"
    )
    line = await task.inner_text()
    assert f"Findings from a drill: «{title}» 未标明转移集合点" in line, line
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
    await page.wait_for_timeout(300)
    qr = await page.locator("#kiosk-qr").bounding_box()
    assert qr is not None and qr["y"] >= 0 and qr["y"] + qr["height"] <= SCREEN["height"], qr
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


async def _login_status(server, username: str, password: str) -> int:
    async with httpx.AsyncClient(base_url=server.url) as client:
        body = {"username": username, "password": password}
        return (await client.post("/api/auth/login", json=body)).status_code


async def test_an_admin_manages_a_user_and_a_units_contacts_on_the_page(shared_server, pages, demo):
    """Users: create, change role and unit, reset the password, disable; a unit's names
    and contacts saved, and a malformed contact refused on the page in Chinese."""
    page, console = await pages.open(shared_server, "demo-admin", "/admin", viewport=SCREEN)
    await page.wait_for_selector('#unit-tree li[data-value="231100"]')
    await pick(page, "#unit-tree", "逊克", "231123")
    await page.wait_for_selector("#unit-code:text-is('231123')")
    await page.fill("#u-name-en", "Xunke County")
    await page.fill("#u-contacts", "email duty@xunke.example 县应急局值班室\nfax 0456-1234")
    await page.click("#unit-form button[type=submit]")
    assert "第 2 行" in await page.inner_text("#unit-form .form-error")
    await page.fill("#u-contacts", "email duty@xunke.example 县应急局值班室")
    await page.click("#unit-form button[type=submit]")
    await page.wait_for_selector("#flash:has-text('逊克县')")
    async with httpx.AsyncClient(base_url=shared_server.url) as client:
        unit = (await client.get("/api/units/231123", headers=bearer(demo["admin"]))).json()
    assert unit["name_en"] == "Xunke County"
    assert unit["contacts"] == [
        {"kind": "email", "address": "duty@xunke.example", "label": "县应急局值班室"}
    ]
    # The API's checks of a new unit under 逊克县, each said in Chinese.
    await page.fill("#c-code", "231123999")
    await page.fill("#c-name", "测试市")
    await page.select_option("#c-kind", "area")
    await page.select_option("#c-tier", "city")
    await page.click("#child-form button[type=submit]")
    refusal = page.locator("#child-form .form-error")
    await page.wait_for_function(
        "() => document.querySelector('#child-form .form-error').textContent.includes('不能高于')"
    )
    assert "逊克县" in await refusal.inner_text() and "city" not in await refusal.inner_text()
    await page.fill("#c-code", "231123002")  # 车陆乡's code
    await page.select_option("#c-tier", "township")
    await page.click("#child-form button[type=submit]")
    await page.wait_for_function(
        "() => document.querySelector('#child-form .form-error').textContent.includes('已存在')"
    )
    assert "231123002" in await refusal.inner_text()

    username = f"wang{unique('')[-6:]}".replace(" ", "")
    await page.click("#tab-users")
    await page.click("#new-user")
    await page.fill("#us-username", username)
    await page.fill("#us-name", "王芳")
    await page.select_option("#us-role", "reporter")
    await pick(page, "#us-unit", "车陆", "231123002")
    await page.fill("#us-password", "first long password")
    await page.click("#user-form button[type=submit]")
    row = page.locator(f'#user-table tr[data-user="{username}"]')
    await row.wait_for(timeout=5000)
    assert "车陆乡" in await row.inner_text() and "报送单位" in await row.inner_text()
    assert await _login_status(shared_server, username, "first long password") == 200

    await row.get_by_role("button", name="编辑").click()
    await page.select_option("#us-role", "coordinator")
    await pick(page, "#us-unit", "逊克", "231123")
    await page.fill("#us-password", "second long password")
    await page.click("#user-form button[type=submit]")
    await page.wait_for_selector("#user-dialog", state="hidden")
    await page.wait_for_function(
        "name => document.querySelector(`#user-table tr[data-user='${name}']`)"
        "?.textContent.includes('逊克县（231123）')",
        arg=username,
    )
    assert "预案演练管理" in await row.inner_text()
    assert await _login_status(shared_server, username, "first long password") == 401
    assert await _login_status(shared_server, username, "second long password") == 200

    await row.get_by_role("button", name="停用").click()
    await page.wait_for_selector(f'#user-table tr.disabled[data-user="{username}"]')
    assert await _login_status(shared_server, username, "second long password") == 401

    # In English, the unit's description, the tree and its search field are in English.
    await page.click("#tab-units")
    await page.click("#lang")
    cjk = re.compile(r"[\u4e00-\u9fff]")
    await page.wait_for_function(
        "() => !/[\u4e00-\u9fff]/.test(document.querySelector('#unit-place').textContent)"
    )
    assert not cjk.search(await page.get_attribute("#unit-tree .picker-search", "placeholder"))
    assert not cjk.search(await page.inner_text('#unit-tree li[data-value="231123"]'))
    assert not cjk.search(await page.inner_text("#child-parent"))
    assert console.errors(allowed=[r"status of 422", r"status of 409"]) == []
