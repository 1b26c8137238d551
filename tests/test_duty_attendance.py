"""Absences (缺岗) recorded: once a shift's sign-in grace has passed, the attendance pass
writes one shift.absent event (topic duty) per absent shift, on both databases, even with
two engines at once; a shift signed into in time has none; the assessment's count agrees."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from command.db import Database, utcnow
from command.duty import attendance
from command.duty.absences import absences
from command.duty.models import Shift
from command.events import Event
from command.units.models import Unit
from tests.conftest import bearer
from tests.duty_fixtures import CITY, shift_body


async def _absence_events(db: Database) -> Counter:
    async with db.read() as session:
        rows = await session.execute(
            select(Event.topic, Event.entity).where(Event.kind == "shift.absent")
        )
        return Counter(f"{topic} {entity}" for topic, entity in rows)


async def test_each_absent_shift_is_recorded_once_even_with_two_engines(
    app, client, demo, settings
):
    commander = bearer(demo["commander"])
    ids = {}
    for name, start, end in (("missed", -3, -1), ("late", -1, 11), ("soon", 11, 23)):
        made = await client.post("/api/duty/shifts", json=shift_body(start, end), headers=commander)
        assert made.status_code == 201, made.text
        ids[name] = made.json()["id"]
    # Signed into an hour before its start (the earliest allowed): in time.
    kept = await client.post(
        "/api/duty/shifts", json=shift_body(0.5, 1.0, unit="231102"), headers=commander
    )
    ids["kept"] = kept.json()["id"]
    signed = await client.post(
        f"/api/duty/shifts/{ids['kept']}/sign-in", json={"name": "李值班"}, headers=commander
    )
    assert signed.status_code == 200, signed.text

    later = utcnow() + timedelta(hours=1)  # the grace of "kept" has passed, not of "soon"
    second = Database(settings.database_url)
    try:
        for _ in range(3):  # the app's own engine runs beside these two
            await asyncio.gather(
                attendance.mark_due(app.state.db, later), attendance.mark_due(second, later)
            )
    finally:
        await second.dispose()
    events = await _absence_events(app.state.db)
    assert events == Counter({f"duty shift:{ids['missed']}": 1, f"duty shift:{ids['late']}": 1}), (
        events
    )
    async with app.state.db.read() as session:
        marks = dict(
            (
                await session.execute(
                    select(Shift.id, Shift.attendance).where(Shift.id.in_(ids.values()))
                )
            ).all()
        )
        assert marks == {
            ids["missed"]: "absent",
            ids["late"]: "absent",
            ids["kept"]: "present",
            ids["soon"]: None,
        }
        # The counts read elsewhere agree with what was recorded.
        city = await session.scalar(select(Unit).where(Unit.code == CITY))
        counted = await absences(
            session, root_path=city.path, start=later - timedelta(days=1), end=later, now=later
        )
        assert sorted(r["id"] for r in counted) == sorted((ids["missed"], ids["late"]))
    listed = await client.get("/api/duty/shifts?absent=true", headers=commander)
    assert {s["id"] for s in listed.json()["items"]} == {ids["missed"], ids["late"]}


async def test_the_apps_own_engine_records_an_absence_and_pushes_it_on_topic_duty(
    app, client, demo
):
    commander = bearer(demo["commander"])
    made = await client.post("/api/duty/shifts", json=shift_body(-2, 10), headers=commander)
    key = f"duty shift:{made.json()['id']}"
    for _ in range(100):  # the engine sleeps at most 0.5 s in the tests
        if (await _absence_events(app.state.db))[key]:
            break
        await asyncio.sleep(0.1)
    assert (await _absence_events(app.state.db))[key] == 1
    async with app.state.db.read() as session:
        event = await session.scalar(select(Event).where(Event.kind == "shift.absent"))
    assert event.payload["absent"] is True and event.payload["id"] == made.json()["id"]
