"""Moving a unit with its subtree (POST /api/units/{code}/move), on SQLite and PostgreSQL:
the paths and chains of the subtree are rewritten; every refusal answers its code and
changes nothing; a subtree any record refers to stays where it is."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from command.db import process_cache
from command.events import Event
from command.units import moves
from command.units.models import Unit
from command.units.service import chain_of, chain_refs
from tests.conftest import bearer
from tests.incidents_fixtures import SIBLING_COUNTY, incident_body

COUNTY = "231102"  # 爱辉区
CITY = "/000000/230000/231100/"  # the demo admin's subtree


async def _unit(client, admin, code, parent, tier, kind="area"):
    body = {"code": code, "name": f"测试{code}", "kind": kind, "tier": tier, "parent": parent}
    made = await client.post("/api/units", json=body, headers=admin)
    assert made.status_code == 201, made.text
    return made.json()


async def _branch(client, admin):
    """A new township under 爱辉区 with a village below it: no record refers to them."""
    await _unit(client, admin, "MV1", COUNTY, "township")
    await _unit(client, admin, "MV1A", "MV1", "village")


async def _tree(app) -> list[tuple]:
    async with app.state.db.read() as session:
        rows = await session.execute(
            select(Unit.code, Unit.path, Unit.depth, Unit.parent_id).order_by(Unit.code)
        )
        events = await session.scalar(select(func.count()).select_from(Event))
    return [*rows.all(), ("events", events)]


async def _move(client, admin, code, parent):
    return await client.post(f"/api/units/{code}/move", json={"parent": parent}, headers=admin)


async def test_a_move_rewrites_the_subtrees_paths_and_chains(client, app, demo):
    admin = bearer(demo["admin"])
    await _branch(client, admin)
    village = (await client.get("/api/units/MV1A", headers=admin)).json()
    assert village["path"] == f"{CITY}231102/MV1/MV1A/"
    # This process keeps the village's chain, as the deadline rules read it.
    async with app.state.db.write() as session:
        old = [ref.code for ref in await chain_refs(session, village["path"])]
    assert old == ["MV1A", "MV1", COUNTY, "231100", "230000", "000000"]
    async with app.state.db.read() as session:
        assert village["path"] in process_cache(session, "units.chains")

    moved = await _move(client, admin, "MV1", SIBLING_COUNTY)
    assert moved.status_code == 200, moved.text
    assert (moved.json()["parent"], moved.json()["path"]) == (
        SIBLING_COUNTY,
        f"{CITY}{SIBLING_COUNTY}/MV1/",
    )
    below = (await client.get("/api/units/MV1A", headers=admin)).json()
    assert (below["parent"], below["path"], below["depth"]) == (
        "MV1",
        f"{CITY}{SIBLING_COUNTY}/MV1/MV1A/",
        village["depth"],
    )
    async with app.state.db.write() as session:
        assert village["path"] not in process_cache(session, "units.chains")
        chain = [u.code for u in await chain_of(session, below["path"])]
        refs = await chain_refs(session, below["path"])
        parent_id = (await session.scalar(select(Unit).where(Unit.code == "MV1"))).parent_id
        county = await session.scalar(select(Unit).where(Unit.code == SIBLING_COUNTY))
    assert (
        chain
        == [ref.code for ref in refs]
        == ["MV1A", "MV1", SIBLING_COUNTY, "231100", "230000", "000000"]
    )
    assert refs[1].path == f"{CITY}{SIBLING_COUNTY}/MV1/" and parent_id == county.id
    async with app.state.db.read() as session:
        event = await session.scalar(
            select(Event).where(Event.kind == "unit.moved").order_by(Event.id.desc())
        )
    assert event.entity == "unit:MV1" and event.payload["from_parent"] == COUNTY
    assert [u["code"] for u in event.payload["subtree"]] == ["MV1", "MV1A"]
    assert event.payload["subtree"][1]["path"] == below["path"]
    assert event.reach == [village["path"][:-5]]
    # The same move again changes nothing and writes no event.
    before = await _tree(app)
    again = await _move(client, admin, "MV1", SIBLING_COUNTY)
    assert again.status_code == 200 and await _tree(app) == before


async def test_every_refused_move_answers_its_code_and_changes_nothing(client, app, demo):
    admin = bearer(demo["admin"])
    await _branch(client, admin)
    await _unit(client, admin, "MV2", SIBLING_COUNTY, "village")
    before = await _tree(app)
    refusals = {
        ("MV1", "NOPE99"): (422, "unit_parent_unknown", "parent"),
        ("MV1", "MV1"): (422, "unit_move_cycle", "parent"),
        ("MV1", "MV1A"): (422, "unit_move_cycle", "parent"),
        ("MV1", "MV2"): (422, "invalid", "tier"),  # a township under a village
        ("MV1", "230000"): (403, "unit_parent_outside", "parent"),  # above the admin's city
        ("230000", "MV1"): (403, "forbidden", None),
    }
    for (code, parent), (status, error, field) in refusals.items():
        answer = await _move(client, admin, code, parent)
        assert answer.status_code == status, (code, parent, answer.text)
        body = answer.json()["error"]
        assert body["code"] == error, (code, parent, body)
        if field:
            assert body["details"][0]["field"] == field
    assert (await _move(client, admin, "NOPE99", "MV1")).status_code == 404
    bad = await client.post("/api/units/MV1/move", json={"to": "MV2"}, headers=admin)
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid"
    for role in ("commander", "coordinator", "display"):
        denied = await _move(client, bearer(demo[role]), "MV1", SIBLING_COUNTY)
        assert denied.status_code == 403
    assert await _tree(app) == before


async def test_a_subtree_with_a_record_stays_where_it_is(client, app, demo):
    admin = bearer(demo["admin"])
    await _branch(client, admin)
    made = await client.post(
        "/api/incidents",
        json=incident_body(unit="MV1A", channel="phone", title="测试村道路塌陷"),
        headers=bearer(demo["commander"]),
    )
    assert made.status_code == 201, made.text
    before = await _tree(app)
    refused = await _move(client, admin, "MV1", SIBLING_COUNTY)
    assert refused.status_code == 409, refused.text
    error = refused.json()["error"]
    assert error["code"] == "unit_in_use"
    counted = {detail["table"]: detail["count"] for detail in error["details"]}
    assert counted["incidents"] == 1 and "units" not in counted
    assert all(detail["field"] == "code" for detail in error["details"])
    assert await _tree(app) == before

    # A demo county holds every domain's records, and its staff's accounts.
    busy = await _move(client, admin, COUNTY, SIBLING_COUNTY)
    assert busy.status_code == 409 and busy.json()["error"]["code"] == "unit_in_use"
    tables = {detail["table"] for detail in busy.json()["error"]["details"]}
    assert {"incidents", "reports", "obligations", "api_tokens", "users"} <= tables, tables
    assert await _tree(app) == before


def test_the_tables_that_refer_to_units_are_read_from_the_schema():
    import command.models  # noqa: F401  (every domain's tables, as the app has them)

    found = {ref.table.name: ref for ref in moves.references()}
    # a foreign key, a path copied beside it, a path without a key, another name for one
    assert found["incidents"].ids and found["incidents"].paths
    assert [c.name for c in found["instructions"].paths] == ["unit_path"]
    assert [c.name for c in found["drills"].paths] == ["organizer_path"]
    assert "units" not in found and "idempotency_records" not in found


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)  # SQLite: one writer
async def test_on_postgresql_a_move_waits_for_open_transactions_then_gives_up(
    client, app, demo, database_url
):
    """A transaction that has read the tree (and may be about to copy a path) holds the
    move off; past the lock timeout the move answers 503 and nothing is moved."""
    admin = bearer(demo["admin"])
    await _branch(client, admin)
    before = await _tree(app)
    async with app.state.db.read() as session:
        await session.execute(select(Unit.path).where(Unit.code == "MV1A"))
        answer = await _move(client, admin, "MV1", SIBLING_COUNTY)
    assert answer.status_code == 503, answer.text
    assert answer.json()["error"]["code"] == "unit_busy"
    assert await _tree(app) == before
    assert (await _move(client, admin, "MV1", SIBLING_COUNTY)).status_code == 200


async def test_a_table_a_new_domain_declares_counts_without_being_named(client, app, demo):
    """Any table with a key to the units (or a path) holds a subtree in place: the move
    reads the schema, so a domain added later is covered by being declared."""
    from sqlalchemy import Column, ForeignKey, Integer, String, Table, insert

    table = Table(
        "test_widgets",
        Unit.metadata,
        Column("id", Integer, primary_key=True),
        Column("keeper_id", ForeignKey("units.id")),
        Column("site_path", String(512)),
    )
    admin = bearer(demo["admin"])
    try:
        await _branch(client, admin)
        async with app.state.db.write() as session:
            await session.run_sync(lambda sync: table.create(sync.connection()))
            village = await session.scalar(select(Unit).where(Unit.code == "MV1A"))
            rows = [  # one by its key, one by its path
                {"id": 1, "keeper_id": village.id, "site_path": ""},
                {"id": 2, "keeper_id": None, "site_path": village.path},
            ]
            await session.execute(insert(table), rows)
        refused = await _move(client, admin, "MV1", SIBLING_COUNTY)
        assert refused.status_code == 409, refused.text
        assert refused.json()["error"]["details"] == [
            {"field": "code", "table": "test_widgets", "count": 2, "type": "state",
             "message": "2 rows in test_widgets"}
        ]  # fmt: skip
    finally:
        async with app.state.db.write() as session:
            await session.run_sync(lambda sync: table.drop(sync.connection(), checkfirst=True))
        Unit.metadata.remove(table)
    assert (await _move(client, admin, "MV1", SIBLING_COUNTY)).status_code == 200
