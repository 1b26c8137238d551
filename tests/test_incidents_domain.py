"""The incident domain seen by the rest of the system: deadline hooks in the same
transaction, the realtime snapshot, the demo data, the service functions others call."""

from __future__ import annotations

from typing import Any

import pytest

from command.auth.service import Principal
from command.deadlines import hooks
from command.errors import ApiError, NotFound, status_of
from command.incidents import demo as incident_demo
from command.incidents import service
from command.incidents.schemas import IncidentFilters, IncidentOut
from command.incidents.snapshot import incidents as snapshot
from command.units.service import get_unit
from tests.conftest import bearer
from tests.incidents_fixtures import counts, create, incident_body, patch, report


@pytest.fixture
def hook_calls(monkeypatch) -> list[tuple[str, dict[str, Any]]]:
    """Record each deadline hook call (name, what the incident looked like) and pass it on."""
    calls: list[tuple[str, dict[str, Any]]] = []

    def spy(name: str):
        real = getattr(hooks, name)

        async def record(session, **kwargs):
            incident = kwargs["incident"]
            seen = {"id": incident.id, "status": incident.status, "level": incident.level}
            seen["report_ids"] = [r.id for r in incident.reports]
            seen |= {k: v for k, v in kwargs.items() if k == "old_level"}
            if "report" in kwargs:
                seen["report_id"] = kwargs["report"].id
            calls.append((name, seen))
            await real(session, **kwargs)

        monkeypatch.setattr(hooks, name, record)

    for name in ("on_incident_created", "on_report_received", "on_level_changed"):
        spy(name)
    spy("on_incident_closed")
    return calls


async def test_deadline_hooks_see_flushed_rows_at_each_change(client, demo, hook_calls):
    incident = await create(client, demo["reporter"])
    followup = (await report(client, demo["reporter"], incident["id"], kind="followup")).json()
    await patch(client, demo["commander"], incident["id"], level="III")
    await patch(client, demo["commander"], incident["id"], sensitive=True)
    await patch(client, demo["commander"], incident["id"], summary="核实")
    await patch(client, demo["commander"], incident["id"], status="closed")
    initial_id = incident["reports"][0]["id"]
    assert hook_calls == [
        (
            "on_incident_created",
            {"id": incident["id"], "status": "reported", "level": "IV", "report_ids": [initial_id]},
        ),
        (
            "on_report_received",
            {
                "id": incident["id"],
                "status": "reported",
                "level": "IV",
                "report_ids": [initial_id, followup["id"]],
                "report_id": followup["id"],
            },
        ),
        (
            "on_level_changed",
            {
                "id": incident["id"],
                "status": "reported",
                "level": "III",
                "report_ids": [initial_id, followup["id"]],
                "old_level": "IV",
            },
        ),
        (
            "on_level_changed",
            {
                "id": incident["id"],
                "status": "reported",
                "level": "III",
                "report_ids": [initial_id, followup["id"]],
                "old_level": "III",
            },
        ),
        (
            "on_incident_closed",
            {
                "id": incident["id"],
                "status": "closed",
                "level": "III",
                "report_ids": [initial_id, followup["id"]],
            },
        ),
    ]


async def test_a_failing_hook_rolls_the_whole_change_back(app, client, demo, monkeypatch):
    async def refuse(session, **kwargs):
        raise ApiError(409, "the deadline engine refused")

    before = await counts(app)
    monkeypatch.setattr(hooks, "on_incident_created", refuse)
    response = await client.post(
        "/api/incidents",
        json=incident_body(),
        headers={**bearer(demo["reporter"]), "Idempotency-Key": "hook-refused"},
    )
    assert response.status_code == 409
    assert await counts(app) == before


async def test_snapshot_holds_the_open_incidents_of_the_subtree(app, client, demo):
    fire = await create(client, demo["reporter"])
    closed = await create(client, demo["reporter"], title="已处置")
    await patch(client, demo["commander"], closed["id"], status="closed")
    async with app.state.db.read() as session:
        city = await snapshot(session=session, unit_path=(await get_unit(session, "231100")).path)
        sibling = await snapshot(
            session=session, unit_path=(await get_unit(session, "231123")).path
        )
    assert [item["id"] for item in city] == [fire["id"]]
    assert city[0] == fire  # the API shape, reports included
    assert IncidentOut.model_validate(city[0])
    assert sibling == []


async def test_demo_incidents_load_once_through_the_service(app):
    for _ in range(2):
        async with app.state.db.write() as session:
            await incident_demo.load(session)
    before = await counts(app)
    async with app.state.db.write() as session:
        await incident_demo.load(session)
    assert await counts(app) == before
    async with app.state.db.read() as session:
        city = await get_unit(session, "231100")
        items = await snapshot(session=session, unit_path=city.path)
    assert len(items) == len(incident_demo.DEMO_INCIDENTS) == before["incidents"]
    assert sum(item["exercise"] for item in items) == 1
    assert sum(item["sensitive"] for item in items) == 1
    assert {item["unit"][:6] for item in items} >= {"231102", "231123", "231181", "231182"}
    assert any(len(item["reports"]) > 1 for item in items)
    assert any(item["status"] == "responding" for item in items)
    assert before["incident_events"] > before["incidents"]


async def test_service_functions_other_domains_call(app, client, demo):
    incident = await create(client, demo["reporter"], exercise=True)
    async with app.state.db.read() as session:
        loaded = await service.get_incident(session=session, incident_id=incident["id"])
        assert service.incident_dict(loaded) == incident
        commander = await _principal(session, "231100", "commander")
        items, total = await service.list_incidents(
            session=session, filters=IncidentFilters(exercise=True, limit=5), principal=commander
        )
        assert total == 1 and items[0].id == incident["id"]
        with pytest.raises(NotFound) as missing:
            await service.get_incident(session=session, incident_id=incident["id"] + 99)
    assert status_of(missing.value) == 404


async def _principal(session, code: str, role: str) -> Principal:
    unit = await get_unit(session, code)
    return Principal.of(unit, role=role, subject="test")
