"""The organization tree and who may read which part of it."""

from __future__ import annotations

from command.auth.service import create_token
from command.units.service import chain_up, get_unit, subtree
from tests.conftest import bearer


async def token_for(app, unit: str, role: str) -> str:
    async with app.state.db.write() as session:
        plain, _ = await create_token(session, unit=await get_unit(session, unit), role=role)
    return plain


async def test_demo_city_has_seven_counties_and_eighteen_hqs(app, demo):
    async with app.state.db.read() as session:
        city = await get_unit(session, "231100")
        counties = await subtree(session, city, tier="county", kind="area")
        hqs = await subtree(session, city, kind="command_hq")
    assert {u.code for u in counties} >= {
        "231102",
        "231123",
        "231124",
        "231181",
        "231182",
        "231183",
    }
    assert len(counties) == 7
    assert len(hqs) == 18


async def test_chain_up_from_a_village_reaches_the_national_office(app, demo):
    async with app.state.db.read() as session:
        village = await get_unit(session, "231102003001")
        chain = await chain_up(session, village)
    assert [u.code for u in chain] == ["231102003", "231102", "231100", "230000", "000000"]
    assert [u.tier for u in chain] == ["township", "county", "city", "province", "national"]


async def test_subtree_of_a_county_excludes_its_siblings(app, demo):
    async with app.state.db.read() as session:
        county = await get_unit(session, "231123")
        codes = {u.code for u in await subtree(session, county)}
    assert "231123001" in codes and "231123" in codes
    assert not any(code.startswith("231124") for code in codes)


async def test_list_units_is_limited_to_the_callers_subtree(app, client, demo):
    token = await token_for(app, "231123", "display")
    response = await client.get("/api/units", headers=bearer(token))
    assert response.status_code == 200
    codes = {u["code"] for u in response.json()["items"]}
    assert "231123" in codes
    assert "231100" not in codes and "231102" not in codes


async def test_county_token_cannot_read_a_sibling_county(app, client, demo):
    token = await token_for(app, "231123", "commander")
    own = await client.get("/api/units/231123001", headers=bearer(token))
    sibling = await client.get("/api/units/231124", headers=bearer(token))
    sibling_list = await client.get("/api/units?within=231124", headers=bearer(token))
    assert own.status_code == 200 and own.json()["parent"] == "231123"
    assert sibling.status_code == 403
    assert sibling.json()["error"]["code"] == "forbidden"
    assert sibling_list.status_code == 403


async def test_unknown_unit_is_404_in_the_error_shape(client, demo):
    response = await client.get("/api/units/999999", headers=bearer(demo["admin"]))
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "unit 999999 not found"}}


async def test_missing_and_bad_tokens_are_401(client, demo):
    assert (await client.get("/api/units")).status_code == 401
    bad = await client.get("/api/units", headers=bearer("wf_not-a-token"))
    assert bad.status_code == 401 and "invalid" in bad.json()["error"]["message"]
    basic = await client.get("/api/units", headers={"Authorization": "Basic abc"})
    assert basic.status_code == 401


async def test_revoked_token_stops_working(app, client, demo):
    token = await token_for(app, "231102", "display")
    assert (await client.get("/api/units", headers=bearer(token))).status_code == 200
    listed = await client.get("/api/tokens", headers=bearer(demo["admin"]))
    token_id = next(t["id"] for t in listed.json()["items"] if token.startswith(t["prefix"]))
    revoked = await client.delete(f"/api/tokens/{token_id}", headers=bearer(demo["admin"]))
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert (await client.get("/api/units", headers=bearer(token))).status_code == 401


async def test_admin_adds_a_unit_and_the_event_is_recorded(app, client, demo):
    body = {
        "code": "231102001003",
        "name": "花园街道第三社区",
        "kind": "community",
        "tier": "village",
        "parent": "231102001",
    }
    response = await client.post("/api/units", json=body, headers=bearer(demo["admin"]))
    assert response.status_code == 201
    assert response.json()["path"].endswith("/231102/231102001/231102001003/")
    again = await client.post("/api/units", json=body, headers=bearer(demo["admin"]))
    assert again.status_code == 409
    upside_down = dict(body, code="231102001004", tier="county")
    bad = await client.post("/api/units", json=upside_down, headers=bearer(demo["admin"]))
    assert bad.status_code == 422


async def test_display_role_cannot_add_units(client, demo):
    body = {"code": "X1", "name": "x", "kind": "area", "tier": "village", "parent": "231102001"}
    response = await client.post("/api/units", json=body, headers=bearer(demo["display"]))
    assert response.status_code == 403
