"""Editing the roster shift by shift, on both databases: change and take off shifts with
the import's checks (no overlap, no hole in continuous duty), the offending shift named
in the error's details; what has begun or ended stays; read-only for duty.read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.conftest import bearer
from tests.duty_fixtures import shift_body as _body

# One instant per test module run, to the minute: shifts meant to meet meet exactly.
BASE = datetime.now(UTC).replace(second=0, microsecond=0)


def shift_body(start: float, end: float, **changes):
    return _body(
        start,
        end,
        starts_at=(BASE + timedelta(hours=start)).isoformat(),
        ends_at=(BASE + timedelta(hours=end)).isoformat(),
        **changes,
    )


async def _add(client, headers, start, end, **changes):
    response = await client.post(
        "/api/duty/shifts", json=shift_body(start, end, **changes), headers=headers
    )
    assert response.status_code == 201, response.text
    return response.json()


async def test_a_shift_is_changed_and_the_roster_names_what_is_in_the_way(app, client, demo):
    commander = bearer(demo["commander"])
    day = await _add(client, commander, 10, 22)
    night = await _add(client, commander, 22, 34, leader={"name": "赵局长"})
    changed = shift_body(10, 22, leader={"name": "钱主任", "phone": "139", "email": "q@x.org"})
    changed["officers"].append({"name": "孙干事", "phone": "", "email": ""})
    response = await client.put(f"/api/duty/shifts/{day['id']}", json=changed, headers=commander)
    assert response.status_code == 200, response.text
    assert response.json()["leader"]["name"] == "钱主任"
    assert [o["name"] for o in response.json()["officers"]] == ["李值班", "孙干事"]
    # Longer, into the night shift: refused, naming the night shift.
    clash = await client.put(
        f"/api/duty/shifts/{day['id']}", json=shift_body(10, 23), headers=commander
    )
    assert clash.status_code == 409
    error = clash.json()["error"]
    assert error["code"] == "shift_overlap" and error["details"][0]["shift"]["id"] == night["id"]
    assert error["details"][0]["shift"]["leader"] == "赵局长"
    # Shorter: a hole of an hour before the night shift.
    hole = await client.put(
        f"/api/duty/shifts/{day['id']}", json=shift_body(10, 21), headers=commander
    )
    assert hole.status_code == 422
    error = hole.json()["error"]
    assert error["code"] == "shift_gap" and error["details"][0]["shift"]["id"] == night["id"]
    # A new shift that leaves a hole after the night shift is refused too; one that
    # starts a new roster a day later is not.
    gap = await client.post("/api/duty/shifts", json=shift_body(35, 40), headers=commander)
    assert gap.status_code == 422 and gap.json()["error"]["code"] == "shift_gap"
    assert gap.json()["error"]["details"][0]["field"] == "starts_at"
    await _add(client, commander, 34 + 30, 34 + 40)
    stored = await client.get(f"/api/duty/shifts/{day['id']}", headers=commander)
    assert stored.json()["leader"]["name"] == "钱主任" and stored.json()["ends_at"]
    # The unit of a shift stays.
    moved = await client.put(
        f"/api/duty/shifts/{day['id']}", json=shift_body(10, 22, unit="231102"), headers=commander
    )
    assert moved.status_code == 422


async def test_taking_a_shift_off_keeps_the_duty_whole(app, client, demo):
    commander = bearer(demo["commander"])
    first = await _add(client, commander, 10, 22)
    middle = await _add(client, commander, 22, 34)
    last = await _add(client, commander, 34, 46)
    refused = await client.delete(f"/api/duty/shifts/{middle['id']}", headers=commander)
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "shift_gap"
    removed = await client.delete(f"/api/duty/shifts/{last['id']}", headers=commander)
    assert removed.status_code == 200, removed.text
    listed = await client.get("/api/duty/shifts", headers=commander)
    assert [s["id"] for s in listed.json()["items"]] == [first["id"], middle["id"]]
    gone = await client.get(f"/api/duty/shifts/{last['id']}", headers=commander)
    assert gone.status_code == 404


async def test_what_has_begun_or_ended_stays(app, client, demo):
    commander = bearer(demo["commander"])
    past = await _add(client, commander, -14, -2)
    current = await _add(client, commander, -2, 10)
    ended = await client.put(
        f"/api/duty/shifts/{past['id']}", json=shift_body(-14, -2), headers=commander
    )
    assert ended.status_code == 409 and ended.json()["error"]["code"] == "shift_past"
    moved = await client.put(
        f"/api/duty/shifts/{current['id']}", json=shift_body(-1, 10), headers=commander
    )
    assert moved.status_code == 409 and moved.json()["error"]["code"] == "shift_started"
    off = await client.delete(f"/api/duty/shifts/{current['id']}", headers=commander)
    assert off.status_code == 409 and off.json()["error"]["code"] == "shift_started"
    # Its people may still change (the end too, as long as nothing overlaps).
    body = {**shift_body(-2, 11), "starts_at": current["starts_at"]}
    body["officers"] = [{"name": "周值班", "phone": "", "email": ""}]
    kept = await client.put(f"/api/duty/shifts/{current['id']}", json=body, headers=commander)
    assert kept.status_code == 200, kept.text


async def test_the_roster_is_read_only_for_readers(app, client, demo):
    commander = bearer(demo["commander"])
    shift = await _add(client, commander, 10, 22)
    display = bearer(demo["display"])
    assert (await client.get(f"/api/duty/shifts/{shift['id']}", headers=display)).status_code == 200
    put = await client.put(
        f"/api/duty/shifts/{shift['id']}", json=shift_body(10, 22), headers=display
    )
    assert put.status_code == 403
    assert (
        await client.delete(f"/api/duty/shifts/{shift['id']}", headers=display)
    ).status_code == 403
    missing = await client.put("/api/duty/shifts/999999", json=shift_body(1, 2), headers=commander)
    assert missing.status_code == 404
