"""People, tokens and the system by their names on the desk, roster, reviews and leadership
pages (1440×900), in Chinese and English: no raw "user:…" / "token:…" / "system:…" subject
in any text node (the server adds `<field>_name` from auth's subject_names), and no Chinese
list comma (、) joining the English pages' lists."""

from __future__ import annotations

import re
from typing import Any

import httpx

from command.demo import DEMO_PASSWORD
from tests.browser_helpers import incident_body, post_incident, unique, wait_live
from tests.conftest import bearer
from tests.duty_fixtures import shift_body

pytest_plugins = ("tests.browser_fixtures",)

DESK = {"width": 1440, "height": 900}
SUBJECT = re.compile(r"\b(token|user|system):")
# Every visible text node (inputs' values and hidden nodes aside), with its element's id.
TEXTS = """() => {
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const found = [];
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const parent = node.parentElement;
    if (!parent || parent.closest("script, style, [hidden], template")) continue;
    const text = node.textContent.trim();
    if (text) found.push(text);
  }
  return found;
}"""


async def texts(page) -> list[str]:
    return await page.evaluate(TEXTS)


async def raw_subjects(page) -> list[str]:
    return [text for text in await texts(page) if SUBJECT.search(text)]


async def chinese_commas(page, allowed: tuple[str, ...] = ()) -> list[str]:
    """Text nodes of an English page with 、 in them, but for data typed in Chinese."""
    return [
        text
        for text in await texts(page)
        if "、" in text and not any(word in text for word in allowed)
    ]


async def api(server, token: str, method: str, path: str, body: Any = None) -> Any:
    async with httpx.AsyncClient(base_url=server.url) as client:
        response = await client.request(method, path, json=body, headers=bearer(token))
    assert response.status_code in (200, 201), response.text
    return response.json()


async def english(page) -> None:
    await page.click("#lang")
    assert await page.get_attribute("html", "lang") == "en"
    await page.wait_for_timeout(300)


async def test_the_desk_names_the_reporter_and_the_acknowledger(
    shared_server, pages, demo, tmp_path
):
    page, console = await pages.open(shared_server, "demo-commander", "/desk", viewport=DESK)
    await wait_live(page)
    incident = await post_incident(
        shared_server.url, demo["reporter"], incident_body(unique("Warehouse fire, names"))
    )
    await api(shared_server, demo["commander"], "POST", f"/api/incidents/{incident['id']}/ack")
    stored = await api(shared_server, demo["commander"], "GET", f"/api/incidents/{incident['id']}")
    assert stored["reports"][0]["submitted_by"].startswith("token:")
    assert stored["reports"][0]["submitted_by_name"] == "demo reporter"
    assert stored["acknowledged_by_name"] == "demo commander"
    history = await api(
        shared_server, demo["commander"], "GET", f"/api/incidents/{incident['id']}/history"
    )
    assert {h["actor_name"] for h in history["items"]} >= {"demo reporter", "demo commander"}

    await page.locator(f"#q-{incident['id']}").click()
    await page.locator("#ack-state", has_text="demo commander").wait_for(timeout=5000)
    view = await page.inner_text("#incident")
    assert "demo reporter" in view
    assert await raw_subjects(page) == []
    await page.screenshot(path=str(tmp_path / "desk-names-zh.png"))

    await english(page)
    await page.locator(f"#q-{incident['id']}").click()
    await page.locator("#ack-state", has_text="demo commander").wait_for(timeout=5000)
    assert await raw_subjects(page) == []
    await page.screenshot(path=str(tmp_path / "desk-names-en.png"))
    print(f"screenshots: {tmp_path}")
    assert console.errors() == []


async def test_the_duty_log_names_its_actors_and_the_system(
    sqlite_url, start_server, pages, demo, tmp_path
):
    server = start_server(sqlite_url)
    shift = await api(server, demo["commander"], "POST", "/api/duty/shifts", shift_body(-1, 11))
    incident = await post_incident(server.url, demo["reporter"], incident_body(unique("燃气泄漏")))
    await api(server, demo["commander"], "POST", f"/api/incidents/{incident['id']}/ack")
    log = await api(server, demo["commander"], "GET", f"/api/duty/shifts/{shift['id']}/log")
    names = {entry["actor"]: entry["actor_name"] for entry in log["entries"]}
    assert all(not SUBJECT.search(name) for name in names.values()), names
    assert names.get("system") == ""  # nobody signed in within the grace: the system says so

    page, console = await pages.open(server, "demo-commander", "/duty", viewport=DESK)
    await page.wait_for_selector('body[data-ready="true"]', timeout=10_000)
    rows = page.locator("#log-table tbody tr")
    await rows.first.wait_for()
    await page.wait_for_timeout(300)
    assert await raw_subjects(page) == []
    absent = page.locator('#log-table tr[data-kind="shift.absent"] td').last
    assert await absent.inner_text() == "系统"
    await page.screenshot(path=str(tmp_path / "duty-names-zh.png"))
    await english(page)
    await page.locator("#log h2", has_text="Duty log").wait_for()
    assert await raw_subjects(page) == []
    assert await chinese_commas(page) == []
    assert await absent.inner_text() == "System"
    await page.screenshot(path=str(tmp_path / "duty-names-en.png"))
    print(f"screenshots: {tmp_path}")
    assert console.errors() == []


async def test_the_reviews_and_leadership_pages_name_people_in_both_languages(
    shared_server, pages, tmp_path
):
    for path, user in (("/reviews", "demo-commander"), ("/leadership", "demo-admin")):
        page, console = await pages.open(shared_server, user, path, viewport=DESK)
        await page.wait_for_load_state("networkidle")
        await page.wait_for_timeout(500)
        assert await raw_subjects(page) == [], path
        name = path.strip("/")
        await page.screenshot(path=str(tmp_path / f"{name}-zh.png"))
        await english(page)
        await page.wait_for_load_state("networkidle")
        assert await raw_subjects(page) == [], path
        assert await chinese_commas(page) == [], path
        await page.screenshot(path=str(tmp_path / f"{name}-en.png"))
        assert console.errors() == [], path
    print(f"screenshots: {tmp_path}")


async def test_a_county_desk_names_the_city_it_reports_to(shared_server, pages, demo):
    """The units above the caller's subtree are named from the config block's superiors."""
    user = {
        "username": f"aihui-{unique('c')[-6:]}",
        "display_name": "爱辉区值班员",
        "unit": "231102",
        "role": "commander",
        "password": DEMO_PASSWORD,
    }
    await api(shared_server, demo["admin"], "POST", "/api/users", user)
    incident = await post_incident(
        shared_server.url, demo["reporter"], incident_body(unique("Granary fire, county"))
    )
    page, console = await pages.open(shared_server, user["username"], "/desk", viewport=DESK)
    await wait_live(page)
    await page.locator(f"#q-{incident['id']}").click()
    clocks = page.locator("#incident", has_text="爱辉区 → 黑河市")
    await clocks.wait_for(timeout=5000)
    assert "→ 231100" not in await page.inner_text("#incident")
    assert await raw_subjects(page) == []
    for path, name in (("/duty", "爱辉区"), ("/reviews", "爱辉区")):
        await page.goto(shared_server.url + path)
        await page.locator("#who", has_text=name).wait_for(timeout=5000)
        assert "231102" not in await page.inner_text("#who"), path
    assert console.errors() == []
