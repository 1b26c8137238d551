"""Evaluation after a drill: the items, findings that open revision tasks, occurrences."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from command.auth.service import Principal
from command.units.service import get_unit
from plans.clock import Clock
from plans.drill_schemas import DrillIn
from plans.drills import schedule_drill
from tests.conftest import bearer
from tests.plans_fixtures import ZONE, counts, drill_body, events, issued_plan, later, token_for

ITEMS = {
    "execution": {"rating": "good", "notes": "按脚本完成"},
    "plan_soundness": {"rating": "poor", "notes": "转移路线不明确"},
    "command_coordination": {"rating": "adequate"},
    "responders": {"rating": "good"},
    "equipment": {"rating": "adequate", "notes": "冲锋舟不足"},
    "suggestions": "补充转移路线图",
}


@pytest.fixture
async def plan(client, demo) -> dict:
    return await issued_plan(client, demo["coordinator"])


async def _completed(client, token, plan_id: int, days_ago: int = 10) -> dict:
    start = later(-24 * days_ago)
    body = drill_body(
        plan_id,
        status="completed",
        starts_at=start.isoformat(),
        ends_at=(start + timedelta(hours=2)).isoformat(),
    )
    response = await client.post("/api/drills", json=body, headers=bearer(token))
    assert response.status_code == 201, response.text
    return response.json()


def _finding(plan_id: int | None, revise: bool = True, text: str = "预案未明确转移路线") -> dict:
    return {"item": "plan_soundness", "text": text, "plan": plan_id, "revise": revise}


async def test_findings_of_an_evaluation_open_revision_tasks(client, demo, app, plan):
    token = demo["coordinator"]
    drill = await _completed(client, token, plan["id"])
    body = {
        **ITEMS,
        "findings": [_finding(plan["id"]), _finding(plan["id"], revise=False, text="通信保障良好")],
    }
    response = await client.post(
        f"/api/drills/{drill['id']}/evaluation", json=body, headers=bearer(demo["commander"])
    )
    assert response.status_code == 201, response.text
    evaluation = response.json()
    assert evaluation["plan_soundness"] == {"rating": "poor", "notes": "转移路线不明确"}
    assert evaluation["exercise"] is True and len(evaluation["revision_tasks"]) == 1
    detail = (await client.get(f"/api/plans/{plan['id']}", headers=bearer(token))).json()
    assert detail["status"] == "under_revision"
    [task] = detail["revisions"]
    assert (task["trigger"], task["drill"], task["evaluation"]) == (
        "drill_findings",
        drill["id"],
        evaluation["id"],
    )
    assert "预案未明确转移路线" in task["reason"] and task["id"] == evaluation["revision_tasks"][0]
    drill_events = await events(app, "drills")
    assert drill_events[-1].kind == "drill.evaluated"
    assert drill_events[-1].payload["evaluation"]["id"] == evaluation["id"]
    assert drill_events[-1].payload["exercise"] is True
    assert (await events(app, "plans"))[-1].kind == "plan.revision_opened"


async def test_a_drill_is_evaluated_once_and_only_when_completed(client, demo, app, plan):
    token = demo["coordinator"]
    scheduled = (
        await client.post("/api/drills", json=drill_body(plan["id"]), headers=bearer(token))
    ).json()
    before = await counts(app)
    early = await client.post(
        f"/api/drills/{scheduled['id']}/evaluation", json=ITEMS, headers=bearer(token)
    )
    assert early.status_code == 409 and "once completed" in early.text
    await client.patch(
        f"/api/drills/{scheduled['id']}", json={"status": "cancelled"}, headers=bearer(token)
    )
    cancelled = await client.post(
        f"/api/drills/{scheduled['id']}/evaluation", json=ITEMS, headers=bearer(token)
    )
    assert cancelled.status_code == 409 and "cancelled" in cancelled.text
    drill = await _completed(client, token, plan["id"])
    first = await client.post(
        f"/api/drills/{drill['id']}/evaluation", json=ITEMS, headers=bearer(token)
    )
    assert first.status_code == 201
    before = await counts(app)
    again = await client.post(
        f"/api/drills/{drill['id']}/evaluation", json=ITEMS, headers=bearer(token)
    )
    assert again.status_code == 409 and "already evaluated" in again.text
    assert await counts(app) == before


async def test_bad_evaluations_are_refused_and_nothing_is_written(client, demo, app, plan):
    token = demo["coordinator"]
    drill = await _completed(client, token, plan["id"])
    other = await issued_plan(
        client, token, {"title": "另一预案", "type": "special", "unit": "231102"}
    )
    county = await token_for(app, "coordinator", "231123")
    missing_item = {k: v for k, v in ITEMS.items() if k != "equipment"}
    cases = [
        ({**ITEMS, "findings": [_finding(other["id"])]}, token, 422, "not exercised"),
        ({**ITEMS, "findings": [_finding(None)]}, token, 422, "must name the plan"),
        ({**ITEMS, "execution": {"rating": "excellent"}}, token, 422, "execution.rating"),
        (missing_item, token, 422, "equipment"),
        ({**ITEMS, "occurrence": later(5).isoformat()}, token, 422, "not the start"),
        (ITEMS, county, 403, "outside"),
        (ITEMS, demo["display"], 403, "drills.manage"),
    ]
    before = await counts(app)
    for body, caller, status, words in cases:
        response = await client.post(
            f"/api/drills/{drill['id']}/evaluation", json=body, headers=bearer(caller)
        )
        assert response.status_code == status and words in response.text, response.text
    assert await counts(app) == before


async def _recurring_begun_two_weeks_ago(app, plan_id: int) -> tuple[int, datetime]:
    """A weekly drill booked three weeks ago whose first two occurrences have been held."""
    start = (datetime.now(UTC) - timedelta(days=15)).replace(second=0, microsecond=0)
    data = DrillIn(
        title="每周值守推演",
        plans=[plan_id],
        form="tabletop",
        scope="single",
        purpose="test",
        organizer="231102",
        units=[],
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        rrule="FREQ=WEEKLY;COUNT=6",
    )
    booked = Clock(zone=ZONE, now=start - timedelta(days=7))
    async with app.state.db.write() as session:
        city = await get_unit(session, "231100")
        admin = Principal.of(city, role="admin", subject="test")
        drill = await schedule_drill(session, data=data, principal=admin, clock=booked)
    return drill.id, start


async def test_each_held_occurrence_of_a_recurring_drill_is_evaluated(client, demo, app, plan):
    drill_id, start = await _recurring_begun_two_weeks_ago(app, plan["id"])
    url = f"/api/drills/{drill_id}/evaluation"
    token = bearer(demo["coordinator"])
    second = start + timedelta(weeks=1)
    response = await client.post(
        url, json={**ITEMS, "occurrence": second.isoformat()}, headers=token
    )
    assert response.status_code == 201, response.text
    assert datetime.fromisoformat(response.json()["occurrence"]) == second
    detail = (await client.get(f"/api/plans/{plan['id']}", headers=token)).json()
    held_on = (second + timedelta(hours=2)).astimezone(ZONE).date()
    assert detail["last_drilled_on"] == held_on.isoformat()
    assert detail["next_drill_due"] == held_on.replace(year=held_on.year + 3).isoformat()
    first = await client.post(url, json={**ITEMS, "occurrence": start.isoformat()}, headers=token)
    assert first.status_code == 201
    before = await counts(app)
    for occurrence, status in ((start + timedelta(weeks=3), 409), (start + timedelta(days=1), 422)):
        response = await client.post(
            url, json={**ITEMS, "occurrence": occurrence.isoformat()}, headers=token
        )
        assert response.status_code == status, response.text
    assert await counts(app) == before


async def test_completing_a_drill_credits_its_plans(client, demo, app, plan):
    token = bearer(demo["coordinator"])
    drill_id, start = await _recurring_begun_two_weeks_ago(app, plan["id"])
    await client.patch(f"/api/drills/{drill_id}", json={"status": "in_progress"}, headers=token)
    response = await client.patch(
        f"/api/drills/{drill_id}", json={"status": "completed"}, headers=token
    )
    assert response.status_code == 200, response.text
    detail = (await client.get(f"/api/plans/{plan['id']}", headers=token)).json()
    # credited with the last occurrence held: the third, which ended yesterday
    third_ended = start + timedelta(weeks=2, hours=2)
    assert detail["last_drilled_on"] == third_ended.astimezone(ZONE).date().isoformat()
    assert "plan.drilled" in [e.kind for e in await events(app, "plans")]
