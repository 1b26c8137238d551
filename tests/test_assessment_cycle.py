"""The assessment cycle: self-assessment with notes and evidence, the inspector's audited
adjustments, approval freezing the scorecard; bad input refused naming the field, with
nothing written."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from sqlalchemy import func, select

from command.assessment import cycle
from command.assessment.models import Evidence, ManualScore, Submission
from command.assessment.schemas import AdjustmentIn, SelfAssessmentIn
from command.assessment.scorecards import live_scorecard, period_of, sheet_for
from command.assessment.sheetfile import parse_sheet, shipped_paths
from command.auth.service import Principal
from command.db import utcnow
from command.errors import Conflict
from command.events import Event
from command.units.models import Unit
from tests.assessment_fixtures import CITY, COUNTY, at, incident, obligation, units
from tests.conftest import bearer
from tests.incidents_fixtures import token_for
from tests.plans_fixtures import pdf_bytes

YEAR = 2025  # a past year: every window of its cycle is open or closed, never upcoming


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
    for params, field in (
        ({"unit": COUNTY, "indicator": "system.staff"}, "query.year"),
        ({"year": YEAR, "unit": COUNTY}, "query.indicator"),
        ({"year": YEAR, "indicator": "system.staff", "colour": "red"}, "query.colour"),
    ):
        refused = await client.post(
            "/api/assessment/evidence", params=params, content=pdf_bytes(), headers=commander
        )
        assert refused.status_code == 422, refused.text
        assert field in {d["field"] for d in refused.json()["error"]["details"]}
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


# The cycle's dates (the sheet's [[year]] and [cycle.<step>] rules). 2025's windows are all
# in the past, so the API is tested on it with the real clock; the windows of 2026 are
# tested on the service with the time given, at the edges of the office's local days.


async def _events(app, kind: str) -> list[Event]:
    async with app.state.db.read() as session:
        return list(await session.scalars(select(Event).where(Event.kind == kind)))


async def test_a_self_assessment_after_its_date_is_accepted_and_recorded_late(app, client, demo):
    county = bearer(await token_for(app, COUNTY, "commander"))
    draft = await client.put(
        "/api/assessment/self-assessment", json=_self(submit=False), headers=county
    )
    assert draft.status_code == 200 and draft.json()["late_days"] is None  # a draft is not late
    saved = await client.put("/api/assessment/self-assessment", json=_self(), headers=county)
    assert saved.status_code == 200, saved.text
    today = utcnow().astimezone(app.state.settings.zone).date()
    late = (today - date(2025, 12, 10)).days
    assert saved.json()["state"] == "submitted" and saved.json()["late_days"] == late
    card = await _card(client, bearer(demo["commander"]))
    assert card["late_days"] == late  # the city's list shows it too
    (event,) = await _events(app, "assessment.submitted")
    assert event.payload["late_days"] == late
    listed = await client.get(
        "/api/assessment/scorecards", params={"year": YEAR, "unit": COUNTY}, headers=county
    )
    steps = {s["step"]: s for s in listed.json()["cycle"]["steps"]}
    assert steps["self_assessment"]["state"] == "closed"
    assert steps["self_assessment"]["days_left"] == -late


async def test_approving_a_unit_that_never_submitted_is_refused_unless_overridden(
    app, client, demo
):
    commander = bearer(demo["commander"])
    county = bearer(await token_for(app, COUNTY, "commander"))
    await client.put("/api/assessment/self-assessment", json=_self(submit=False), headers=county)
    before, events = await _rows(app), len(await _events(app, "assessment.approved"))
    refused = await client.post(
        "/api/assessment/approvals", json={"year": YEAR, "unit": COUNTY}, headers=commander
    )
    assert refused.status_code == 409, refused.text
    error = refused.json()["error"]
    assert error["code"] == "assessment_not_submitted"
    assert error["details"][0]["field"] == "unit" and error["state"] == "draft"
    assert await _rows(app) == before  # nothing half-written: still a draft, no event
    assert len(await _events(app, "assessment.approved")) == events
    assert (await _card(client, commander))["state"] == "draft"
    blank = await client.post(
        "/api/assessment/approvals",
        json={"year": YEAR, "unit": COUNTY, "override_reason": "  "},
        headers=commander,
    )
    assert blank.status_code == 422  # an override needs a reason
    overridden = await client.post(
        "/api/assessment/approvals",
        json={"year": YEAR, "unit": COUNTY, "override_reason": "逾期未上报，依现场核查审定"},
        headers=commander,
    )
    assert overridden.status_code == 200, overridden.text
    card = overridden.json()
    assert card["state"] == "approved" and card["approval_late_days"] > 0
    assert card["approval_override"]["rules"] == ["assessment_not_submitted"]
    (event,) = await _events(app, "assessment.approved")
    assert event.payload["override"]["reason"] == "逾期未上报，依现场核查审定"


def _local(app, day: date, hour: int = 0, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=app.state.settings.zone)


async def _as(session, code: str, role: str = "commander") -> tuple[Unit, Principal]:
    unit = (await units(session))[code]
    return unit, Principal.of(unit, role=role, subject=f"{code}-{role}")


async def test_the_2026_windows_open_and_close_on_the_offices_local_days(app):
    """Inspection opens the day after report_by (15 Dec): at 23:59 on the 15th it is refused
    naming `year`, nothing written; at 00:00 on the 16th it is taken. A self-assessment is on
    time to the end of 10 Dec and one day late from midnight."""
    adjustment = AdjustmentIn(
        year=2026, unit=COUNTY, indicator="system.staff", points=3, reason="两人借调"
    )
    before = await _rows(app)
    async with app.state.db.write() as session:
        county, _ = await _as(session, COUNTY)
        _, city = await _as(session, CITY)
        with pytest.raises(Conflict) as refused:
            await cycle.adjust(
                session, unit=county, data=adjustment, principal=city,
                now=_local(app, date(2026, 12, 15), 23, 59),
            )  # fmt: skip
    assert refused.value.code == "assessment_inspection_not_open"
    assert refused.value.details[0]["field"] == "year"
    assert refused.value.extra["opens_on"] == "2026-12-16"
    assert await _rows(app) == before
    async with app.state.db.write() as session:
        county, own = await _as(session, COUNTY)
        _, city = await _as(session, CITY)
        on_time = await cycle.save_self_assessment(
            session, unit=county, principal=own, now=_local(app, date(2026, 12, 10), 23, 59),
            data=SelfAssessmentIn(year=2026, unit=COUNTY, submit=True),
        )  # fmt: skip
        assert on_time.late_days is None
        late = await cycle.save_self_assessment(
            session, unit=county, principal=own, now=_local(app, date(2026, 12, 11)),
            data=SelfAssessmentIn(year=2026, unit=COUNTY, notes="补充说明", submit=True),
        )  # fmt: skip
        assert late.late_days == 1
        change = await cycle.adjust(
            session, unit=county, data=adjustment, principal=city,
            now=_local(app, date(2026, 12, 16)),
        )  # fmt: skip
    assert change["after"] == 3 and change["late_days"] is None and change["override"] is None


async def test_the_inspector_may_override_an_early_inspection_with_a_reason(app):
    async with app.state.db.write() as session:
        county, _ = await _as(session, COUNTY)
        _, city = await _as(session, CITY)
        data = AdjustmentIn(
            year=2026, unit=COUNTY, indicator="system.staff", points=2, reason="现场核查",
            override_reason="提前核查：考核组12月上旬集中检查",
        )  # fmt: skip
        change = await cycle.adjust(
            session, unit=county, data=data, principal=city, now=_local(app, date(2026, 12, 1))
        )
    assert change["override"] == {
        "rules": ["assessment_inspection_not_open"],
        "reason": "提前核查：考核组12月上旬集中检查",
    }
    (event,) = await _events(app, "assessment.adjusted")
    assert event.payload["override"]["rules"] == ["assessment_inspection_not_open"]


def test_the_rules_are_data_a_sheet_that_refuses_late_work_refuses_it():
    text = shipped_paths()[0].read_text(encoding="utf-8")
    old = '[cycle.self_assessment]\ndue = "self_assessment_by"\nlate = "accept"'
    assert old in text
    strict = parse_sheet(text.replace(old, old.replace("accept", "refuse")), file="strict.toml")
    on_time, _ = cycle._timing(strict, 2026, "self_assessment", date(2026, 12, 10),
                               submission=None)  # fmt: skip
    assert on_time is None
    with pytest.raises(Conflict) as refused:
        cycle._timing(strict, 2026, "self_assessment", date(2026, 12, 11), submission=None)
    assert refused.value.code == "assessment_self_assessment_closed"
    assert refused.value.extra["due_on"] == "2026-12-10"
    steps = cycle.timetable(strict, strict.cycle(2026), date(2026, 12, 1))
    assert [(s["step"], s["state"], s["days_left"], s["days_to_open"]) for s in steps] == [
        ("self_assessment", "open", 9, 0),
        ("inspection", "upcoming", 30, 15),
        ("approval", "upcoming", 40, 15),
    ]
