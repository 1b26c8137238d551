"""GET /api/incidents.csv and .xlsx: the incident list's filters and subtree, Chinese
headers (English on request), a BOM for Excel, formulas kept as text; the XLSX opened
with openpyxl."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from tests.conftest import bearer
from tests.incidents_fixtures import SIBLING_COUNTY, create, token_for
from tests.interop_fixtures import row_counts

SHANGHAI = ZoneInfo("Asia/Shanghai")
HEADERS_ZH = [
    "编号", "标题", "类别", "类型", "级别", "状态", "信息来源", "单位代码", "单位名称",
    "发生时间", "获悉时间", "接报时间", "结束时间", "死亡", "失踪", "受伤", "受影响人数",
    "直接经济损失（万元）", "演练", "敏感", "经度", "纬度", "报告数", "概况", "已采取措施",
]  # fmt: skip
HEADERS_EN = [
    "ID", "Title", "Category", "Type", "Level", "Status", "Source", "Unit code", "Unit",
    "Occurred at", "Learned at", "Received at", "Closed at", "Dead", "Missing", "Injured",
    "Affected", "Direct loss (10,000 CNY)", "Exercise", "Sensitive", "Longitude", "Latitude",
    "Reports", "Summary", "Measures taken",
]  # fmt: skip
FORMULA = '=HYPERLINK("http://evil.example","点击")'


@pytest.fixture
async def three(client, demo) -> dict[str, dict]:
    fire = await create(client, demo["reporter"], title=FORMULA, summary="起火\x07三楼")
    flood = await create(
        client,
        demo["commander"],
        title="奇克镇内涝",
        category="natural",
        type="flood",
        level="III",
        unit="231123001",
        channel="phone",
    )
    drill = await create(client, demo["commander"], title="演练", exercise=True, channel="phone")
    return {"fire": fire, "flood": flood, "drill": drill}


def _local(value: str) -> datetime:
    return datetime.fromisoformat(value).astimezone(SHANGHAI).replace(microsecond=0, tzinfo=None)


async def _get(client, token: str, suffix: str, **params):
    response = await client.get(f"/api/incidents.{suffix}", params=params, headers=bearer(token))
    assert response.status_code == 200, response.text
    return response


def _csv_rows(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


async def _listed_ids(client, token: str, **params) -> list[int]:
    response = await client.get("/api/incidents", params=params, headers=bearer(token))
    return [item["id"] for item in response.json()["items"]]


async def test_csv_has_chinese_headers_and_the_rows(client, demo, three):
    response = await _get(client, demo["display"], "csv")
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"].startswith('attachment; filename="incidents-')
    assert response.headers["x-total-count"] == "3"
    header, *rows = _csv_rows(response.content)
    assert header == HEADERS_ZH
    by_id = {int(row[0]): dict(zip(header, row, strict=True)) for row in rows}
    assert list(by_id) == await _listed_ids(client, demo["display"])
    fire = by_id[three["fire"]["id"]]
    assert fire["标题"] == "'" + FORMULA  # a spreadsheet must not run it
    assert (fire["类别"], fire["级别"], fire["状态"]) == ("事故灾难", "IV级（一般）", "已接报")
    assert (fire["单位代码"], fire["单位名称"], fire["信息来源"]) == (
        "231102001",
        "花园街道",
        "基层报送",
    )
    assert fire["发生时间"] == _local(three["fire"]["occurred_at"]).strftime("%Y-%m-%d %H:%M:%S")
    assert fire["结束时间"] == "" and fire["演练"] == "否" and fire["报告数"] == "1"
    assert (fire["失踪"], fire["受伤"], fire["直接经济损失（万元）"]) == ("1", "2", "12.5")
    assert fire["经度"] == "127.49012345"
    assert by_id[three["drill"]["id"]]["演练"] == "是"


async def test_exports_honour_the_list_filters(app, client, demo, three):
    display = demo["display"]
    for params in (
        {"level": "III"},
        {"unit": "231102"},
        {"exercise": "false"},
        {"category": "natural,accident", "status": "reported"},
        {"limit": "1", "offset": "1"},
        {"since": three["flood"]["occurred_at"]},
    ):
        rows = _csv_rows((await _get(client, display, "csv", **params)).content)[1:]
        assert [int(row[0]) for row in rows] == await _listed_ids(client, display, **params), params
    paged = await _get(client, display, "csv", limit="1")
    assert paged.headers["x-total-count"] == "3" and len(_csv_rows(paged.content)) == 2
    xunke = await token_for(app, SIBLING_COUNTY, "display")
    only = _csv_rows((await _get(client, xunke, "csv")).content)[1:]
    assert [int(row[0]) for row in only] == [three["flood"]["id"]]


async def test_xlsx_opens_with_chinese_headers_and_typed_cells(client, demo, three):
    response = await _get(client, demo["display"], "xlsx")
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["突发事件", "导出说明"]
    sheet = workbook["突发事件"]
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == HEADERS_ZH and len(values) == 4
    rows = {row[0]: dict(zip(HEADERS_ZH, row, strict=True)) for row in values[1:]}
    fire = rows[three["fire"]["id"]]
    assert fire["标题"] == FORMULA and fire["概况"] == "起火三楼"
    assert fire["发生时间"] == _local(three["fire"]["occurred_at"])
    assert (fire["死亡"], fire["失踪"], fire["直接经济损失（万元）"]) == (0, 1, 12.5)
    assert rows[three["flood"]["id"]]["级别"] == "III级（较大）"
    assert rows[three["flood"]["id"]]["单位名称"] == "奇克镇"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode()
    about = dict(workbook["导出说明"].iter_rows(values_only=True))
    assert about["时区"] == "Asia/Shanghai" and about["符合条件总数"] == 3


async def test_english_exports(client, demo, three):
    rows = _csv_rows((await _get(client, demo["display"], "csv", lang="en")).content)
    assert rows[0] == HEADERS_EN
    flood = next(row for row in rows if row[0] == str(three["flood"]["id"]))
    assert (flood[2], flood[4], flood[8]) == ("natural disaster", "III", "Qike Town")
    workbook = load_workbook(
        io.BytesIO((await _get(client, demo["display"], "xlsx", lang="en", level="III")).content)
    )
    assert workbook.sheetnames == ["Incidents", "About"]
    values = list(workbook["Incidents"].iter_rows(values_only=True))
    assert list(values[0]) == HEADERS_EN and [row[0] for row in values[1:]] == [
        three["flood"]["id"]
    ]


async def test_export_refusals_write_nothing(app, client, demo, three):
    before = await row_counts(app)
    xunke = await token_for(app, SIBLING_COUNTY, "display")
    cases = [
        ("csv", {"level": "V"}, demo["display"], 422),
        ("xlsx", {"limit": "20000"}, demo["display"], 422),
        ("csv", {"lang": "fr"}, demo["display"], 422),
        ("xlsx", {"unit": "231102"}, xunke, 403),
        ("csv", {"unit": "nowhere"}, demo["display"], 422),
        (
            "xlsx",
            {"since": "2026-06-02T00:00:00+08:00", "until": "2026-06-01T00:00:00+08:00"},
            demo["display"],
            422,
        ),
        ("csv", {"since": "2026-06-02"}, demo["display"], 422),
        ("xlsx", {"colour": "red"}, demo["display"], 422),
        ("csv", {}, None, 401),
    ]
    for suffix, params, token, status in cases:
        headers = bearer(token) if token else {}
        response = await client.get(f"/api/incidents.{suffix}", params=params, headers=headers)
        assert response.status_code == status, (suffix, params, response.text)
        assert response.json()["error"]["message"]
    assert await row_counts(app) == before
