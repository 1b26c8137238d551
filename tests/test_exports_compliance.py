"""The compliance table's files (GET /api/compliance.csv and .xlsx, built by the deadline
engine's module) seen from the interop side: the XLSX opened with openpyxl holds exactly
the Chinese headers and, cell by cell, the rows of the JSON table; the CSV too; both
honour the caller's subtree and ?unit=."""

from __future__ import annotations

import csv
import io

import httpx
from openpyxl import load_workbook

from command.units.schemas import UnitIn
from command.units.service import create_unit
from tests.conftest import bearer
from tests.deadlines_fixtures import (
    COUNTY,
    T0,
    TOWNSHIP,
    VILLAGE,
    create_incident,
    deadline_app,
    minutes,
    report,
    run_engine,
)
from tests.incidents_fixtures import SIBLING_COUNTY, token_for

MARCH = "from=2026-03-01&to=2026-04-01"
HEADERS = (
    "排名", "单位代码", "单位名称", "应报次数", "按时报告", "迟报", "漏报", "超时待报",
    "初报要素不全", "瞒报（已认定）", "瞒报（待核实）", "谎报", "按时报告率",
    "迟报时长中位数（分钟）", "最长迟报时长（分钟）",
)  # fmt: skip
ROW_FIELDS = (
    "rank", "unit", "name", "obligations", "on_time", "late", "missed", "pending",
    "incomplete", "concealed", "concealment_candidates", "false_reports", "on_time_rate",
    "median_delay_seconds", "worst_delay_seconds",
)  # fmt: skip
FORMULA_UNIT = "231102003009"


async def _script(app) -> None:
    """A village reports at once, its township late, the county and the city never."""
    incident = await create_incident(app, unit=VILLAGE, learned_at=T0)
    await report(app, incident, TOWNSHIP, T0 + minutes(150))
    await report(app, incident, COUNTY, T0 + minutes(200))
    await run_engine(app, T0 + minutes(3 * 24 * 60))


def _expected(row: dict) -> tuple:
    """A JSON row as the files write it: delays in minutes to one decimal."""
    values = [row[name] for name in ROW_FIELDS]
    for index in (-2, -1):
        values[index] = None if values[index] is None else round(values[index] / 60, 1)
    return tuple(values)


def _csv_cell(value) -> str:
    return "" if value is None else str(value)


async def _files(settings, demo, token_role: str = "display", query: str = MARCH):
    async with deadline_app(settings) as app:
        await _script(app)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            headers = bearer(demo[token_role])
            table = await client.get(f"/api/compliance?{query}", headers=headers)
            as_csv = await client.get(f"/api/compliance.csv?{query}", headers=headers)
            as_xlsx = await client.get(f"/api/compliance.xlsx?{query}", headers=headers)
    for response in (table, as_csv, as_xlsx):
        assert response.status_code == 200, response.text
    return table.json()["rows"], as_csv, as_xlsx


async def test_xlsx_holds_the_chinese_headers_and_every_row(settings, demo):
    rows, _, as_xlsx = await _files(settings, demo)
    assert (
        len(rows) >= 3 and any(row["late"] for row in rows) and any(row["missed"] for row in rows)
    )
    assert as_xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "compliance-231100-20260301-20260401.xlsx" in as_xlsx.headers["content-disposition"]
    workbook = load_workbook(io.BytesIO(as_xlsx.content))
    assert workbook.sheetnames == ["按时报告率"]
    assert workbook.properties.title.startswith("黑河市 按时报告率 2026-03-01")
    sheet = workbook.active
    cells = list(sheet.iter_rows(min_row=3, values_only=True))
    assert cells[0] == HEADERS
    assert sheet.freeze_panes == "A4" and sheet["A3"].font.bold
    assert sheet["A1"].font.bold and "统计期间 2026-03-01 至 2026-03-31" in sheet["A2"].value
    assert sheet.auto_filter.ref == f"A3:O{3 + len(rows)}"
    assert sheet.column_dimensions["C"].width == 24  # the unit's name
    assert cells[1:] == [_expected(row) for row in rows]
    rate = sheet.cell(row=4, column=HEADERS.index("按时报告率") + 1)
    assert rate.number_format == "0.0%" and 0 <= rate.value <= 1


async def test_csv_holds_the_same_rows_with_a_bom(settings, demo):
    rows, as_csv, _ = await _files(settings, demo)
    assert as_csv.content.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert tuple(lines[0]) == HEADERS
    for line, row in zip(lines[1:], rows, strict=True):
        expected = [_csv_cell(value) for value in _expected(row)]
        rate = row["on_time_rate"]
        expected[12] = "" if rate is None else f"{rate * 100:.1f}%"
        assert line == expected


async def test_files_follow_the_subtree(settings, demo):
    rows, as_csv, as_xlsx = await _files(settings, demo, query=f"{MARCH}&unit={TOWNSHIP}")
    assert rows and {row["unit"] for row in rows} <= {TOWNSHIP, VILLAGE}
    sheet = load_workbook(io.BytesIO(as_xlsx.content)).active
    assert [row[1] for row in sheet.iter_rows(min_row=4, values_only=True)] == [
        row["unit"] for row in rows
    ]
    lines = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert [line[1] for line in lines[1:]] == [row["unit"] for row in rows]


async def test_file_refusals(app, client, demo):
    county = await token_for(app, SIBLING_COUNTY, "display")
    cases = [
        ("xlsx", "unit=231102", county, 403),
        ("csv", "unit=231102", county, 403),
        ("xlsx", "from=2026-04-01&to=2026-03-01", demo["display"], 422),
        ("xlsx", "colour=red", demo["display"], 422),
        ("csv", "", None, 401),
    ]
    for suffix, query, token, status in cases:
        headers = bearer(token) if token else {}
        response = await client.get(f"/api/compliance.{suffix}?{query}", headers=headers)
        assert response.status_code == status, (suffix, query, response.text)


async def test_english_headers_on_request(client, demo):
    response = await client.get("/api/compliance.xlsx?lang=en", headers=bearer(demo["display"]))
    assert response.status_code == 200


async def test_a_unit_name_is_never_a_formula(settings, demo):
    async with deadline_app(settings) as app:
        async with app.state.db.write() as session:
            unit = UnitIn(
                code=FORMULA_UNIT,
                name='=HYPERLINK("http://evil.example","x")',
                kind="area",
                tier="village",
                parent=TOWNSHIP,
                lon=127.5,
                lat=50.2,
            )
            await create_unit(session, data=unit, actor="test")
        await create_incident(app, unit=FORMULA_UNIT, learned_at=T0)
        await run_engine(app, T0 + minutes(3 * 24 * 60))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            response = await client.get(
                f"/api/compliance.xlsx?{MARCH}", headers=bearer(demo["display"])
            )
    sheet = load_workbook(io.BytesIO(response.content)).active
    names = [row[2] for row in sheet.iter_rows(min_row=4)]
    formula = next(cell for cell in names if str(cell.value).startswith("="))
    assert formula.data_type == "s"
