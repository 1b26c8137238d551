"""Verdicts the engine computes: on time, late (迟报), missed (漏报), incomplete initial
reports, 瞒报 candidates; warnings; follow-ups and the final report; level changes."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from command.deadlines.models import Verdict
from command.incidents.models import Report
from tests.deadlines_fixtures import (
    CITY,
    COUNTY,
    NATIONAL,
    PROVINCE,
    T0,
    TOWNSHIP,
    VILLAGE,
    change_level,
    close_incident,
    create_incident,
    deadline_app,
    events_of,
    minutes,
    obligations,
    report,
    run_engine,
)

H = timedelta(hours=1)


def own(found: list[dict], unit: str, kind: str = "initial") -> dict[str, dict]:
    return {o["channel"]: o for o in found if o["unit"] == unit and o["kind"] == kind}


async def verdicts(app) -> list[Verdict]:
    async with app.state.db.read() as session:
        return list((await session.scalars(select(Verdict).order_by(Verdict.id))).all())


async def test_on_time_then_late(settings):
    async with deadline_app(settings) as app:
        incident = await create_incident(app, level="IV", reported_at=T0 + minutes(30))
        await report(app, incident, TOWNSHIP, T0 + minutes(30) + 2 * H + minutes(10))
        found = await obligations(app, incident)
        met = await events_of(app, "obligation.met")
    village, township = own(found, VILLAGE), own(found, TOWNSHIP)
    assert {o["state"] for o in village.values()} == {"met"}
    # The township learned at T0+30m: phone due 1 h, written 2 h later; it wrote at +2h10m.
    assert township["written"]["due_at"] == T0 + minutes(30) + 2 * H
    assert township["written"]["state"] == township["phone"]["state"] == "late"
    assert township["written"]["met_at"] == T0 + minutes(30) + 2 * H + minutes(10)
    late = [e.payload for e in met if e.payload["unit"] == TOWNSHIP]
    assert {(p["channel"], p["state"]) for p in late} == {("phone", "late"), ("written", "late")}


async def test_a_phone_report_meets_only_the_phone_obligation(settings):
    async with deadline_app(settings) as app:
        incident = await create_incident(app, level="III", channel="phone", reported_at=T0)
        found = await obligations(app, incident)
    village = own(found, VILLAGE)
    assert (village["phone"]["state"], village["written"]["state"]) == ("met", "pending")


async def test_missed_after_the_grace_marked_exactly_once(settings):
    async with deadline_app(settings) as app:
        incident = await create_incident(app, level="IV", reported_at=T0 + minutes(30))
        phone_due = T0 + minutes(30) + H
        assert await run_engine(app, phone_due + minutes(9)) > 0
        before = own(await obligations(app, incident), TOWNSHIP)["phone"]
        await run_engine(app, phone_due + minutes(10))
        after = own(await obligations(app, incident), TOWNSHIP)["phone"]
        await run_engine(app, phone_due + minutes(10))  # nothing left to mark
        await run_engine(app, phone_due + 5 * H)
        marks = await events_of(app)
    assert (before["state"], before["overdue_at"], before["missed_at"]) == (
        "pending",
        phone_due + minutes(9),
        None,
    )
    assert (after["state"], after["missed_at"]) == ("missed", phone_due + minutes(10))
    per_obligation = Counter((e.entity, e.kind) for e in marks if e.kind.startswith("deadline."))
    assert per_obligation and set(per_obligation.values()) == {1}


async def test_warning_at_the_configured_fraction_then_overdue(settings):
    async with deadline_app(settings) as app:
        await create_incident(app, level="IV", reported_at=T0)
        # The township's phone window is 1 h from T0: warning at 45 min (fraction 0.75).
        await run_engine(app, T0 + minutes(44))
        assert not await events_of(app, "deadline.warning")
        await run_engine(app, T0 + minutes(45))
        warned = await events_of(app, "deadline.warning")
        await run_engine(app, T0 + minutes(50))
        await run_engine(app, T0 + H)
        overdue = await events_of(app, "deadline.overdue")
    assert [(e.payload["unit"], e.payload["channel"]) for e in warned] == [(TOWNSHIP, "phone")]
    assert [(e.payload["unit"], e.payload["channel"]) for e in overdue] == [(TOWNSHIP, "phone")]
    assert overdue[0].payload["overdue"] is True


async def test_a_report_after_missed_turns_it_late(settings):
    async with deadline_app(settings) as app:
        incident = await create_incident(app, level="IV", reported_at=T0)
        await run_engine(app, T0 + 5 * H)
        await report(app, incident, TOWNSHIP, T0 + 6 * H)
        township = own(await obligations(app, incident), TOWNSHIP)
    assert township["written"]["state"] == "late"
    assert township["written"]["missed_at"] == T0 + 5 * H
    assert township["written"]["met_at"] == T0 + 6 * H


async def test_an_initial_report_missing_facts_is_flagged_incomplete(settings):
    async with deadline_app(settings) as app:
        incident = await create_incident(
            app, level="IV", casualties=(None, None, None), summary="", kind_of=""
        )
        found = await obligations(app, incident)
        async with app.state.db.read() as session:
            initial = await session.scalar(select(Report).where(Report.incident_id == incident))
    assert initial.missing_facts == ["nature", "casualties"]
    village = own(found, VILLAGE)
    assert village["written"]["state"] == "met"
    assert village["written"]["missing_facts"] == ["nature", "casualties"]


async def test_a_report_from_a_unit_without_obligation_changes_no_verdict(settings):
    async with deadline_app(settings) as app:
        incident = await create_incident(app, level="IV", reported_at=T0)
        before = await obligations(app, incident)
        await report(app, incident, PROVINCE, T0 + minutes(5))
        after = await obligations(app, incident)
    assert after == before


async def test_a_hotline_incident_the_unit_never_reports_is_a_concealment_candidate(settings):
    async with deadline_app(settings) as app:
        hidden = await create_incident(app, level="IV", source="hotline", with_report=False)
        reported = await create_incident(app, unit="231102003002", level="IV", reported_at=T0)
        drill = await create_incident(
            app, unit="231102002", level="IV", source="media", with_report=False, exercise=True
        )
        await run_engine(app, T0 + 3 * H)
        await run_engine(app, T0 + 4 * H)
        found = await verdicts(app)
        village = own(await obligations(app, hidden), VILLAGE)
    assert [(v.incident_id, v.kind, v.state) for v in found] == [
        (hidden, "concealment", "candidate")
    ]
    assert found[0].obligation_id == village["phone"]["id"]
    assert village["written"]["state"] == "missed"
    assert reported != drill


async def test_followups_roll_while_open_and_a_missed_one_stays_missed(settings):
    async with deadline_app(settings) as app:
        incident = await create_incident(app, level="IV", reported_at=T0)
        await report(app, incident, VILLAGE, T0 + 5 * H, kind="followup")
        await run_engine(app, T0 + 5 * H + 24 * H + minutes(10))
        await report(app, incident, VILLAGE, T0 + 30 * H, kind="followup")
        followups = [o for o in await obligations(app, incident) if o["kind"] == "followup"]
    assert [(o["seq"], o["starts_at"], o["due_at"], o["state"]) for o in followups] == [
        (1, T0, T0 + 24 * H, "met"),
        (2, T0 + 5 * H, T0 + 29 * H, "missed"),
        (3, T0 + 29 * H, T0 + 53 * H, "met"),
        (4, T0 + 30 * H, T0 + 54 * H, "pending"),
    ]


async def test_closing_withdraws_follow_ups_and_starts_the_final(settings):
    now = datetime.now(UTC)
    async with deadline_app(settings) as app:
        incident = await create_incident(app, level="III", learned_at=now - minutes(20))
        await close_incident(app, incident, at=now)
        found = await obligations(app, incident)
        withdrawn = await events_of(app, "obligation.withdrawn")
        await report(app, incident, VILLAGE, now + H, kind="final")
        final = own(await obligations(app, incident), VILLAGE, "final")["written"]
    assert not [o for o in found if o["kind"] == "followup"]
    assert [e.payload["kind"] for e in withdrawn] == ["followup"]
    assert (final["to_unit"], final["starts_at"], final["limit"]) == (
        TOWNSHIP,
        now,
        timedelta(days=7),
    )
    assert final["state"] == "met"


async def test_raising_the_level_extends_the_chain_from_the_reclassification(settings):
    now = datetime.now(UTC)
    async with deadline_app(settings) as app:
        incident = await create_incident(
            app, level="IV", learned_at=now - minutes(50), reported_at=now - minutes(45)
        )
        await report(app, incident, TOWNSHIP, now - minutes(40))
        await report(app, incident, COUNTY, now - minutes(30))
        before = datetime.now(UTC)
        await change_level(app, incident, "II")
        after = datetime.now(UTC)
        found = await obligations(app, incident)
        await report(app, incident, CITY, after + minutes(20))
        province = own(await obligations(app, incident), PROVINCE)
    city = own(found, CITY)
    assert {o["to_unit"] for o in city.values()} == {PROVINCE}
    assert before <= city["written"]["starts_at"] <= after  # not when the city learned
    assert (city["phone"]["limit"], city["written"]["limit"]) == (minutes(30), H)
    # The pending follow-up now runs on the II cadence (2 h), counted from the raise.
    followup = next(o for o in found if o["kind"] == "followup")
    assert before + 2 * H <= followup["due_at"] <= after + 2 * H
    assert province["written"]["to_unit"] == NATIONAL
    assert province["written"]["starts_at"] == after + minutes(20)
    assert city["written"]["state"] == "pending"


async def test_lowering_never_cancels_what_is_overdue(settings):
    now = datetime.now(UTC)
    async with deadline_app(settings) as app:
        incident = await create_incident(
            app, level="II", learned_at=now - 3 * H, reported_at=now - 3 * H
        )
        await report(app, incident, TOWNSHIP, now - 3 * H + minutes(10))
        await report(app, incident, COUNTY, now - 3 * H + minutes(20))
        await report(app, incident, CITY, now - minutes(10), channel="phone")
        await change_level(app, incident, "IV")
        found = await obligations(app, incident)
        withdrawn = await events_of(app, "obligation.withdrawn")
        await run_engine(app, datetime.now(UTC))
        city = own(await obligations(app, incident), CITY)
    # The city's written report to the province was due 1 h after now-2h40m: overdue, kept.
    assert city["written"]["state"] == "missed"
    assert own(found, CITY)["phone"]["state"] == "late"
    # The province learned 10 minutes ago; its clocks had not run out: withdrawn.
    assert PROVINCE not in {o["unit"] for o in found}
    assert {(e.payload["unit"], e.payload["to_unit"]) for e in withdrawn} == {(PROVINCE, NATIONAL)}


async def test_a_sensitive_flag_raised_later_extends_the_chain(settings):
    now = datetime.now(UTC)
    async with deadline_app(settings) as app:
        incident = await create_incident(app, level="IV", learned_at=now - minutes(30))
        for step, unit in enumerate([TOWNSHIP, COUNTY, CITY], start=1):
            await report(app, incident, unit, now - minutes(30) + minutes(5 * step))
        assert CITY not in {o["unit"] for o in await obligations(app, incident)}
        await change_level(app, incident, "IV", sensitive=True)
        city = own(await obligations(app, incident), CITY)
    # The city already reported (to the province, by its own initiative): met at once.
    assert city["written"]["to_unit"] == PROVINCE
    assert city["written"]["state"] == "met"


async def test_a_follow_up_left_unscheduled_by_a_crash_is_recovered_at_start(settings):
    from command.deadlines.marking import recover_followups, run_pass

    async with deadline_app(settings) as app:
        incident = await create_incident(app, level="IV", reported_at=T0)
        async with app.state.db.write() as session:  # the pass commits, then the process dies
            done = await run_pass(session, now=T0 + 25 * H, limit=500)
        assert done.followups == {incident}
        stalled = [o for o in await obligations(app, incident) if o["kind"] == "followup"]
        assert [(o["seq"], o["state"]) for o in stalled] == [(1, "missed")]
        assert await recover_followups(app.state.db, T0 + 26 * H) == 1
        assert await recover_followups(app.state.db, T0 + 26 * H) == 0
        followups = [o for o in await obligations(app, incident) if o["kind"] == "followup"]
    assert [(o["seq"], o["starts_at"], o["state"]) for o in followups] == [
        (1, T0, "missed"),
        (2, T0 + 24 * H, "pending"),
    ]
