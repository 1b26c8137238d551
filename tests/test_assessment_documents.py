"""The assessment pack (XLSX) and the circular (DOCX) open with openpyxl and python-docx
and hold the figures of the fixture year."""

from __future__ import annotations

import io
import re

import docx
import openpyxl
from docx.oxml.ns import qn

from tests.assessment_fixtures import YEAR, fixture_year
from tests.conftest import bearer


async def test_the_pack_holds_each_unit_total_and_the_records(app, client, demo):
    await fixture_year(app)
    headers = bearer(demo["commander"])
    cards = await client.get(
        "/api/assessment/scorecards", params={"year": YEAR, "unit": "231100"}, headers=headers
    )
    totals = {card["name"]: card["total"] for card in cards.json()["items"]}
    response = await client.get(
        "/api/assessment/pack.xlsx", params={"year": YEAR, "unit": "231100"}, headers=headers
    )
    assert response.status_code == 200, response.text
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    summary = book["汇总"]
    assert "2025年度" in summary["A1"].value
    assert summary.freeze_panes == "A4" and summary.auto_filter.ref.startswith("A3:")
    assert summary["A3"].font.bold and summary["A1"].font.bold
    assert summary["A2"].value.startswith("黑河市 · 2025年度")  # unit and period
    assert summary.column_dimensions["C"].width == 22
    found = {row[2]: row[3] for row in summary.iter_rows(min_row=4, values_only=True)}
    assert found == totals
    duty = book["值守与信息报送"]
    rows = [row for row in duty.iter_rows(min_row=4, values_only=True) if row[0] == "爱辉区"]
    reporting = next(row for row in rows if row[1] == "突发事件信息报送")
    assert reporting[2] == 2 and "漏报" in reporting[6] and "迟报" in reporting[6]
    assert len(book.sheetnames) == 1 + 8


async def test_the_circular_names_the_units_and_their_incidents(app, client, demo):
    fixture = await fixture_year(app)
    response = await client.get(
        "/api/circulars.docx",
        params={"from": f"{YEAR}-01-01", "to": f"{YEAR}-12-31", "unit": "231100", "seq": 7},
        headers=bearer(demo["commander"]),
    )
    assert response.status_code == 200, response.text
    document = docx.Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "黑河市应急管理局" in text and "通报" in text
    assert re.fullmatch(r"黑应急通〔\d{4}〕7号", document.paragraphs[1].text)
    assert document.paragraphs[-1].text.endswith("印发")
    body = next(p for p in document.paragraphs if p.text.startswith(f"{YEAR}年1月1日至"))
    assert body.runs[0]._element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋_GB2312"
    assert "迟报1次，漏报2次" in text  # 爱辉区's two, 逊克县's one
    assert "三、工作要求" in text
    table = document.tables[0]
    rows = {row.cells[0].text: [c.text for c in row.cells] for row in table.rows[1:]}
    assert rows["瑷珲镇"][1:5] == ["0", "1", "0", "1"]  # 漏报 1, 瞒报 1
    assert f"#{fixture['incident_a']}" in rows["瑷珲镇"][5]
    assert f"#{fixture['incident_b']}" in rows["瑷珲镇"][5]
    village = next(name for name in rows if name.startswith("瑷珲镇") and name != "瑷珲镇")
    assert rows[village][1] == "1"  # 迟报 1
    title_font = document.paragraphs[2].runs[0].font.name
    assert title_font == "方正小标宋简体"
    bad = await client.get(
        "/api/circulars.docx",
        params={"from": f"{YEAR}-12-31", "to": f"{YEAR}-01-01"},
        headers=bearer(demo["commander"]),
    )
    assert bad.status_code == 422
    assert bad.json()["error"]["details"][0]["field"] == "query.to"
