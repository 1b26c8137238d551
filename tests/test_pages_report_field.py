"""The field page on a 390×844 phone: whole date-times, a header on one line, ARIA tabs,
map taps by keyboard with a place description, a notice that promises only what the form
does, follow-ups that carry the current figures, a picker that tells incidents apart, and
what the centre did with the reporter's incidents, live."""

from __future__ import annotations

import re

import httpx
from playwright.async_api import expect

from tests.browser_helpers import OFFLINE, PHONE, incidents_titled, unique
from tests.conftest import bearer
from tests.test_pages_report import fill_initial, outbox_item

pytest_plugins = ("tests.browser_fixtures",)

DATETIMES = """
() => [...document.querySelectorAll('input[type=datetime-local]')].filter((i) => i.offsetParent)
  .map((i) => ({
    scroll: i.scrollWidth, client: i.clientWidth, width: i.getBoundingClientRect().width,
  }))
"""


async def test_whole_date_times_a_one_line_header_and_arrow_key_tabs(shared_server, pages):
    page, console = await pages.open(shared_server, "demo-reporter", "/report", viewport=PHONE)
    inputs = await page.evaluate(DATETIMES)
    assert len(inputs) == 2
    for box in inputs:
        assert box["scroll"] <= box["client"] and box["width"] >= 280, box
    value = await page.input_value("#i-occurred")
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", value)

    # Offline, in either language, the title is on one line and whole (neither wrapped
    # nor cut by an ellipsis), and the header keeps to the phone's width.
    await page.context.set_offline(True)
    for offline in ("无信号", "No signal"):
        if offline == "No signal":
            await page.click("#lang")
        await expect(page.locator("#network")).to_have_text(offline)
        title = page.locator("header h1")
        height = await title.evaluate("(n) => n.getBoundingClientRect().height")
        line = await title.evaluate("(n) => parseFloat(getComputedStyle(n).lineHeight) || 30")
        assert height < 1.5 * line, (offline, height, line)
        whole = await title.evaluate("(n) => n.scrollWidth <= n.clientWidth")
        assert whole, offline
        assert await page.evaluate("document.documentElement.scrollWidth") <= 390
    await page.click("#lang")
    await page.context.set_offline(False)

    await page.focus("#tab-initial")
    await page.keyboard.press("ArrowRight")
    await expect(page.locator("#tab-followup")).to_be_focused()
    await expect(page.locator("#tab-followup")).to_have_attribute("aria-selected", "true")
    await expect(page.locator("#form-followup")).to_be_visible()
    await expect(page.locator("#form-initial")).to_be_hidden()
    await page.keyboard.press("End")
    await expect(page.locator("#tab-final")).to_have_attribute("aria-selected", "true")
    await page.keyboard.press("ArrowRight")  # wraps round to the first
    await expect(page.locator("#tab-initial")).to_be_focused()
    tabindexes = await page.eval_on_selector_all("[role=tab]", "(t) => t.map((n) => n.tabIndex)")
    assert tabindexes == [0, -1, -1]
    assert console.errors(allowed=OFFLINE) == []


async def test_a_keyboard_tap_marks_the_place_and_the_description_goes_with_it(
    shared_server, pages, demo
):
    server = shared_server
    page, console = await pages.open(server, "demo-reporter", "/report", viewport=PHONE)
    await page.wait_for_selector("#i-map .leaflet-tooltip.unit-label")
    facts = page.locator("#i-facts")
    await page.fill("#i-title", "x")
    await expect(facts).to_contain_text("发送前须填写：地点")
    assert "可先报" not in (await facts.inner_text()).split("。")[0]

    await page.focus("#i-map")
    await page.keyboard.press("ArrowUp")
    await page.keyboard.press("Enter")
    await expect(page.locator("#point")).to_contain_text(",")
    await expect(facts).not_to_contain_text("发送前须填写")

    title = unique("瑷珲镇民房火灾")
    await page.fill("#i-title", title)
    await page.fill("#i-type", "民房火灾")
    await page.fill("#i-place", "花园街道 幸福小区 3 号楼")
    await page.fill("#i-summary", "三楼起火")
    await page.click("#form-initial button[type=submit]")
    await outbox_item(page, "confirmed").wait_for(timeout=5000)
    # "Sending" is said only while the report waits: once it is recorded, the line goes.
    await expect(page.locator("#flash")).to_be_hidden()
    [incident] = await incidents_titled(server.url, demo["commander"], title)
    assert incident["summary"] == "地点：花园街道 幸福小区 3 号楼\n三楼起火"
    assert incident["geometry"]["type"] == "Point"
    assert console.errors() == []


async def test_follow_ups_carry_the_figures_and_the_centres_handling_shows_live(
    shared_server, pages, demo
):
    server = shared_server
    page, console = await pages.open(server, "demo-reporter", "/report", viewport=PHONE)
    title = unique("瑷珲镇交通事故")
    await fill_initial(page, title)
    await page.click("#form-initial button[type=submit]")
    await outbox_item(page, "confirmed").wait_for(timeout=5000)
    [incident] = await incidents_titled(server.url, demo["commander"], title)

    mine = page.locator(f'#mine li[data-incident="{incident["id"]}"]')
    await expect(mine).to_contain_text("中心尚未签收")
    await expect(mine).to_contain_text("尚未核实")
    async with httpx.AsyncClient(base_url=server.url) as client:
        acked = await client.post(
            f"/api/incidents/{incident['id']}/ack", headers=bearer(demo["commander"])
        )
        assert acked.status_code == 200, acked.text
        changed = await client.patch(
            f"/api/incidents/{incident['id']}",
            json={"status": "verified", "level": "III"},
            headers=bearer(demo["commander"]),
        )
        assert changed.status_code == 200, changed.text
    await expect(mine).to_contain_text("中心已签收", timeout=5000)
    await expect(mine).to_contain_text("已核实")
    await expect(mine).to_contain_text("III级")

    await page.click("#tab-followup")
    select = page.locator("#f-incident")
    option = select.locator(f'option[value="{incident["id"]}"]')
    label = await option.inner_text()
    assert label.startswith(f"#{incident['id']} {title} · ")
    assert "花园街道" in label and "III级" in label and re.search(r"\d{2}:\d{2}", label)
    await select.select_option(str(incident["id"]))
    assert await page.input_value("#f-injured") == "2"
    assert await page.input_value("#f-dead") == "0"
    assert await page.input_value("#f-loss") == "3.5"
    await expect(page.locator("#f-current")).to_contain_text("受伤 2")

    # The centre closes it: the reporter sees that too, live, and it leaves the pickers.
    async with httpx.AsyncClient(base_url=server.url) as client:
        closed = await client.patch(
            f"/api/incidents/{incident['id']}",
            json={"status": "closed"},
            headers=bearer(demo["commander"]),
        )
        assert closed.status_code == 200, closed.text
    await expect(mine).to_contain_text("已结案", timeout=5000)
    await expect(mine).to_have_attribute("data-status", "closed")
    await expect(select.locator(f'option[value="{incident["id"]}"]')).to_have_count(0)
    assert console.errors() == []


async def test_a_follow_up_on_a_queued_incident_loses_its_waiting_mark(shared_server, pages):
    page, console = await pages.open(shared_server, "demo-reporter", "/report", viewport=PHONE)
    context = page.context
    await context.set_offline(True)
    title = unique("瑷珲镇山火")
    await fill_initial(page, title)
    await page.click("#form-initial button[type=submit]")
    await page.click("#tab-followup")
    await page.select_option("#f-incident", label=f"【待发送】{title}")
    await page.fill("#f-summary", "火势已控制")
    await page.click("#form-followup button[type=submit]")
    await context.set_offline(False)
    await expect(outbox_item(page, "confirmed")).to_have_count(2, timeout=15_000)
    what = await page.locator("#outbox li .what").all_inner_texts()
    assert f"续报 · {title}" in what
    assert not any("待发送" in text for text in what)
    assert console.errors(allowed=OFFLINE) == []


async def test_the_page_in_english_has_no_chinese_words_of_its_own(shared_server, pages):
    page, console = await pages.open(shared_server, "demo-reporter", "/report", viewport=PHONE)
    await page.wait_for_selector("#i-map .leaflet-tooltip.unit-label")
    await page.fill("#i-title", "x")
    await expect(page.locator("#i-facts")).to_contain_text("地点")
    await page.click("#lang")
    facts = page.locator("#i-facts")
    await expect(facts).to_contain_text("Needed before sending: place.")
    # The two parts of the notice, each a line; the facts listed the English way.
    lines = await facts.locator(".facts-line").all_inner_texts()
    assert lines[0] == "Needed before sending: place."
    assert lines[1].startswith("Key facts still missing: ") and "、" not in lines[1], lines
    # Who is signed in follows the switch too, naming the unit.
    who = await page.inner_text("#who")
    assert "单位" not in who and "(231102001)" in who, who
    # A report sent without some key facts: the outbox lists them the English way too.
    await page.fill("#i-title", unique("Aihui house fire"))
    await page.focus("#i-map")
    await page.keyboard.press("Enter")
    await page.click("#form-initial button[type=submit]")
    confirmed = outbox_item(page, "confirmed")
    await confirmed.wait_for(timeout=5000)
    said = await confirmed.inner_text()
    assert "nature" in said and "、" not in said, said
    await page.click("#lang")
    await expect(page.locator("#who")).to_contain_text("单位")
    assert "、" in (await facts.locator(".facts-line").all_inner_texts())[1]
    assert "、" in await confirmed.inner_text()
    assert console.errors() == []


async def test_a_refusal_never_names_a_field_in_the_apis_english(shared_server, pages):
    page, console = await pages.open(shared_server, "demo-reporter", "/report", viewport=PHONE)
    words = await page.evaluate(
        """async () => {
          const { errorText } = await import("/static/js/api.js");
          return [
            errorText({ status: 422, code: "invalid", fields: ["body.title", "body.zz_unheard"] }),
            errorText({ status: 409, code: "conflict", fields: ["body.override_reason"] }),
          ];
        }"""
    )
    assert words == [
        "填写的内容不符合要求（涉及：名称）",
        "与当前状态冲突，操作未执行（涉及：冲突说明）",
    ], words
    assert console.errors() == []
