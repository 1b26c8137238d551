"""The assessment cycle: self-assessment with notes and evidence, the inspector's audited
adjustments, approval freezing the scorecard; bad input refused naming the field, with
nothing written."""

from __future__ import annotations

from sqlalchemy import func, select

from command.assessment.models import Evidence, ManualScore, Submission
from command.assessment.scorecards import live_scorecard, period_of, sheet_for
from command.db import utcnow
from command.events import Event
from tests.assessment_fixtures import CITY, COUNTY, at, incident, obligation, units
from tests.conftest import bearer
from tests.incidents_fixtures import token_for
from tests.plans_fixtures import pdf_bytes

YEAR = 2026


async def _rows(app) -> dict[str, int]:
    async with app.state.db.read() as session:
        return {
            model.__tablename__: await session.scalar(select(func.count()).select_from(model))
            for model in (Submission, ManualScore, Evidence)
        }


def _self(**overrides):
    body = {
        "year": YEAR,
        "unit": COUNTY,
        "notes": "全年工作总结见附件",
        "scores": [{"indicator": "system.staff", "points": 4, "note": "人员全部在岗"}],
        "submit": True,
    }
    return body | overrides


async def _card(client, token) -> dict:
    response = await client.get(
        "/api/assessment/scorecards", params={"year": YEAR, "unit": COUNTY}, headers=token
    )
    assert response.status_code == 200, response.text
    return response.json()["items"][0]


def _point(card, key):
    return next(p for p in card["points"] if p["indicator"] == key)


async def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(app, client, demo):
    commander = bearer(demo["commander"])
    before = await _rows(app)
    cases = [
        ({"scores": [{"indicator": "system.staff", "points": 5}]}, "scores[0].points"),
        ({"scores": [{"indicator": "duty.reporting", "points": 1}]}, "scores[0].indicator"),
        ({"scores": [{"indicator": "no.such", "points": 1}]}, "scores[0].indicator"),
        ({"year": 2031}, "year"),
    ]
    for change, field in cases:
        response = await client.put(
            "/api/assessment/self-assessment", json=_self(**change), headers=commander
        )
        assert response.status_code == 422, response.text
        assert field in {d["field"] for d in response.json()["error"]["details"]}
    wrong = await client.post(
        "/api/assessment/evidence",
        params={"year": YEAR, "unit": COUNTY, "indicator": "system.staff", "filename": "a.txt"},
        content=b"plain text, not a document",
        headers=commander,
    )
    assert wrong.status_code == 422
    assert wrong.json()["error"]["details"][0]["field"] == "file"
    assert await _rows(app) == before


async def test_self_assessment_inspection_and_a_frozen_approval(app, client, demo):
    commander = bearer(demo["commander"])
    county = bearer(await token_for(app, COUNTY, "commander"))
    saved = await client.put("/api/assessment/self-assessment", json=_self(), headers=county)
    assert saved.status_code == 200, saved.text
    assert saved.json()["state"] == "submitted"
    evidence = await client.post(
        "/api/assessment/evidence",
        params={"year": YEAR, "unit": COUNTY, "indicator": "system.staff", "filename": "文件.pdf"},
        content=pdf_bytes(),
        headers=county,
    )
    assert evidence.status_code == 201, evidence.text
    office = _point(await _card(client, commander), "system.staff")
    assert office["source"] == "self" and office["points"] == 4
    assert [e["id"] for e in office["evidence"]] == [evidence.json()["id"]]

    adjustment = {"year": YEAR, "unit": COUNTY, "indicator": "system.staff", "points": 3.5}
    own = await client.post(
        "/api/assessment/adjustments", json=adjustment | {"reason": "自评"}, headers=county
    )
    assert own.status_code == 403  # no unit inspects itself
    adjusted = await client.post(
        "/api/assessment/adjustments",
        json=adjustment | {"reason": "专职副主任未到位"},
        headers=commander,
    )
    assert adjusted.status_code == 200, adjusted.text
    card = await _card(client, commander)
    office = _point(card, "system.staff")
    assert office["source"] == "inspector" and office["points"] == 3.5
    assert office["inspector_reason"] == "专职副主任未到位"
    async with app.state.db.read() as session:
        audit = await session.scalar(select(Event).where(Event.kind == "assessment.adjusted"))
    assert audit.payload["before"] == 4 and audit.payload["after"] == 3.5
    assert audit.payload["reason"] == "专职副主任未到位"

    approved = await client.post(
        "/api/assessment/approvals", json={"year": YEAR, "unit": COUNTY}, headers=commander
    )
    assert approved.status_code == 200, approved.text
    frozen = approved.json()
    assert frozen["state"] == "approved"
    assert _point(frozen, "duty.reporting")["points"] == 10

    async with app.state.db.write() as session:  # a later incident the county missed
        u = await units(session)
        later = await incident(session, u[COUNTY], at(11, 28, year=YEAR))
        await obligation(session, later, u[COUNTY], u[CITY], at(11, 28, 3, year=YEAR), "missed")
    async with app.state.db.read() as session:
        unit = (await units(session))[COUNTY]
        live = await live_scorecard(
            session, sheet=sheet_for(unit), unit=unit,
            period=period_of(session, YEAR, utcnow()), submission=None,
        )  # fmt: skip
    assert _point(live, "duty.reporting")["points"] == 7  # the live count moved …
    card = await _card(client, commander)
    assert card["total"] == frozen["total"]  # … the approved result did not
    assert _point(card, "duty.reporting")["points"] == 10

    before = await _rows(app)
    late_edit = await client.post(
        "/api/assessment/adjustments", json=adjustment | {"reason": "再调"}, headers=commander
    )
    assert late_edit.status_code == 409
    assert late_edit.json()["error"]["details"][0]["field"] == "year"
    resubmit = await client.put("/api/assessment/self-assessment", json=_self(), headers=county)
    assert resubmit.status_code == 409
    more = await client.post(
        "/api/assessment/evidence",
        params={"year": YEAR, "unit": COUNTY, "indicator": "system.staff", "filename": "补.pdf"},
        content=pdf_bytes(),
        headers=county,
    )
    assert more.status_code == 409 and more.json()["error"]["details"][0]["field"] == "year"
    again = await client.post(
        "/api/assessment/approvals", json={"year": YEAR, "unit": COUNTY}, headers=commander
    )
    assert again.status_code == 409
    assert await _rows(app) == before
