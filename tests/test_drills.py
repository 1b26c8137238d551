"""Drills through the API: scheduling, bad input, conflicts and override, statuses, roles."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import bearer
from tests.plans_fixtures import (
    counts,
    drill_body,
    events,
    issued_plan,
    later,
    token_for,
)

CONTRACT_FIELDS = {
    "id",
    "title",
    "plans",
    "form",
    "scope",
    "purpose",
    "organizer",
    "units",
    "starts_at",
    "ends_at",
    "location",
    "status",
    "rrule",
}


@pytest.fixture
async def plan(client, demo) -> dict:
    return await issued_plan(client, demo["coordinator"])


async def _schedule(client, token, body):
    return await client.post("/api/drills", json=body, headers=bearer(token))


async def test_scheduling_a_drill_is_an_exercise_event_for_the_wall(client, demo, app, plan):
    body = drill_body(plan["id"])
    response = await _schedule(client, demo["coordinator"], body)
    assert response.status_code == 201, response.text
    drill = response.json()
    assert CONTRACT_FIELDS <= drill.keys()
    assert drill["exercise"] is True and drill["status"] == "scheduled"
    assert drill["plans"] == [plan["id"]] and drill["organizer"] == "231102"
    assert drill["units"] == ["231102.YJB", "231102003"] and drill["rrule"] is None
    assert drill["location"] == body["location"]  # full coordinate precision kept
    [event] = await events(app, "drills")
    assert event.kind == "drill.scheduled" and event.unit_path.endswith("/231102/")
    assert event.payload["exercise"] is True and event.payload["id"] == drill["id"]
    fetched = await client.get(f"/api/drills/{drill['id']}", headers=bearer(demo["display"]))
    assert fetched.json()["title"] == body["title"]


async def test_a_commander_may_schedule_drills(client, demo, plan):
    response = await _schedule(client, demo["commander"], drill_body(plan["id"]))
    assert response.status_code == 201


@pytest.mark.parametrize("role", ["display", "reporter"])
async def test_readers_cannot_schedule(client, demo, app, plan, role):
    before = await counts(app)
    response = await _schedule(client, demo[role], drill_body(plan["id"]))
    assert response.status_code == 403 and await counts(app) == before


def _bad_bodies(plan_id: int) -> list[tuple[dict, int, str]]:
    start = later(48)
    past = later(-3)
    return [
        (
            drill_body(
                plan_id,
                ends_at=(start - timedelta(hours=1)).isoformat(),
                starts_at=start.isoformat(),
            ),
            422,
            "ends_at must be after starts_at",
        ),
        (
            drill_body(plan_id, ends_at=start.isoformat(), starts_at=start.isoformat()),
            422,
            "ends_at must be after starts_at",
        ),
        (
            drill_body(
                plan_id, starts_at=past.isoformat(), ends_at=(past + timedelta(hours=1)).isoformat()
            ),
            422,
            "in the past",
        ),
        (drill_body(plan_id, status="completed"), 422, "must have ended"),
        (drill_body(plan_id, status="in_progress"), 422, "status"),
        (drill_body(plan_id, form="parade"), 422, "form"),
        (drill_body(plan_id, starts_at="2030-01-01T09:00:00"), 422, "timezone"),
        (drill_body(plan_id, plans=[]), 422, "plans"),
        (drill_body(plan_id, location={"type": "Point", "coordinates": [1]}), 422, "location"),
        (drill_body(plan_id, location={"type": "Feature", "geometry": None}), 422, "location"),
        (
            drill_body(
                plan_id,
                location={
                    "type": "Polygon",
                    "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]],
                },
            ),
            422,
            "not valid",
        ),
        (drill_body(plan_id, rrule="FREQ=HOURLY;COUNT=3"), 422, "FREQ"),
        (drill_body(plan_id, rrule="FREQ=WEEKLY;FOO=1"), 422, "rrule"),
        (drill_body(plan_id, rrule="FREQ=DAILY;UNTIL=20301231"), 422, "UTC"),
        (drill_body(plan_id, plans=[999999]), 404, "plan 999999"),
        (drill_body(plan_id, units=["999999"]), 404, "unit 999999"),
    ]


async def test_bad_drills_are_refused_and_nothing_is_written(client, demo, app, plan):
    before = await counts(app)
    for body, status, words in _bad_bodies(plan["id"]):
        response = await _schedule(client, demo["coordinator"], body)
        assert response.status_code == status, (body, response.text)
        assert words in response.text, (words, response.text)
    assert await counts(app) == before


async def test_a_drill_in_the_past_may_be_recorded_as_completed(client, demo, app, plan):
    start = later(-50)
    body = drill_body(
        plan["id"],
        status="completed",
        starts_at=start.isoformat(),
        ends_at=(start + timedelta(hours=3)).isoformat(),
    )
    response = await _schedule(client, demo["coordinator"], body)
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "completed"
    detail = (await client.get(f"/api/plans/{plan['id']}", headers=bearer(demo["display"]))).json()
    # the plan counts as drilled on the (local) day the drill ended, which is the start's
    # day or the next when the three hours cross midnight
    held_on = (start + timedelta(hours=3)).date()
    assert detail["last_drilled_on"] == held_on.isoformat()
    # special plans are drilled every 36 months: the next drill is due 3 years on
    assert detail["next_drill_due"] == held_on.replace(year=held_on.year + 3).isoformat()
    assert [e.kind for e in await events(app, "drills")] == ["drill.recorded"]


async def test_a_coordinator_cannot_schedule_outside_their_subtree(client, demo, app, plan):
    county = await token_for(app, "coordinator", "231123")
    county_plan = await issued_plan(
        client, county, {"title": "逊克县防汛预案", "type": "special", "unit": "231123"}
    )
    before = await counts(app)
    cases = [
        drill_body(county_plan["id"], organizer="231102", units=[]),
        drill_body(county_plan["id"], organizer="231123", units=["231102003"]),
        drill_body(plan["id"], organizer="231123", units=[]),
    ]
    for body in cases:
        response = await _schedule(client, county, body)
        assert response.status_code == 403, response.text
    assert await counts(app) == before
    ok = await _schedule(
        client, county, drill_body(county_plan["id"], organizer="231123", units=["231123001"])
    )
    assert ok.status_code == 201


async def test_a_retired_plan_cannot_be_drilled(client, demo, app, plan):
    await client.patch(
        f"/api/plans/{plan['id']}", json={"status": "retired"}, headers=bearer(demo["coordinator"])
    )
    before = await counts(app)
    response = await _schedule(client, demo["coordinator"], drill_body(plan["id"]))
    assert response.status_code == 422 and "retired" in response.text
    assert await counts(app) == before


async def test_a_unit_booked_twice_is_a_conflict_naming_the_drill(client, demo, app, plan):
    first = (await _schedule(client, demo["coordinator"], drill_body(plan["id"]))).json()
    start = later(49)  # overlaps the first (48 h to 50 h from now)
    body = drill_body(
        plan["id"],
        title="另一场演练",
        organizer="231102.YJB",
        units=[],
        starts_at=start.isoformat(),
        ends_at=(start + timedelta(hours=1)).isoformat(),
        location=None,
    )
    before = await counts(app)
    response = await _schedule(client, demo["coordinator"], body)
    assert response.status_code == 409, response.text
    error = response.json()["error"]
    assert f"drill {first['id']}" in error["message"] and "231102.YJB" in error["message"]
    [conflict] = error["conflicts"]
    assert conflict["drill"] == first["id"] and conflict["units"] == ["231102.YJB"]
    assert conflict["location"] is False
    assert await counts(app) == before
    after = later(50)  # starts when the first ends: no overlap
    body.update(starts_at=after.isoformat(), ends_at=(after + timedelta(hours=1)).isoformat())
    assert (await _schedule(client, demo["coordinator"], body)).status_code == 201


async def test_a_place_booked_twice_is_a_conflict(client, demo, app, plan):
    first = (await _schedule(client, demo["coordinator"], drill_body(plan["id"]))).json()
    square = [[127.49, 50.24], [127.51, 50.24], [127.51, 50.25], [127.49, 50.25], [127.49, 50.24]]
    body = drill_body(
        plan["id"],
        title="逊克县演练",
        organizer="231123",
        units=[],
        location={"type": "Polygon", "coordinates": [square]},
    )
    response = await _schedule(client, demo["coordinator"], body)
    assert response.status_code == 409
    [conflict] = response.json()["error"]["conflicts"]
    assert conflict == {**conflict, "drill": first["id"], "units": [], "location": True}
    far = [[c[0] + 1, c[1]] for c in square]
    body["location"] = {"type": "Polygon", "coordinates": [far]}
    assert (await _schedule(client, demo["coordinator"], body)).status_code == 201


async def test_the_coordinator_may_override_a_conflict_with_a_reason(client, demo, app, plan):
    first = (await _schedule(client, demo["coordinator"], drill_body(plan["id"]))).json()
    body = drill_body(plan["id"], title="联合演练", override_reason="两场演练合并举行，已协调")
    before = await counts(app)
    refused = await _schedule(client, demo["commander"], body)
    assert refused.status_code == 403 and "override" in refused.text
    assert await counts(app) == before
    response = await _schedule(client, demo["coordinator"], body)
    assert response.status_code == 201, response.text
    override = response.json()["override"]
    assert override["reason"] == "两场演练合并举行，已协调"
    assert override["conflicts"] == [first["id"]] and override["by"].startswith("token:")
    payload = (await events(app, "drills"))[-1].payload
    assert payload["override"]["conflicts"] == [first["id"]]


async def test_cancelled_and_postponed_drills_free_their_booking(client, demo, plan):
    first = (await _schedule(client, demo["coordinator"], drill_body(plan["id"]))).json()
    postponed = await client.patch(
        f"/api/drills/{first['id']}",
        json={"status": "postponed", "reason": "暴雪"},
        headers=bearer(demo["commander"]),
    )
    assert postponed.status_code == 200 and postponed.json()["status_reason"] == "暴雪"
    second = await _schedule(client, demo["coordinator"], drill_body(plan["id"], title="替补"))
    assert second.status_code == 201
    resumed = await client.patch(
        f"/api/drills/{first['id']}",
        json={"status": "scheduled"},
        headers=bearer(demo["coordinator"]),
    )
    assert resumed.status_code == 409 and f"drill {second.json()['id']}" in resumed.text
    moved = later(72)
    rescheduled = await client.patch(
        f"/api/drills/{first['id']}",
        json={
            "status": "scheduled",
            "starts_at": moved.isoformat(),
            "ends_at": (moved + timedelta(hours=2)).isoformat(),
        },
        headers=bearer(demo["coordinator"]),
    )
    assert rescheduled.status_code == 200, rescheduled.text
    assert rescheduled.json()["sequence"] == 2


async def test_status_changes_follow_the_lifecycle(client, demo, app, plan):
    drill = (await _schedule(client, demo["coordinator"], drill_body(plan["id"]))).json()
    url = f"/api/drills/{drill['id']}"
    token = bearer(demo["coordinator"])
    early = await client.patch(url, json={"status": "completed"}, headers=token)
    assert early.status_code == 422 and "not started" in early.text
    assert (
        await client.patch(url, json={"status": "in_progress"}, headers=token)
    ).status_code == 200
    before = await counts(app)
    bad = await client.patch(url, json={"status": "scheduled"}, headers=token)
    assert bad.status_code == 409
    moved = await client.patch(url, json={"starts_at": later(60).isoformat()}, headers=token)
    assert moved.status_code == 409
    assert await counts(app) == before
    cancelled = await client.patch(
        url, json={"status": "cancelled", "reason": "险情"}, headers=token
    )
    assert cancelled.status_code == 200
    final = await client.patch(url, json={"title": "x"}, headers=token)
    assert final.status_code == 409 and "can no longer change" in final.text
    kinds = [e.kind for e in await events(app, "drills")]
    assert kinds == ["drill.scheduled", "drill.in_progress", "drill.cancelled"]


async def test_patch_refuses_bad_input_and_outsiders(client, demo, app, plan):
    drill = (await _schedule(client, demo["coordinator"], drill_body(plan["id"]))).json()
    url = f"/api/drills/{drill['id']}"
    county = await token_for(app, "coordinator", "231123")
    before = await counts(app)
    cases = [
        ({"ends_at": later(47).isoformat()}, demo["coordinator"], 422),
        ({"starts_at": later(-5).isoformat()}, demo["coordinator"], 422),
        ({"units": ["231123001"]}, await token_for(app, "coordinator", "231102"), 403),
        ({"title": "改"}, county, 403),
        ({"title": None}, demo["coordinator"], 422),
        ({"status": "finished"}, demo["coordinator"], 422),
        ({"title": "改"}, demo["display"], 403),
    ]
    for body, token, status in cases:
        response = await client.patch(url, json=body, headers=bearer(token))
        assert response.status_code == status, (body, response.text)
    assert await counts(app) == before
    hidden = await client.get(url, headers=bearer(county))
    assert hidden.status_code == 403
    participant = await token_for(app, "display", "231102003")
    assert (await client.get(url, headers=bearer(participant))).status_code == 200


async def test_listing_drills_of_a_subtree(client, demo, app, plan):
    await _schedule(client, demo["coordinator"], drill_body(plan["id"]))
    listed = await client.get("/api/drills", headers=bearer(demo["display"]))
    assert listed.json()["total"] == 1 and listed.json()["items"][0]["exercise"] is True
    by_plan = await client.get(f"/api/drills?plan={plan['id']}", headers=bearer(demo["display"]))
    assert by_plan.json()["total"] == 1
    participant = await token_for(app, "display", "231102003")
    assert (await client.get("/api/drills", headers=bearer(participant))).json()["total"] == 1
    other = await token_for(app, "display", "231123")
    assert (await client.get("/api/drills", headers=bearer(other))).json()["total"] == 0
    bad = await client.get("/api/drills?from=yesterday", headers=bearer(demo["display"]))
    assert bad.status_code == 422


async def test_an_idempotent_retry_schedules_once(client, demo, app, plan):
    headers = {**bearer(demo["coordinator"]), "Idempotency-Key": "drill-42"}
    body = drill_body(plan["id"])
    first = await client.post("/api/drills", json=body, headers=headers)
    second = await client.post("/api/drills", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert (await counts(app))["drills"] == 1


async def test_two_racing_bookings_of_one_unit_yield_one_drill(client, demo, app, plan):
    import asyncio

    bodies = [drill_body(plan["id"], title=f"并发演练{n}") for n in range(2)]
    responses = await asyncio.gather(
        *(_schedule(client, demo["coordinator"], body) for body in bodies)
    )
    assert sorted(r.status_code for r in responses) == [201, 409]
    assert (await counts(app))["drills"] == 1
