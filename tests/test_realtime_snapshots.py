"""What the topics' snapshots and events carry: everything a screen draws, so that a
screen opens from one snapshot and follows the events without reading anything else.
Also: the realtime package imports no domain, and its bus modules no cycle."""

from __future__ import annotations

import ast
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, update

from command.db import utcnow
from command.deadlines.models import Obligation
from command.units.models import Unit
from plans import coverage
from plans import snapshot as plan_snapshot
from tests.conftest import bearer
from tests.incidents_fixtures import incident_body
from tests.plans_fixtures import ZONE, drill_body, events, issued_plan, plan_body, version_body

CITY_PATH = "/000000/230000/231100/"
ROOT = Path(__file__).resolve().parent.parent
DOMAINS = ("command.incidents", "command.deadlines", "command.interop", "plans")


async def _snapshot(app, topic: str, unit_path: str = CITY_PATH) -> list[dict]:
    provider = app.state.topics[topic].snapshot
    async with app.state.db.read() as session:
        return await provider(session=session, unit_path=unit_path, settings=app.state.settings)


async def _miss(app, obligation_id: int) -> None:
    """Mark an obligation missed as the engine would (and out of the engine's way)."""
    now = utcnow()
    async with app.state.db.write() as session:
        await session.execute(
            update(Obligation)
            .where(Obligation.id == obligation_id)
            .values(state="missed", missed_at=now, overdue_at=now, next_at=None)
        )


async def test_the_deadlines_snapshot_lists_missed_reports_still_owed(app, client, demo):
    created = await client.post(
        "/api/incidents", json=incident_body(), headers=bearer(demo["reporter"])
    )
    assert created.status_code == 201, created.text
    incident = created.json()["id"]
    listed = await client.get(
        f"/api/incidents/{incident}/obligations", headers=bearer(demo["display"])
    )
    pending = [ob for ob in listed.json()["items"] if ob["state"] == "pending"]
    initial = next(ob for ob in pending if ob["kind"] == "initial")
    followup = next(ob for ob in pending if ob["kind"] == "followup")
    assert all(ob["owed"] for ob in pending)
    await _miss(app, initial["id"])
    await _miss(app, followup["id"])

    shown = {ob["id"]: ob for ob in await _snapshot(app, "deadlines")}
    # A missed initial report is still owed (a report would make it late): it is shown.
    assert shown[initial["id"]]["state"] == "missed" and shown[initial["id"]]["owed"] is True
    # A missed follow-up is replaced by the next one: it owes nothing more.
    assert followup["id"] not in shown
    assert {ob["id"] for ob in pending} - {followup["id"]} <= shown.keys()
    assert all(ob["owed"] for ob in shown.values())
    # The API says the same of each obligation, in the same shape.
    again = await client.get(
        f"/api/incidents/{incident}/obligations", headers=bearer(demo["display"])
    )
    by_id = {ob["id"]: ob for ob in again.json()["items"]}
    assert by_id[initial["id"]] == shown[initial["id"]]
    assert by_id[followup["id"]]["owed"] is False
    # Outside the subtree, nothing.
    assert await _snapshot(app, "deadlines", "/000000/230000/231100/231123/") == []


async def test_a_drill_event_carries_the_drill_as_the_wall_draws_it(app, client, demo):
    plan = await issued_plan(client, demo["coordinator"])
    starts = utcnow().astimezone(ZONE).replace(second=0, microsecond=0) + timedelta(minutes=5)
    body = drill_body(
        plan["id"],
        starts_at=starts.isoformat(),
        ends_at=(starts + timedelta(hours=1)).isoformat(),
    )
    created = await client.post("/api/drills", json=body, headers=bearer(demo["coordinator"]))
    assert created.status_code == 201, created.text
    [event] = [
        e for e in await events(app, "drills") if e.entity == f"drill:{created.json()['id']}"
    ]
    [item] = [d for d in await _snapshot(app, "drills") if d["id"] == created.json()["id"]]
    assert event.kind == "drill.scheduled" and event.payload["occurrences"]
    assert {k: v for k, v in event.payload.items() if k != "today"} == {
        k: v for k, v in item.items() if k != "today"
    }
    # A drill moved out of this week leaves the week's list: no occurrences.
    later = starts + timedelta(days=21)
    moved = await client.patch(
        f"/api/drills/{created.json()['id']}",
        json={"starts_at": later.isoformat(), "ends_at": (later + timedelta(hours=1)).isoformat()},
        headers=bearer(demo["coordinator"]),
    )
    assert moved.status_code == 200, moved.text
    last = (await events(app, "drills"))[-1]
    assert last.kind == "drill.updated" and last.payload["occurrences"] == []
    assert last.payload["today"] is False


def _plan_of(item: dict) -> int:
    return item["filing"]["plan"] if item["due"] == "filing" else item["plan"]["id"]


async def test_a_plan_event_carries_its_items_of_the_due_list(app, client, demo):
    today = utcnow().astimezone(ZONE).date().isoformat()
    plan = await issued_plan(
        client, demo["coordinator"], version=version_body(effective_on=today, issued_on=today)
    )
    snapshot_due = [
        item
        for item in await _snapshot(app, "plans")
        if item["kind"] == "due" and _plan_of(item) == plan["id"]
    ]
    [added] = [e for e in await events(app, "plans") if e.kind == "plan.version_added"]
    assert added.payload["due"] == snapshot_due and len(snapshot_due) == 1
    assert [e.payload["due"] for e in await events(app, "plans") if e.kind == "plan.created"] == [
        []
    ]
    filed = await client.post(
        f"/api/plans/{plan['id']}/filing",
        json={"reference": "黑应急备〔2026〕1号"},
        headers=bearer(demo["coordinator"]),
    )
    assert filed.status_code in (200, 201), filed.text
    last = (await events(app, "plans"))[-1]
    assert last.kind == "plan.filed" and last.payload["due"] == []


async def test_a_coverage_event_carries_the_rate_of_every_unit_above(app, client, demo):
    township = plan_body(title="车陆乡应急预案", type="grassroots", unit="231123002")
    await issued_plan(client, demo["coordinator"], township)
    [event] = [e for e in await events(app, "plans") if e.kind == "plan.coverage"]
    totals = event.payload["totals"]
    assert [total["unit"] for total in totals] == ["000000", "230000", "231100", "231123"]
    target = coverage.year_end(utcnow().astimezone(ZONE).date())
    async with app.state.db.read() as session:
        for total in totals:
            root = await session.scalar(select(Unit).where(Unit.code == total["unit"]))
            table = await coverage.coverage_table(session, root=root, target=target)
            overall = table.overall.model_dump(mode="json")
            assert total == {"unit": root.code} | {
                key: overall[key] for key in ("name", "required", "covered", "missing", "rate")
            }
        items = await plan_snapshot.plans(
            session=session, unit_path=CITY_PATH, settings=app.state.settings
        )
    [overall] = [item for item in items if item.get("scope") == "overall"]
    assert overall["rate"] == next(t["rate"] for t in totals if t["unit"] == "231100")


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_realtime_imports_no_domain_and_its_buses_no_cycle():
    modules = {path.stem: _imports(path) for path in (ROOT / "realtime").glob("*.py")}
    for name, imported in modules.items():
        domain = [m for m in imported if m.startswith(DOMAINS)]
        assert domain == [], f"realtime/{name}.py imports {domain}"
    assert "realtime.redis_bus" not in modules["bus"] | modules["memory_bus"]
    assert "realtime.memory_bus" not in modules["bus"] | modules["redis_bus"]
    assert "realtime.backends" not in modules["bus"] | modules["redis_bus"] | modules["memory_bus"]
