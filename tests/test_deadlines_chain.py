"""Each level's chain and limits under both shipped rulesets: who reports to whom, from
when, by when — walked up from a village as each unit passes the report on."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.deadlines_fixtures import (
    CHAIN,
    CITY,
    COUNTY,
    T0,
    TOWNSHIP,
    VILLAGE,
    create_incident,
    deadline_app,
    minutes,
    obligations,
    report,
)

H = timedelta(hours=1)
M30 = timedelta(minutes=30)
# (phone, written) limits of each link, village>township first, up to the level's reach.
EXPECTED = {
    "cn-national": {
        "I": [(M30, H)] * 5,
        "II": [(M30, H)] * 5,
        "III": [(H, 2 * H)] * 4,
        "IV": [(H, 2 * H)] * 3,
    },
    "wuhan-2020": {
        "I": [(M30, H), (M30, H), (M30, M30), (M30, H), (M30, H)],
        "II": [(M30, H), (M30, H), (M30, M30), (M30, H), (M30, H)],
        "III": [(H, 2 * H), (H, 2 * H), (H, H), (H, 2 * H)],
        "IV": [(H, 2 * H)] * 3,
    },
}
FOLLOWUP = {"I": 2 * H, "II": 2 * H, "III": 6 * H, "IV": 24 * H}
GAP = minutes(7)  # each unit passes the report on 7 minutes after receiving it


def initial(found: list[dict]) -> list[dict]:
    return [o for o in found if o["kind"] == "initial"]


@pytest.mark.parametrize("ruleset", ["cn-national", "wuhan-2020"])
@pytest.mark.parametrize("level", ["I", "II", "III", "IV", None])
async def test_chain_and_limits(settings, ruleset, level):
    expected = EXPECTED[ruleset][level or "IV"]  # an unassessed incident is treated as IV
    async with deadline_app(settings, ruleset) as app:
        incident = await create_incident(app, level=level, reported_at=T0 + GAP)
        for step, unit in enumerate(CHAIN[1 : len(expected)], start=2):
            await report(app, incident, unit, T0 + GAP * step)
        found = await obligations(app, incident)

    links = [(o["unit"], o["to_unit"]) for o in initial(found) if o["channel"] == "written"]
    assert links == list(zip(CHAIN, CHAIN[1:], strict=False))[: len(expected)]
    for index, (phone, written) in enumerate(expected):
        unit = CHAIN[index]
        own = {o["channel"]: o for o in initial(found) if o["unit"] == unit}
        assert own["phone"]["limit"] == phone and own["written"]["limit"] == written
        # The clock starts when the unit learned: the village at learned_at, each
        # superior when the report from below reached it.
        assert own["written"]["starts_at"] == T0 + GAP * index
        assert own["written"]["state"] == "met"
        assert own["written"]["level"] == (level or "IV")
    followups = [o for o in found if o["kind"] == "followup"]
    assert [(o["unit"], o["to_unit"], o["seq"], o["limit"]) for o in followups] == [
        (VILLAGE, TOWNSHIP, 1, FOLLOWUP[level or "IV"])
    ]


async def test_a_unit_above_the_reach_owes_nothing(settings):
    async with deadline_app(settings) as app:
        incident = await create_incident(app, level="IV", reported_at=T0 + GAP)
        for step, unit in enumerate([TOWNSHIP, COUNTY, CITY], start=2):
            await report(app, incident, unit, T0 + GAP * step)
        found = await obligations(app, incident)
    assert CITY not in {o["unit"] for o in found}
    assert all(o["state"] == "met" for o in initial(found))


async def test_a_sensitive_incident_goes_to_the_top_with_its_levels_limits(settings):
    async with deadline_app(settings) as app:
        incident = await create_incident(app, level="IV", sensitive=True, reported_at=T0 + GAP)
        for step, unit in enumerate(CHAIN[1:5], start=2):
            await report(app, incident, unit, T0 + GAP * step)
        found = await obligations(app, incident)
    top = [o for o in initial(found) if o["unit"] == "230000"]
    assert {(o["to_unit"], o["channel"], o["limit"]) for o in top} == {
        ("000000", "phone", H),
        ("000000", "written", 2 * H),
    }


@pytest.mark.parametrize(
    ("ruleset", "phone", "written"), [("cn-national", H, H), ("wuhan-2020", H, H)]
)
async def test_a_school_reports_to_the_area_it_hangs_under(settings, ruleset, phone, written):
    async with deadline_app(settings, ruleset) as app:
        incident = await create_incident(app, unit="231102.S01", level="III", reported_at=T0)
        found = await obligations(app, incident)
    school = {o["channel"]: o for o in initial(found) if o["unit"] == "231102.S01"}
    assert school["written"]["to_unit"] == "231102001"
    assert (school["phone"]["limit"], school["written"]["limit"]) == (phone, written)
    # The township learned from the school's report and now owes the county.
    township = [o for o in initial(found) if o["unit"] == "231102001"]
    assert {o["to_unit"] for o in township} == {COUNTY}
    assert {o["starts_at"] for o in township} == {T0}


async def test_a_city_department_reports_to_the_city_under_wuhan_limits(settings):
    async with deadline_app(settings, "wuhan-2020") as app:
        incident = await create_incident(app, unit="231100.BM01", level="I", reported_at=T0)
        found = await obligations(app, incident)
    department = {o["channel"]: o["limit"] for o in initial(found) if o["unit"] == "231100.BM01"}
    assert department == {"phone": M30, "written": M30}
    city = [o for o in initial(found) if o["unit"] == CITY]
    assert {o["to_unit"] for o in city} == {"230000"}
