"""Recurring drills (RRULE), their conflicts, and the iCalendar feed read back by a second
library (recurring-ical-events) with the right occurrences; calendar feed tokens."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import icalendar
import pytest
import recurring_ical_events

from tests.conftest import bearer
from tests.plans_fixtures import ZONE, counts, drill_body, issued_plan, later, token_for


def next_monday_at(hour: int) -> datetime:
    """A Monday at least two days ahead, at `hour` local time."""
    today = datetime.now(UTC).astimezone(ZONE).date()
    day = today + timedelta(days=2)
    day += timedelta(days=(7 - day.weekday()) % 7)
    return datetime.combine(day, time(hour), tzinfo=ZONE)


@pytest.fixture
async def plan(client, demo) -> dict:
    return await issued_plan(client, demo["coordinator"])


@pytest.fixture
async def weekly(client, demo, plan) -> dict:
    start = next_monday_at(9)
    body = drill_body(
        plan["id"],
        title="每周防汛桌面推演",
        rrule="RRULE:FREQ=WEEKLY;COUNT=4",
        starts_at=start.isoformat(),
        ends_at=(start + timedelta(hours=2)).isoformat(),
        location=None,
    )
    response = await client.post("/api/drills", json=body, headers=bearer(demo["coordinator"]))
    assert response.status_code == 201, response.text
    return response.json()


async def test_a_weekly_drill_lists_its_occurrences(client, demo, weekly):
    assert weekly["rrule"] == "FREQ=WEEKLY;COUNT=4"
    start = next_monday_at(9)
    params = {
        "from": (start - timedelta(days=1)).isoformat(),
        "to": (start + timedelta(days=40)).isoformat(),
    }
    listed = await client.get("/api/drills", params=params, headers=bearer(demo["display"]))
    [item] = listed.json()["items"]
    starts = [datetime.fromisoformat(o["starts_at"]) for o in item["occurrences"]]
    assert starts == [start + timedelta(weeks=n) for n in range(4)]
    assert all(s.astimezone(ZONE).time() == time(9) for s in starts)
    third_week = {
        "from": (start + timedelta(days=13)).isoformat(),
        "to": (start + timedelta(days=15)).isoformat(),
    }
    listed = await client.get("/api/drills", params=third_week, headers=bearer(demo["display"]))
    [item] = listed.json()["items"]
    assert [datetime.fromisoformat(o["starts_at"]) for o in item["occurrences"]] == [
        start + timedelta(weeks=2)
    ]
    between = {
        "from": (start + timedelta(days=2)).isoformat(),
        "to": (start + timedelta(days=5)).isoformat(),
    }
    listed = await client.get("/api/drills", params=between, headers=bearer(demo["display"]))
    assert listed.json()["total"] == 0


async def test_a_later_occurrence_of_a_recurring_drill_is_booked(client, demo, app, plan, weekly):
    third = next_monday_at(10) + timedelta(weeks=2)
    body = drill_body(
        plan["id"],
        title="临时演练",
        organizer="231102.YJB",
        units=[],
        starts_at=third.isoformat(),
        ends_at=(third + timedelta(hours=3)).isoformat(),
        location=None,
    )
    before = await counts(app)
    response = await client.post("/api/drills", json=body, headers=bearer(demo["coordinator"]))
    assert response.status_code == 409, response.text
    [conflict] = response.json()["error"]["conflicts"]
    assert conflict["drill"] == weekly["id"]
    assert datetime.fromisoformat(conflict["starts_at"]) == third - timedelta(hours=1)
    assert await counts(app) == before
    tuesday = third + timedelta(days=1)
    body.update(starts_at=tuesday.isoformat(), ends_at=(tuesday + timedelta(hours=3)).isoformat())
    response = await client.post("/api/drills", json=body, headers=bearer(demo["coordinator"]))
    assert response.status_code == 201


async def test_a_new_recurring_drill_meets_an_existing_one(client, demo, plan):
    single_day = next_monday_at(9) + timedelta(weeks=3, days=2)
    single = drill_body(
        plan["id"],
        title="单次演练",
        starts_at=single_day.isoformat(),
        ends_at=(single_day + timedelta(hours=1)).isoformat(),
    )
    first = await client.post("/api/drills", json=single, headers=bearer(demo["coordinator"]))
    start = single_day - timedelta(weeks=3)
    daily = drill_body(
        plan["id"],
        title="每日值守推演",
        rrule="FREQ=DAILY;INTERVAL=7",
        starts_at=start.isoformat(),
        ends_at=(start + timedelta(hours=1)).isoformat(),
        location=None,
    )
    response = await client.post("/api/drills", json=daily, headers=bearer(demo["coordinator"]))
    assert response.status_code == 409
    assert response.json()["error"]["conflicts"][0]["drill"] == first.json()["id"]


async def test_rules_that_disagree_with_the_start_or_overlap_themselves_are_refused(
    client, demo, app, plan
):
    tuesday = next_monday_at(9) + timedelta(days=1)
    before = await counts(app)
    for rule, ends, words in (
        ("FREQ=WEEKLY;BYDAY=MO;COUNT=3", tuesday + timedelta(hours=2), "first occurrence"),
        ("FREQ=DAILY;COUNT=3", tuesday + timedelta(hours=30), "overlap each other"),
        ("FREQ=WEEKLY;COUNT=2\nRRULE:FREQ=DAILY", tuesday + timedelta(hours=1), "one RRULE"),
    ):
        body = drill_body(
            plan["id"], rrule=rule, starts_at=tuesday.isoformat(), ends_at=ends.isoformat()
        )
        response = await client.post("/api/drills", json=body, headers=bearer(demo["coordinator"]))
        assert response.status_code == 422 and words in response.text, (rule, response.text)
    assert await counts(app) == before


def _parse(body: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(body)


async def test_the_ical_feed_reads_back_with_the_right_occurrences(client, demo, plan, weekly):
    single_start = later(30)
    single = drill_body(
        plan["id"],
        title="森林火灾实战演练",
        organizer="231102003",
        units=[],
        starts_at=single_start.isoformat(),
        ends_at=(single_start + timedelta(hours=3)).isoformat(),
    )
    single_id = (
        await client.post("/api/drills", json=single, headers=bearer(demo["coordinator"]))
    ).json()["id"]
    response = await client.get("/api/drills.ics", headers=bearer(demo["display"]))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    calendar = _parse(response.content)
    assert calendar["VERSION"] == "2.0" and calendar.walk("VTIMEZONE")
    start = next_monday_at(9)
    window = (datetime.now(UTC), start + timedelta(days=60))
    occurrences = recurring_ical_events.of(calendar).between(*window)
    by_uid: dict[str, list] = {}
    for occurrence in occurrences:
        by_uid.setdefault(str(occurrence["UID"]), []).append(occurrence)
    weekly_starts = [o["DTSTART"].dt for o in by_uid[f"drill-{weekly['id']}@watchfloor"]]
    assert weekly_starts == [start + timedelta(weeks=n) for n in range(4)]
    assert {
        o["DTEND"].dt - o["DTSTART"].dt for o in by_uid[f"drill-{weekly['id']}@watchfloor"]
    } == {timedelta(hours=2)}
    [one] = by_uid[f"drill-{single_id}@watchfloor"]
    assert one["DTSTART"].dt == single_start and "演练" in str(one["SUMMARY"])
    assert str(one["X-WATCHFLOOR-EXERCISE"]) == "TRUE" and one["STATUS"] == "CONFIRMED"
    geo = one["GEO"]
    assert (round(geo.latitude, 6), round(geo.longitude, 6)) == (50.245099, 127.499012)


async def test_cancelled_drills_stay_in_the_feed_as_cancelled(client, demo, weekly):
    await client.patch(
        f"/api/drills/{weekly['id']}",
        json={"status": "cancelled"},
        headers=bearer(demo["coordinator"]),
    )
    calendar = _parse(
        (await client.get("/api/drills.ics", headers=bearer(demo["display"]))).content
    )
    [event] = calendar.walk("VEVENT")
    assert event["STATUS"] == "CANCELLED" and event["SEQUENCE"] == 1


async def test_a_feed_token_opens_one_subtree_calendar_and_nothing_else(client, demo, app, weekly):
    created = await client.post(
        "/api/drills/feeds",
        json={"unit": "231102", "label": "值班室"},
        headers=bearer(demo["coordinator"]),
    )
    assert created.status_code == 201, created.text
    feed = created.json()
    url = feed["url"]
    token = url.split("token=", 1)[1]
    subscribed = await client.get(url)  # no Authorization header: a calendar client
    assert subscribed.status_code == 200
    events = _parse(subscribed.content).walk("VEVENT")
    assert [str(e["UID"]) for e in events] == [f"drill-{weekly['id']}@watchfloor"]
    participant = await client.get(url + "&within=231102003")  # takes part in the drill
    assert len(_parse(participant.content).walk("VEVENT")) == 1
    narrower = await client.get(url + "&within=231102001")
    assert narrower.status_code == 200 and not _parse(narrower.content).walk("VEVENT")
    assert (await client.get(url + "&within=231123")).status_code == 403
    assert (await client.get("/api/plans", headers=bearer(token))).status_code == 401
    api_token = await client.get(f"/api/drills.ics?token={demo['display']}")
    assert api_token.status_code == 401
    assert (await client.get("/api/drills.ics")).status_code == 401
    listed = await client.get("/api/drills/feeds", headers=bearer(demo["display"]))
    assert [(f["id"], f["url"]) for f in listed.json()["items"]] == [(feed["id"], None)]
    outsider = await token_for(app, "coordinator", "231123")
    refused = await client.delete(f"/api/drills/feeds/{feed['id']}", headers=bearer(outsider))
    assert refused.status_code == 403
    revoked = await client.delete(
        f"/api/drills/feeds/{feed['id']}", headers=bearer(demo["display"])
    )
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert (await client.get(url)).status_code == 401


async def test_a_feed_for_a_unit_outside_the_subtree_is_refused(client, app):
    county = await token_for(app, "coordinator", "231123")
    before = await counts(app)
    response = await client.post(
        "/api/drills/feeds", json={"unit": "231102"}, headers=bearer(county)
    )
    assert response.status_code == 403 and await counts(app) == before
