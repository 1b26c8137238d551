"""Readiness registries feed the 体制建设 and 宣传培训 indicators; trainings import from a
workbook (all or none); the year-end readiness view counts against the targets."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

from openpyxl import Workbook

from command.assessment import targets
from command.assessment.sheetfile import shipped_sheets
from command.units.service import find_unit
from tests.assessment_fixtures import COUNTY
from tests.conftest import bearer
from tests.plans_fixtures import pdf_bytes

YEAR = 2026


TRAININGS = ["日期", "单位编码", "类型", "对象", "参加人数", "领导干部人数"]
OFFICES = ["单位编码", "成立日期", "成立文件", "主任", "专职副主任", "在岗人数", "信息联络员"]


def _workbook(rows, headers=TRAININGS) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def _points(client, headers) -> dict:
    response = await client.get(
        "/api/assessment/scorecards", params={"year": YEAR, "unit": COUNTY}, headers=headers
    )
    assert response.status_code == 200, response.text
    return {p["indicator"]: p for p in response.json()["items"][0]["points"]}


async def test_registries_feed_the_indicators(client, demo):
    headers = bearer(demo["commander"])
    before = await _points(client, headers)
    assert before["system.office"]["points"] == 0 and before["training.staff"]["points"] == 0
    office = {"established_on": "2019-03-01", "approval_document": "爱编〔2019〕5号",
              "director": "张主任", "deputy_full_time": "", "staff_in_post": 6}  # fmt: skip
    saved = await client.put(f"/api/readiness/offices/{COUNTY}", json=office, headers=headers)
    assert saved.status_code == 200, saved.text
    assert saved.json()["checks"]["deputy_full_time"] is False
    assert saved.json()["checks"]["approval_document"] is False  # its number, not uploaded
    wrong = await client.put(
        f"/api/readiness/offices/{COUNTY}/document", params={"filename": "a.txt"},
        content=b"not a document", headers=headers,
    )  # fmt: skip
    assert wrong.status_code == 422 and wrong.json()["error"]["details"][0]["field"] == "file"
    uploaded = await client.put(
        f"/api/readiness/offices/{COUNTY}/document", params={"filename": "成立文件.pdf"},
        content=pdf_bytes(), headers=headers,
    )  # fmt: skip
    assert uploaded.status_code == 200, uploaded.text
    assert uploaded.json()["checks"]["approval_document"] is True
    fetched = await client.get(f"/api/readiness/offices/{COUNTY}/document", headers=headers)
    assert fetched.status_code == 200 and fetched.content == pdf_bytes()
    assert fetched.headers["content-type"] == "application/pdf"
    bad = _workbook(
        [["2026-05-10", COUNTY, "培训", "干部", 40, 3], ["2026-06-01", "999", "培训", "", 5, 0]]
    )
    refused = await client.post("/api/readiness/trainings.xlsx", content=bad, headers=headers)
    assert refused.status_code == 422
    assert "rows[1].unit" in {d["field"] for d in refused.json()["error"]["details"]}
    good = _workbook(
        [
            ["2026-05-10", COUNTY, "培训", "乡镇干部", 40, 3],
            ["2026-09-01", COUNTY, "宣传", "群众", 200, 0],
        ]
    )
    imported = await client.post("/api/readiness/trainings.xlsx", content=good, headers=headers)
    assert imported.status_code == 201, imported.text
    assert len(imported.json()["ids"]) == 2
    after = await _points(client, headers)
    assert after["system.office"]["points"] == 4  # four of the five facts
    assert after["training.leaders"]["points"] == 5  # one session with leaders: target 1
    assert after["training.staff"]["points"] == 2.5  # one training of the two needed
    listed = await client.get("/api/readiness/trainings", params={"unit": COUNTY}, headers=headers)
    assert len(listed.json()["items"]) == 2


async def test_the_year_end_readiness_view(client, demo):
    headers = bearer(demo["commander"])
    response = await client.get("/api/assessment/readiness", headers=headers)
    assert response.status_code == 200, response.text
    view = response.json()
    assert view["target"].endswith("-12-31") and view["days_left"] >= 0
    assert view["offices"]["counties"] == 7 and view["offices"]["met"] == 0
    assert view["coverage"]["missing"] == view["coverage"]["required"] > 0
    assert len(view["requirements"]) == 15
    assert all(item["units"] == 7 for item in view["requirements"])


async def test_the_readiness_view_on_a_leap_day(app, demo):
    """Three years before 29 February is 28 February, not an error."""
    async with app.state.db.read() as session:
        root = await find_unit(session, "231100")
        view = await targets.readiness_view(
            session, root=root, today=date(2028, 2, 29), now=datetime(2028, 2, 29, tzinfo=UTC)
        )
    assert view["drills"]["since"] == "2025-02-28"
    assert view["days_left"] == (date(2028, 12, 31) - date(2028, 2, 29)).days


async def test_offices_import_from_a_workbook_and_departments_name_their_liaison(client, demo):
    headers = bearer(demo["commander"])
    department = "231100.BM01"
    bad = _workbook(
        [[COUNTY, "2019-03-01", "爱编〔2019〕5号", "张主任", "李副主任", 6, ""],
         ["231123", "not a date", "", "", "", 0, ""]],
        OFFICES,
    )  # fmt: skip
    refused = await client.post("/api/readiness/offices.xlsx", content=bad, headers=headers)
    assert refused.status_code == 422
    assert "rows[1].established_on" in {d["field"] for d in refused.json()["error"]["details"]}
    outside = _workbook([["999999", None, "", "", "", 0, ""]], OFFICES)
    refused = await client.post("/api/readiness/offices.xlsx", content=outside, headers=headers)
    assert refused.status_code == 422
    assert refused.json()["error"]["details"][0]["field"] == "rows[0].unit"
    listed = await client.get("/api/readiness/offices", headers=headers)
    assert listed.json()["items"] == []  # nothing written by the refused files
    good = _workbook(
        [[COUNTY, "2019-03-01", "爱编〔2019〕5号", "张主任", "李副主任", 6, ""],
         [department, None, "", "", "", 0, "王联络员"]],
        OFFICES,
    )  # fmt: skip
    imported = await client.post("/api/readiness/offices.xlsx", content=good, headers=headers)
    assert imported.status_code == 201, imported.text
    views = {v["unit"]: v for v in imported.json()["items"]}
    assert views[COUNTY]["director"] == "张主任" and views[COUNTY]["established_on"] == "2019-03-01"
    assert views[department]["checks"] == {"liaison": True}
    no_document = await client.get("/api/readiness/offices/231123/document", headers=headers)
    assert no_document.status_code == 404
    view = (await client.get("/api/assessment/readiness", headers=headers)).json()
    assert view["liaisons"]["met"] == 1 and view["liaisons"]["departments"] > 1
    rows = {row["unit"]: row for row in view["offices"]["rows"]}
    assert rows[COUNTY]["checks"]["director"] and not rows[COUNTY]["met"]  # no document yet


async def test_the_checklist_shows_the_evidence_behind_each_requirement(client, demo):
    headers = bearer(demo["commander"])
    uploaded = await client.post(
        "/api/assessment/evidence",
        params={"year": YEAR, "unit": COUNTY, "indicator": "system.budget", "filename": "预算.pdf"},
        content=pdf_bytes(),
        headers=headers,
    )
    assert uploaded.status_code == 201, uploaded.text
    view = (await client.get("/api/assessment/readiness", headers=headers)).json()
    budget = next(item for item in view["requirements"] if item["indicators"] == ["system.budget"])
    assert budget["title_en"]
    county = next(u for u in budget["by_unit"] if u["unit"] == COUNTY)
    [evidence] = county["evidence"]
    assert evidence["files"] == [
        {"id": uploaded.json()["id"], "filename": "预算.pdf", "kind": "pdf"}
    ]
    assert county["met"] is False  # evidence filed, not yet scored
    reporting = next(i for i in view["requirements"] if i["indicators"] == ["duty.reporting"])
    assert all(u["met"] and u["evidence"][0]["records"] == 0 for u in reporting["by_unit"])
    fetched = await client.get(f"/api/assessment/evidence/{uploaded.json()['id']}", headers=headers)
    assert fetched.status_code == 200 and fetched.content == pdf_bytes()
    assert fetched.headers["content-type"] == "application/pdf"
    for missing in (999999, 2**70):  # none, and beyond the database's ids
        response = await client.get(f"/api/assessment/evidence/{missing}", headers=headers)
        assert response.status_code == 404


def test_every_requirement_names_indicators_of_a_shipped_sheet():
    targets.requirements.cache_clear()
    keys = {ind.key for sheet in shipped_sheets() for _, ind in sheet.indicators()}
    items = targets.requirements()["requirements"]
    assert len(items) == 15
    assert all(item["indicators"] and set(item["indicators"]) <= keys for item in items)
