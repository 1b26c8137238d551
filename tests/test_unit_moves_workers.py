"""A unit moved on one server process, seen by another sharing PostgreSQL and Redis: its
screens hear of the move with the subtree's new paths, an incident it then takes for the
moved unit reports up the new chain, and it refuses to move that unit back."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import REDIS_URL, bearer, need_redis
from tests.incidents_fixtures import SIBLING_COUNTY, incident_body
from tests.realtime_fixtures import Screen, forget_streams

pytestmark = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)


@pytest.fixture
async def redis_url():
    need_redis()
    await forget_streams(REDIS_URL)
    return REDIS_URL


async def test_a_move_on_one_process_holds_on_the_other(
    database_url, redis_url, demo, start_server
):
    first = start_server(database_url, WATCHFLOOR_REDIS_URL=redis_url)
    second = start_server(database_url, WATCHFLOOR_REDIS_URL=redis_url)
    admin = bearer(demo["admin"])
    screen = await Screen.join(second.ws_url, demo["display"], ["units"])
    async with httpx.AsyncClient(base_url=first.url) as http:
        for code, parent, tier in (("MW1", "231102", "township"), ("MW1A", "MW1", "village")):
            body = {"code": code, "name": f"测试{code}", "kind": "area", "tier": tier}
            made = await http.post("/api/units", json={**body, "parent": parent}, headers=admin)
            assert made.status_code == 201, made.text
        moved = await http.post(
            "/api/units/MW1/move", json={"parent": SIBLING_COUNTY}, headers=admin
        )
    assert moved.status_code == 200, moved.text
    message = await screen.event(within=10, kind="unit.moved")
    subtree = {unit["code"]: unit["path"] for unit in message["event"]["payload"]["subtree"]}
    assert subtree["MW1A"].endswith(f"/{SIBLING_COUNTY}/MW1/MW1A/"), subtree

    async with httpx.AsyncClient(base_url=second.url) as http:
        seen = (await http.get("/api/units/MW1A", headers=admin)).json()
        assert seen["path"] == subtree["MW1A"]
        made = await http.post(
            "/api/incidents",
            json=incident_body(unit="MW1A", channel="phone", title="测试村山火"),
            headers=bearer(demo["commander"]),
        )
        assert made.status_code == 201, made.text
        owed = await http.get(
            f"/api/incidents/{made.json()['id']}/obligations", headers=bearer(demo["commander"])
        )
        assert owed.status_code == 200, owed.text
        to_units = {item["to_unit"] for item in owed.json()["items"]}
        # reported up the new chain (the county, the city), never to 爱辉区 any more
        assert SIBLING_COUNTY in to_units and "231102" not in to_units, to_units
        assert to_units <= {"MW1", SIBLING_COUNTY, "231100", "230000", "000000"}, to_units
        back = await http.post("/api/units/MW1/move", json={"parent": "231102"}, headers=admin)
    assert back.status_code == 409 and back.json()["error"]["code"] == "unit_in_use", back.text
    assert {d["table"] for d in back.json()["error"]["details"]} >= {"incidents", "obligations"}
