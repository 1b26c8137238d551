"""Coverage on the demo city, the demo loader itself, and the wall-display snapshots."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select

from command.units.models import Unit
from plans import demo as plans_demo
from plans import snapshot
from plans.models import Drill, Plan, RevisionTask
from tests.conftest import bearer
from tests.plans_fixtures import ZONE, counts, events, issued_plan, plan_body, token_for

# (required, covered) per county-level unit of the demo city with a target a month ahead:
# townships, villages/communities, schools and enterprises that must have a plan in force.
EXPECTED = {
    "231102": (18, 6),
    "231123": (9, 1),
    "231124": (10, 2),
    "231181": (11, 3),
    "231182": (9, 1),
    "231183": (11, 3),
    "231190": (3, 1),
}


async def load_demo_plans(app) -> None:
    async with app.state.db.write() as session:
        await plans_demo.load(session)


def _today():
    return datetime.now(UTC).astimezone(ZONE).date()


async def _coverage(client, token, **params):
    response = await client.get("/api/plans/coverage", params=params, headers=bearer(token))
    assert response.status_code == 200, response.text
    return response.json()


async def test_the_demo_city_has_272_plans_at_city_and_county_level(app):
    await load_demo_plans(app)
    async with app.state.db.read() as session:
        by_tier = dict(
            (
                await session.execute(
                    select(Unit.tier, func.count())
                    .join(Plan, Plan.unit_id == Unit.id)
                    .where(Unit.kind != "school", Unit.kind != "enterprise")
                    .group_by(Unit.tier)
                )
            ).all()
        )
        types = set((await session.scalars(select(Plan.type).distinct())).all())
        statuses = dict(
            (await session.execute(select(Drill.status, func.count()).group_by(Drill.status))).all()
        )
    assert by_tier["city"] + by_tier["county"] == 272
    assert types == {
        "overall",
        "special",
        "department",
        "grassroots",
        "enterprise",
        "event",
        "joint",
        "catastrophe",
    }
    assert statuses["in_progress"] == 1 and statuses["postponed"] == 1
    assert statuses["completed"] == 1 and statuses["scheduled"] == 4
    before = await counts(app)
    await load_demo_plans(app)
    assert await counts(app) == before


async def test_coverage_counts_on_the_demo_city(app, client, demo):
    await load_demo_plans(app)
    table = await _coverage(client, demo["display"], target=str(_today() + timedelta(days=31)))
    overall = table["overall"]
    assert (overall["required"], overall["covered"], overall["missing"]) == (71, 17, 54)
    assert {(r["name"], r["required"], r["covered"]) for r in overall["requirements"]} == {
        ("townships", 21, 9),
        ("villages", 42, 5),
        ("schools", 4, 2),
        ("enterprises", 4, 1),
    }
    counties = {row["code"]: (row["required"], row["covered"]) for row in table["counties"]}
    assert counties == EXPECTED
    aihui = next(row for row in table["counties"] if row["code"] == "231102")
    gaps = {gap["code"]: gap["requirement"] for gap in aihui["gaps"]}
    assert gaps["231102.E01"] == "enterprises" and gaps["231102004"] == "townships"
    assert "231102001" not in gaps and len(gaps) == 12


async def test_a_plan_in_force_only_after_the_target_does_not_cover_it(app, client, demo):
    await load_demo_plans(app)
    # The port logistics company's plan comes into force two months from now.
    soon = await _coverage(client, demo["display"], target=str(_today() + relativedelta(months=1)))
    later = await _coverage(client, demo["display"], target=str(_today() + relativedelta(months=3)))
    assert (soon["overall"]["covered"], later["overall"]["covered"]) == (17, 18)
    past = await _coverage(client, demo["display"], target=str(_today() - relativedelta(years=3)))
    assert past["overall"]["covered"] == 1  # 嫩江镇's plan, in force for more than three years


async def test_coverage_of_a_county_and_of_a_township(app, client):
    await load_demo_plans(app)
    target = str(_today() + timedelta(days=31))
    county = await token_for(app, "coordinator", "231183")
    table = await _coverage(client, county, target=target)
    assert [row["code"] for row in table["counties"]] == ["231183"]
    assert (table["overall"]["required"], table["overall"]["covered"]) == EXPECTED["231183"]
    township = await _coverage(client, county, target=target, within="231183001")
    # 嫩江镇 (covered), its two villages and the experimental primary school
    assert (township["overall"]["required"], township["overall"]["covered"]) == (4, 1)
    outside = await client.get("/api/plans/coverage?within=231102", headers=bearer(county))
    assert outside.status_code == 403
    bad = await client.get("/api/plans/coverage?target=soon", headers=bearer(county))
    assert bad.status_code == 422


async def test_a_new_township_plan_moves_coverage_and_tells_the_wall(app, client, demo):
    await load_demo_plans(app)
    township = plan_body(title="车陆乡应急预案", type="grassroots", unit="231123002")
    await issued_plan(client, demo["coordinator"], township)
    coverage_events = [e for e in await events(app, "plans") if e.kind == "plan.coverage"]
    latest = coverage_events[-1]
    assert latest.entity == "coverage:231123" and latest.unit_path.endswith("/231123/")
    assert (latest.payload["required"], latest.payload["covered"]) == (9, 2)
    table = await _coverage(client, demo["display"], target=str(_today() + timedelta(days=31)))
    assert {row["code"]: row["covered"] for row in table["counties"]}["231123"] == 2


async def test_the_demo_evaluation_opened_a_revision_task(app):
    await load_demo_plans(app)
    async with app.state.db.read() as session:
        task = await session.scalar(
            select(RevisionTask).where(RevisionTask.trigger == "drill_findings")
        )
        plan = await session.get(Plan, task.plan_id)
    assert plan.title == "黑河市大面积停电事件应急预案" and plan.status == "under_revision"
    assert task.drill_id is not None and task.evaluation_id is not None


async def test_the_wall_snapshot_of_plans(app):
    await load_demo_plans(app)
    async with app.state.db.read() as session:
        items = await snapshot.plans(
            session=session, unit_path="/000000/230000/231100/", settings=app.state.settings
        )
    coverage = [item for item in items if item["kind"] == "coverage"]
    assert coverage[0]["scope"] == "overall" and coverage[0]["required"] == 71
    assert len(coverage) == 8
    due = [item for item in items if item["kind"] == "due"]
    assert {item["due"] for item in due} == {"review", "drill", "filing"}
    assert any(item["overdue"] for item in due)
    assert all(item["plan"]["unit"] for item in due if item["due"] != "filing")


async def test_the_wall_snapshot_of_drills(app):
    await load_demo_plans(app)
    async with app.state.db.read() as session:
        items = await snapshot.drills(
            session=session, unit_path="/000000/230000/231100/", settings=app.state.settings
        )
        county = await snapshot.drills(
            session=session,
            unit_path="/000000/230000/231100/231181/",
            settings=app.state.settings,
        )
    running = [item for item in items if item["status"] == "in_progress"]
    assert len(running) == 1 and running[0]["today"] and running[0]["exercise"] is True
    assert all(item["exercise"] is True and item["occurrences"] for item in items)
    assert "黑河市大面积停电事件应急演练" not in {item["title"] for item in items}
    assert {item["organizer"] for item in county} <= {"231181"}
