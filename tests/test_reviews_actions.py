"""Corrective actions (整改措施) from an accepted evaluation: owned by a unit, closed by it
with evidence, verified by the leading unit, marked overdue once by the engine; a plan's
recommendation opens a revision task; the report as DOCX; the annual review. Both
databases."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime, timedelta

import docx
import openpyxl
from sqlalchemy import func, select

from command.events import Event
from command.reviews import engine
from command.reviews.models import CorrectiveAction
from tests.conftest import bearer
from tests.incidents_fixtures import token_for
from tests.plans_fixtures import issued_plan
from tests.reviews_fixtures import (
    COUNTY,
    SIBLING_STREET,
    STREET,
    closed_incident,
    counts,
    evaluation_of,
    full_draft,
)


async def _accepted(client, demo, draft=None, **incident):
    closed = await closed_incident(client, demo, level="IV", **incident)
    evaluation = await evaluation_of(client, demo["commander"], closed["id"])
    url = f"/api/reviews/{evaluation['id']}"
    written = await client.patch(url, json=draft or full_draft(), headers=bearer(demo["commander"]))
    assert written.status_code == 200, written.text
    submitted = await client.post(f"{url}/submit", headers=bearer(demo["commander"]))
    assert submitted.status_code == 200, submitted.text
    accepted = await client.post(f"{url}/accept", headers=bearer(demo["admin"]))
    assert accepted.status_code == 200, accepted.text
    return accepted.json()


async def test_a_recommendation_on_a_plan_opens_an_action_and_a_revision_task(client, demo):
    plan = await issued_plan(client, demo["admin"])
    accepted = await _accepted(client, demo, full_draft(unit=COUNTY, plan=plan["id"]))
    action = accepted["actions"][0]
    assert action["unit"] == COUNTY and action["plan"] == plan["id"]
    assert action["revision_task"] is not None
    detail = (await client.get(f"/api/plans/{plan['id']}", headers=bearer(demo["admin"]))).json()
    task = next(r for r in detail["revisions"] if r["id"] == action["revision_task"])
    assert task["trigger"] == "response_findings" and task["status"] == "open"
    assert f"evaluation {accepted['id']}" in task["reason"]
    assert detail["status"] == "under_revision"


async def test_the_owning_unit_closes_its_action_with_evidence_and_the_county_verifies(
    app, client, demo
):
    accepted = await _accepted(client, demo)
    action = accepted["actions"][0]
    assert action["unit"] == STREET
    done_url = f"/api/actions/{action['id']}/done"
    before = await counts(app)

    county = await token_for(app, COUNTY, "commander")
    by_superior = await client.post(done_url, json={"evidence": "x"}, headers=bearer(county))
    assert by_superior.status_code == 403
    assert by_superior.json()["error"]["details"][0]["field"] == "unit"
    sibling = await token_for(app, SIBLING_STREET, "reporter")
    by_sibling = await client.post(done_url, json={"evidence": "x"}, headers=bearer(sibling))
    assert by_sibling.status_code == 404
    hidden = await client.get("/api/actions", headers=bearer(sibling))
    assert hidden.json()["items"] == []
    empty = await client.post(done_url, json={"evidence": "  "}, headers=bearer(demo["reporter"]))
    assert empty.status_code == 422
    assert empty.json()["error"]["details"][0]["field"] == "evidence"
    missing = await client.post(done_url, json={}, headers=bearer(demo["reporter"]))
    assert missing.status_code == 422
    assert await counts(app) == before

    own = await client.get(
        f"/api/actions?unit={STREET}&state=open", headers=bearer(demo["reporter"])
    )
    assert [a["id"] for a in own.json()["items"]] == [action["id"]]
    done = await client.post(
        done_url,
        json={"evidence": "已清理通道，台账见街道档案 2026-45 号"},
        headers=bearer(demo["reporter"]),
    )
    assert done.status_code == 200, done.text
    assert done.json()["state"] == "done" and done.json()["evidence"].startswith("已清理")
    twice = await client.post(
        done_url, json={"evidence": "again"}, headers=bearer(demo["reporter"])
    )
    assert twice.status_code == 409
    by_reporter = await client.post(
        f"/api/actions/{action['id']}/verify", headers=bearer(demo["reporter"])
    )
    assert by_reporter.status_code == 403
    verified = await client.post(f"/api/actions/{action['id']}/verify", headers=bearer(county))
    assert verified.status_code == 200, verified.text
    assert verified.json()["state"] == "verified"
    listing = await client.get(f"/api/actions?unit={COUNTY}&state=verified", headers=bearer(county))
    assert [a["id"] for a in listing.json()["items"]] == [action["id"]]


async def test_an_overdue_action_is_marked_once_by_the_engine(app, client, demo):
    soon = (datetime.now(UTC) + timedelta(seconds=3)).isoformat()
    draft = full_draft()
    draft["recommendations"][0]["due_at"] = soon
    accepted = await _accepted(client, demo, draft)
    action_id = accepted["actions"][0]["id"]
    app.state.reviews_engine.nudge()
    for _ in range(60):  # the app's own engine (max sleep 0.5 s) marks it
        await asyncio.sleep(0.25)
        async with app.state.db.read() as session:
            row = await session.get(CorrectiveAction, action_id)
        if row.overdue_at is not None:
            break
    assert row.overdue_at is not None and row.state == "open"
    # Passes after it (another process, a restart) mark nothing again.
    later = datetime.now(UTC) + timedelta(seconds=5)
    assert await engine.mark_due(app.state.db, now=later) == 0
    async with app.state.db.read() as session:
        marks = await session.scalar(
            select(func.count())
            .select_from(Event)
            .where(Event.kind == "action.overdue", Event.entity == f"action:{action_id}")
        )
    assert marks == 1
    listing = await client.get("/api/actions?overdue=true", headers=bearer(demo["commander"]))
    assert [a["id"] for a in listing.json()["items"]] == [action_id]
    assert listing.json()["items"][0]["overdue"] is True


async def test_an_evaluation_past_its_due_time_is_marked_overdue_once(app, client, demo):
    closed = await closed_incident(client, demo, level="IV")
    evaluation = await evaluation_of(client, demo["commander"], closed["id"])
    after = datetime.fromisoformat(evaluation["due_at"]) + timedelta(seconds=1)
    assert await engine.mark_due(app.state.db, now=after) == 1
    assert await engine.mark_due(app.state.db, now=after + timedelta(hours=1)) == 0
    listing = await client.get(
        f"/api/reviews?incident={closed['id']}", headers=bearer(demo["commander"])
    )
    item = listing.json()["items"][0]
    assert item["overdue_at"] is not None and item["on_time"] is False


async def test_the_report_opens_with_python_docx_and_holds_the_sections(client, demo):
    accepted = await _accepted(client, demo)
    response = await client.get(
        f"/api/reviews/{accepted['id']}/report.docx", headers=bearer(demo["commander"])
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    document = docx.Document(io.BytesIO(response.content))
    text = [p.text for p in document.paragraphs]
    headings = [
        "一、评估组",
        "二、事件经过",
        "三、接报与响应、先期处置",
        "四、指挥协调",
        "五、信息报送与发布",
        "六、预案使用情况",
        "七、队伍、装备、物资",
        "八、人员伤亡和损失",
        "九、评估结论",
        "十、经验教训",
        "十一、意见建议和整改措施",
    ]
    positions = [text.index(h) for h in headings]
    assert positions == sorted(positions)
    assert any("花园街道居民楼火灾" in line for line in text[:2])
    assert "处置总体及时有效。" in text and "老旧小区消防通道堵塞。" in text
    assert len(document.tables) >= 3  # timeline, reporting record, losses, recommendations
    cells = {cell.text for table in document.tables for row in table.rows for cell in row.cells}
    assert "清理消防通道并建立巡查台账" in cells and "花园街道" in cells
    # The timeline and the reporting record in words, by name: no codes, no subjects.
    assert {"登记事件（初报）", "变更状态：已接报 → 已结束", "demo reporter"} <= cells, cells
    assert {"初报（电话）", "初报（书面）", "爱辉区", "报送时间"} <= cells, cells
    assert not [c for c in cells if c in (STREET, COUNTY) or c.startswith(("token:", "initial"))]
    english = await client.get(
        f"/api/reviews/{accepted['id']}/report.docx?lang=en", headers=bearer(demo["commander"])
    )
    assert "1. Evaluation group" in [
        p.text for p in docx.Document(io.BytesIO(english.content)).paragraphs
    ]
    missing = await client.get("/api/reviews/999999/report.docx", headers=bearer(demo["commander"]))
    assert missing.status_code == 404


async def test_the_annual_review_counts_the_year_s_real_incidents(client, demo):
    await _accepted(client, demo)
    await closed_incident(client, demo, level="III", category="natural", title="山洪")
    await closed_incident(client, demo, exercise=True, title="演练")
    year = datetime.now(UTC).astimezone().year
    response = await client.get(
        f"/api/reviews/annual?year={year}", headers=bearer(demo["commander"])
    )
    assert response.status_code == 200, response.text
    review = response.json()
    assert review["incidents"]["total"] == 2
    assert review["incidents"]["by_category"]["natural"] == 1
    assert review["incidents"]["by_level"] == {"I": 0, "II": 0, "III": 1, "IV": 1, "none": 0}
    assert sum(review["incidents"]["by_month"].values()) == 2
    assert review["incidents"]["casualties"]["injured"] == 4
    assert review["actions"]["total"] == 1 and review["actions"]["open"] == 1
    sheet = await client.get(
        f"/api/reviews/annual.xlsx?year={year}", headers=bearer(demo["commander"])
    )
    assert sheet.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(sheet.content))
    assert "按类别" in book.sheetnames and book["按类别"].freeze_panes == "A4"
    bad = await client.get("/api/reviews/annual?year=1800", headers=bearer(demo["commander"]))
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "query.year"
    assert set(review["reporting"]) >= {"obligations", "on_time", "late", "missed"}


async def test_two_engines_at_once_mark_each_evaluation_once(app, client, demo, settings):
    from command.db import Database

    for n in range(3):
        await closed_incident(client, demo, level="IV", title=f"并发评估 {n}")
    later = datetime.now(UTC) + timedelta(days=16)
    other = Database(settings.database_url, settings=settings)
    try:
        marked = await asyncio.gather(
            engine.mark_due(app.state.db, now=later), engine.mark_due(other, now=later)
        )
    finally:
        await other.dispose()
    assert sum(marked) == 3
    async with app.state.db.read() as session:
        events = await session.scalar(
            select(func.count()).select_from(Event).where(Event.kind == "evaluation.overdue")
        )
    assert events == 3
