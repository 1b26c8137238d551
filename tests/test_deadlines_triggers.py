"""Rules of issue 14 on the chain: communities are areas, reach by figures, direct reports
(越级上报), units that report to the county within the hour, wuhan-2020 only towards the
city government — each through the hooks, on both databases."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from command.deadlines.models import Obligation
from command.units.models import Unit
from tests.deadlines_fixtures import (
    CITY,
    COUNTY,
    NATIONAL,
    PROVINCE,
    T0,
    TOWNSHIP,
    VILLAGE,
    change_level,
    create_incident,
    deadline_app,
    minutes,
    report,
)

H = timedelta(hours=1)
COMMUNITY = "231102001001"  # 花园街道第一社区 (kind community, tier village)
STREET = "231102001"  # 花园街道
ENTERPRISE = "231102.E01"  # under 花园街道
SCHOOL = "231102.S01"  # under 花园街道
CITY_DEPARTMENT = "231100.BM01"


async def rows(app, incident_id: int) -> list[dict]:
    """Live obligations with their link, direct flag and trigger, by unit codes."""
    async with app.state.db.read() as session:
        codes = {u.id: u.code for u in (await session.scalars(select(Unit))).all()}
        found = await session.scalars(
            select(Obligation)
            .where(Obligation.incident_id == incident_id, Obligation.withdrawn_at.is_(None))
            .order_by(Obligation.id)
        )
        return [
            {
                "unit": codes[ob.unit_id],
                "to": codes[ob.to_unit_id],
                "kind": ob.kind,
                "channel": ob.channel,
                "link": ob.link,
                "direct": ob.direct,
                "trigger": ob.trigger,
                "starts_at": ob.starts_at,
                "limit": ob.due_at - ob.starts_at,
                "state": ob.state,
                "report": ob.report_id,
            }
            for ob in found.all()
        ]


def initial(found: list[dict], unit: str, to: str) -> dict[str, dict]:
    return {
        o["channel"]: o
        for o in found
        if o["kind"] == "initial" and o["unit"] == unit and o["to"] == to
    }


async def test_a_community_reports_to_its_street_as_a_village(settings):
    async with deadline_app(settings) as app:
        incident = await create_incident(app, unit=COMMUNITY, level="IV")
        found = await rows(app, incident)
    own = initial(found, COMMUNITY, STREET)
    # village>township limits (1 h phone, 2 h written), not a member unit's 1 h.
    assert {ch: (o["link"], o["limit"]) for ch, o in own.items()} == {
        "phone": ("village>township", H),
        "written": ("village>township", 2 * H),
    }
    assert all(not o["direct"] for o in found)


async def test_a_community_kind_is_an_area_of_the_chain_for_level_I(settings):
    async with deadline_app(settings) as app:
        incident = await create_incident(app, unit=COMMUNITY, level="I")
        await report(app, incident, STREET, T0 + minutes(10))
        found = await rows(app, incident)
    assert initial(found, COMMUNITY, STREET)["written"]["link"] == "village>township"
    assert initial(found, STREET, COUNTY)["written"]["link"] == "township>county"


async def test_figures_crossing_a_threshold_in_a_followup_add_direct_links(settings):
    async with deadline_app(settings) as app:
        incident = await create_incident(app, level="IV", reported_at=T0 + minutes(5))
        await report(app, incident, TOWNSHIP, T0 + minutes(20))
        await report(app, incident, COUNTY, T0 + minutes(40))
        before = await rows(app, incident)
        # 续报: 8 dead and 3 missing — ≥ 10 dead or missing (《自然灾害情况统计调查制度》).
        crossing = T0 + minutes(70)
        await report(
            app,
            incident,
            VILLAGE,
            crossing,
            kind="followup",
            casualties=(8, 3, 0),
            figures=True,
        )
        after = await rows(app, incident)
    assert not any(o["direct"] for o in before)
    direct = [o for o in after if o["direct"]]
    assert {(o["unit"], o["to"]) for o in direct} == {(COUNTY, PROVINCE), (COUNTY, NATIONAL)}
    for o in direct:
        # The new links' clocks start at the report that crossed the threshold.
        assert o["starts_at"] == crossing and o["limit"] == 2 * H
        assert o["trigger"] == "natural-10-dead-or-missing" and o["channel"] == "written"
        assert o["link"] in ("county>province", "county>national") and o["state"] == "pending"
    # The chain itself still ends at the city (IV): the city owes the province nothing.
    assert not initial(after, CITY, PROVINCE)


async def test_a_direct_report_meets_the_two_links_it_names(settings):
    async with deadline_app(settings) as app:
        incident = await create_incident(
            app, level="IV", casualties=(6, 5, 0), figures={"dead": 6, "missing": 5}
        )
        await report(app, incident, TOWNSHIP, T0 + minutes(20))
        # The county reports to its superior (the city) and, directly, to both.
        to_city = await report(app, incident, COUNTY, T0 + minutes(30), to=[CITY])
        direct = await report(
            app,
            incident,
            COUNTY,
            T0 + minutes(50),
            kind="followup",
            to=[PROVINCE, NATIONAL],
        )
        found = await rows(app, incident)
    assert direct
    chain = initial(found, COUNTY, CITY)["written"]
    assert chain["state"] == "met" and chain["report"] == to_city
    # Each direct link starts when the county learned (the township's report) and is
    # still owed after the report to the city only.
    for recipient in (PROVINCE, NATIONAL):
        own = initial(found, COUNTY, recipient)["written"]
        # A follow-up is no initial report: the direct links stay owed.
        assert own["starts_at"] == T0 + minutes(20) and own["state"] == "pending"


async def test_a_written_direct_report_meets_both_direct_links(settings):
    async with deadline_app(settings) as app:
        incident = await create_incident(
            app, level="IV", casualties=(6, 5, 0), figures={"dead": 6, "missing": 5}
        )
        await report(app, incident, TOWNSHIP, T0 + minutes(20))
        at = T0 + minutes(50)
        direct = await report(app, incident, COUNTY, at, to=[PROVINCE, NATIONAL])
        found = await rows(app, incident)
    for recipient in (PROVINCE, NATIONAL):
        own = initial(found, COUNTY, recipient)["written"]
        assert own["state"] == "met" and own["report"] == direct
    # Named addressees only: the county's own superior is still owed its report.
    assert initial(found, COUNTY, CITY)["written"]["state"] == "pending"
    # The province learned from the direct report: its clock to national would start
    # there, were the chain to reach it (IV stops at the city).
    assert not initial(found, PROVINCE, NATIONAL)


async def test_figures_corrected_down_withdraw_the_direct_links_not_yet_due(settings):
    async with deadline_app(settings) as app:
        incident = await create_incident(
            app, level="IV", casualties=(6, 5, 0), figures={"dead": 6, "missing": 5}
        )
        await report(app, incident, TOWNSHIP, T0 + minutes(20))
        assert any(o["direct"] for o in await rows(app, incident))
        await report(
            app,
            incident,
            VILLAGE,
            T0 + minutes(40),
            kind="followup",
            casualties=(2, 1, 0),
            figures=True,
        )
        found = await rows(app, incident)
    assert not any(o["direct"] for o in found)


async def test_a_sensitive_natural_disaster_owes_the_direct_links(settings):
    async with deadline_app(settings) as app:
        incident = await create_incident(app, level="IV", sensitive=True)
        await report(app, incident, TOWNSHIP, T0 + minutes(20))
        found = await rows(app, incident)
    direct = {(o["unit"], o["to"]) for o in found if o["direct"]}
    assert direct == {(COUNTY, PROVINCE), (COUNTY, NATIONAL)}


async def test_an_enterprise_accident_reaches_the_county_within_the_hour(settings):
    async with deadline_app(settings) as app:
        incident = await create_incident(
            app, unit=ENTERPRISE, level="IV", category="accident", reported_at=T0 + minutes(5)
        )
        found = await rows(app, incident)
    member = initial(found, ENTERPRISE, STREET)["written"]
    direct = initial(found, ENTERPRISE, COUNTY)["written"]
    assert member["link"] == "member" and member["limit"] == H and not member["direct"]
    # 条例 art. 9: within 1 h of the enterprise learning of it, whatever it hangs under.
    assert direct["direct"] and direct["starts_at"] == T0 and direct["limit"] == H
    assert direct["trigger"] == "unit-to-county-1h" and direct["link"] == "member>county"
    # Its initial report (no addressees named) goes where the rules route it: both met.
    assert member["state"] == direct["state"] == "met"
    # The county learned from it: its own clock to the city starts at once.
    assert initial(found, COUNTY, CITY)["written"]["starts_at"] == T0 + minutes(5)


async def test_a_school_accident_in_the_street_has_the_same_direct_link(settings):
    async with deadline_app(settings) as app:
        incident = await create_incident(app, unit=SCHOOL, level="IV", category="accident")
        found = await rows(app, incident)
    assert initial(found, SCHOOL, COUNTY)["written"]["limit"] == H
    # A natural disaster at a school is not a 生产安全事故: no direct link.
    async with deadline_app(settings) as app:
        incident = await create_incident(app, unit=SCHOOL, level="IV")
        assert not initial(await rows(app, incident), SCHOOL, COUNTY)


async def test_accident_figures_extend_the_reach(settings):
    async with deadline_app(settings) as app:
        incident = await create_incident(
            app, level="IV", category="accident", casualties=(3, 0, 0), figures={"dead": 3}
        )
        for step, unit in enumerate([TOWNSHIP, COUNTY, CITY], start=1):
            await report(app, incident, unit, T0 + minutes(10 * step))
        found = await rows(app, incident)
    # 条例 art. 3/10: 3 dead is 较大, reported up to the province.
    to_province = initial(found, CITY, PROVINCE)["written"]
    assert to_province["limit"] == 2 * H and to_province["starts_at"] == T0 + minutes(20)


async def test_a_raise_keeps_the_trigger_links(settings):
    async with deadline_app(settings) as app:
        incident = await create_incident(
            app, level="IV", casualties=(6, 5, 0), figures={"dead": 6, "missing": 5}
        )
        await report(app, incident, TOWNSHIP, T0 + minutes(20))
        await change_level(app, incident, "III", at=T0 + minutes(30))
        found = await rows(app, incident)
    assert {(o["unit"], o["to"]) for o in found if o["direct"]} == {
        (COUNTY, PROVINCE),
        (COUNTY, NATIONAL),
    }


async def test_wuhan_limits_apply_only_to_reports_to_the_city(settings):
    async with deadline_app(settings, "wuhan-2020") as app:
        department = await create_incident(app, unit=CITY_DEPARTMENT, level="I")
        school = await create_incident(app, unit=SCHOOL, level="I")
        found_department = await rows(app, department)
        found_school = await rows(app, school)
    # A city department reports to the city government: the notice's 30 min.
    to_city = initial(found_department, CITY_DEPARTMENT, CITY)["written"]
    assert to_city["limit"] == minutes(30) and to_city["link"] == "member>city"
    # A school reports to its street, not to the city government: the national 1 h.
    to_street = initial(found_school, SCHOOL, STREET)["written"]
    assert to_street["limit"] == H and to_street["link"] == "member"


BAD_TRIGGERS = """
name = "bad"
[[version]]
effective_from = 2024-01-01
grace = "PT10M"
warning_fraction = 0.5
unassessed_level = "IV"
sensitive_reach = "national"
final = "P7D"
[[version.triggers]]
key = "a"
figures = { "dead+wounded" = 3, loss = -1 }
reach = "galaxy"
[[version.triggers]]
key = "a"
source = "x"
direct = [{ to = "county", written = "PT0S" }]
[[version.triggers]]
key = "b"
source = "y"
categories = ["weather"]
[version.corrections]
jump = { affected = 5, dead = 0 }
supplement_by_type = { fire = "seven days" }
"""


def test_bad_triggers_and_correction_rules_are_refused_with_their_paths():
    import pytest

    from command.deadlines.rulefile import parse_ruleset
    from command.deadlines.rules import RulesetError

    with pytest.raises(RulesetError) as caught:
        parse_ruleset(BAD_TRIGGERS, file="bad.toml")
    text = str(caught.value)
    for expected in (
        "version[1].triggers[1].source: missing",
        "version[1].triggers[1].figures.dead+wounded: unknown figure",
        "version[1].triggers[1].figures.loss: -1 must be above zero",
        "version[1].triggers[1].reach: 'galaxy' is not one of",
        "version[1].triggers[2].direct[1].written: 'PT0S' must be longer than zero",
        "version[1].triggers[2].reporters: missing",
        "version[1].triggers[3].categories: must be a list of values among",
        "version[1].triggers[3]: does nothing",
        "version[1].triggers: trigger key 'a' is used twice",
        "version[1].corrections.jump.affected: unknown figure",
        "version[1].corrections.jump.dead: 0 must be a whole number above zero",
        "version[1].corrections.supplement_by_type.fire: 'seven days' is not an ISO 8601",
    ):
        assert expected in text, (expected, text)


async def test_a_direct_link_runs_out_and_is_marked_missed_once(settings):
    from tests.deadlines_fixtures import events_of, run_engine

    async with deadline_app(settings) as app:
        incident = await create_incident(
            app, unit=ENTERPRISE, level="IV", category="accident", with_report=False
        )
        await run_engine(app, T0 + H + minutes(11))
        found = await rows(app, incident)
        missed = [
            e
            for e in await events_of(app, "deadline.missed")
            if e.payload["incident"] == incident and e.payload["direct"]
        ]
        await run_engine(app, T0 + H + minutes(20))
        again = await events_of(app, "deadline.missed")
    assert initial(found, ENTERPRISE, COUNTY)["written"]["state"] == "missed"
    assert len(missed) == 1 and missed[0].payload["trigger"] == "unit-to-county-1h"
    # A second pass marks nothing again: one event per missed obligation.
    marked = [e for e in again if e.payload["incident"] == incident]
    assert len(marked) == len([o for o in found if o["state"] == "missed"])


async def test_flagging_sensitive_later_starts_the_direct_links_then(settings):
    async with deadline_app(settings) as app:
        incident = await create_incident(app, level="IV")
        await report(app, incident, TOWNSHIP, T0 + minutes(20))
        assert not any(o["direct"] for o in await rows(app, incident))
        flagged = T0 + minutes(45)
        await change_level(app, incident, "IV", sensitive=True, at=flagged)
        found = await rows(app, incident)
        await change_level(app, incident, "IV", sensitive=False, at=T0 + minutes(50))
        after = await rows(app, incident)
    direct = [o for o in found if o["direct"]]
    assert {o["to"] for o in direct} == {PROVINCE, NATIONAL}
    assert all(o["starts_at"] == flagged for o in direct)
    # No longer sensitive, the clocks still running: withdrawn.
    assert not any(o["direct"] for o in after)


def test_supplement_windows_and_jumps_follow_the_ruleset():
    from datetime import UTC, datetime

    import pytest

    from command.deadlines.figures import check_figures, supplement_window
    from command.deadlines.rulefile import load_ruleset
    from command.errors import Conflict, Invalid
    from command.incidents.models import Incident, Report

    rules = load_ruleset("cn-national").versions[-1].corrections
    days = {
        kind: supplement_window(rules, Incident(type=kind)).days
        for kind in ("residential fire", "道路交通事故", "Road Traffic accident", "landslide", "")
    }
    assert days == {
        "residential fire": 7,
        "道路交通事故": 7,
        "Road Traffic accident": 7,
        "landslide": 30,
        "": 30,
    }
    now = datetime(2026, 3, 20, tzinfo=UTC)
    incident = Incident(id=1, type="flood", category="natural", occurred_at=T0)
    final = Report(kind="final", verified=False)

    def check(changes, explanation="", reports=()):
        return check_figures(
            rules,
            incident=incident,
            reports=list(reports),
            changes=changes,
            explanation=explanation,
            now=now,
        )

    # A jump of exactly the threshold needs an explanation, one below it does not.
    with pytest.raises(Invalid):
        check({"dead": {"from": 0, "to": 10}})
    assert check({"dead": {"from": 0, "to": 9}}) == {"supplement": False}
    assert check({"injured": {"from": 40, "to": 11}}) == {"supplement": False}
    with pytest.raises(Invalid):
        check({"injured": {"from": 40, "to": 10}})
    # After the final report: a casualty change is a 补报 (18 days: within 30).
    assert check({"dead": {"from": 1, "to": 2}}, reports=[final]) == {"supplement": True}
    assert check({"loss": {"from": 1, "to": 2}}, reports=[final]) == {"supplement": False}
    with pytest.raises(Conflict):
        check({"dead": {"from": 1, "to": 2}}, reports=[Report(kind="followup", verified=True)])
