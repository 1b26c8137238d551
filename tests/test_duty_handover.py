"""交接班: the handover lists what is still open, frozen as handed over, and is accepted
once by someone else, on both databases."""

from __future__ import annotations

from tests.conftest import bearer
from tests.duty_fixtures import shift_body
from tests.incidents_fixtures import SIBLING_COUNTY, incident_body, token_for


async def test_a_handover_lists_what_is_open_and_is_accepted_once(app, client, demo):
    commander = bearer(demo["commander"])
    incident = (
        await client.post("/api/incidents", json=incident_body(), headers=bearer(demo["reporter"]))
    ).json()
    instruction = await client.post(
        f"/api/incidents/{incident['id']}/instructions",
        json={"by": "市长", "text": "核实伤亡", "units": ["231102"]},
        headers=commander,
    )
    assert instruction.status_code == 201
    current = await client.post("/api/duty/shifts", json=shift_body(-1, 11), headers=commander)
    following = await client.post("/api/duty/shifts", json=shift_body(11, 23), headers=commander)
    given = await client.post(
        "/api/duty/handovers", json={"note": "注意滨江小区火情的续报"}, headers=commander
    )
    assert given.status_code == 201, given.text
    handover = given.json()
    assert handover["from_shift"] == current.json()["id"]
    assert handover["to_shift"] == following.json()["id"]
    items = handover["open_items"]
    assert [i["id"] for i in items["incidents"]] == [incident["id"]]
    assert [i["id"] for i in items["instructions"]] == [instruction.json()["id"]]
    assert items["obligations"] and all(
        ob["incident"] == incident["id"] for ob in items["obligations"]
    )
    assert items["warnings"] == []

    same = await client.post(f"/api/duty/handovers/{handover['id']}/accept", headers=commander)
    assert same.status_code == 409
    incoming = bearer(await token_for(app, "231100", "commander"))
    accepted = await client.post(f"/api/duty/handovers/{handover['id']}/accept", headers=incoming)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["accepted_by"].startswith("token:")
    again = await client.post(f"/api/duty/handovers/{handover['id']}/accept", headers=incoming)
    assert again.status_code == 409
    listing = (await client.get("/api/duty/handovers", headers=commander)).json()["items"]
    assert [h["id"] for h in listing] == [handover["id"]]


async def test_handovers_are_scoped_to_the_subtree(app, client, demo):
    county = bearer(await token_for(app, "231102", "commander"))
    given = await client.post("/api/duty/handovers", json={"note": "平稳"}, headers=county)
    assert given.status_code == 201
    sibling = bearer(await token_for(app, SIBLING_COUNTY, "commander"))
    assert (await client.get("/api/duty/handovers", headers=sibling)).json()["items"] == []
    hidden = await client.post(f"/api/duty/handovers/{given.json()['id']}/accept", headers=sibling)
    assert hidden.status_code == 404
    other = await client.post("/api/duty/handovers", json={"unit": SIBLING_COUNTY}, headers=county)
    assert other.status_code == 403
    bad = await client.post("/api/duty/handovers", json={"note": 5}, headers=county)
    assert bad.status_code == 422


async def test_a_handover_lists_the_warnings_nobody_has_acted_on(app, client, demo):
    from datetime import UTC, datetime, timedelta

    from tests.interop_fixtures import foreign_alert

    now = datetime.now(UTC).replace(microsecond=0)
    times = {
        "sent": (now - timedelta(hours=1)).isoformat(),
        "onset": now.isoformat(),
        "expires": (now + timedelta(days=1)).isoformat(),
    }
    county = bearer(await token_for(app, "231102", "commander"))
    cap = {**bearer(demo["commander"]), "Content-Type": "application/cap+xml"}
    received = await client.post(
        "/api/cap", content=foreign_alert(identifier="W-HO", **times), headers=cap
    )
    assert received.status_code == 201, received.text
    given = await client.post("/api/duty/handovers", json={"note": "注意暴雨"}, headers=county)
    assert given.status_code == 201, given.text
    [warning] = given.json()["open_items"]["warnings"]
    assert warning["headline"] == "黑龙江省气象台发布暴雨橙色预警"
    # A sibling county the warning does not cover hands over nothing about it.
    sibling = bearer(await token_for(app, SIBLING_COUNTY, "commander"))
    other = await client.post("/api/duty/handovers", json={}, headers=sibling)
    assert other.status_code == 201 and other.json()["open_items"]["warnings"] == []
