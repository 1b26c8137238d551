"""What the duty desk relies on in the incident log: the acknowledgement (签收) recorded
once, and ETag / If-Match so that two officers never overwrite each other unseen."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from command.events import Event
from tests.conftest import bearer
from tests.incidents_fixtures import SIBLING_COUNTY, incident_body, token_for


async def _incident(client, demo) -> dict:
    response = await client.post(
        "/api/incidents", json=incident_body(), headers=bearer(demo["reporter"])
    )
    assert response.status_code == 201, response.text
    return response.json()


async def test_an_incident_answers_with_its_etag_and_each_change_moves_it(client, demo):
    incident = await _incident(client, demo)
    commander = bearer(demo["commander"])
    first = await client.get(f"/api/incidents/{incident['id']}", headers=commander)
    tag = first.headers["etag"]
    assert tag == f'"{incident["id"]}.{first.json()["version"]}"'
    changed = await client.patch(
        f"/api/incidents/{incident['id']}",
        json={"status": "verified"},
        headers={**commander, "If-Match": tag},
    )
    assert changed.status_code == 200, changed.text
    assert changed.headers["etag"] != tag
    again = await client.get(f"/api/incidents/{incident['id']}", headers=commander)
    assert again.headers["etag"] == changed.headers["etag"]
    report = await client.post(
        f"/api/incidents/{incident['id']}/reports",
        json={"kind": "followup", "unit": incident["unit"], "summary": "火势已控制"},
        headers=bearer(demo["reporter"]),
    )
    assert report.status_code == 201, report.text
    after_report = await client.get(f"/api/incidents/{incident['id']}", headers=commander)
    assert after_report.headers["etag"] != again.headers["etag"]


async def test_a_stale_if_match_is_refused_with_the_current_state(app, client, demo):
    incident = await _incident(client, demo)
    commander = bearer(demo["commander"])
    url = f"/api/incidents/{incident['id']}"
    seen = (await client.get(url, headers=commander)).headers["etag"]
    assert (await client.patch(url, json={"level": "III"}, headers=commander)).status_code == 200
    stale = await client.patch(url, json={"level": "II"}, headers={**commander, "If-Match": seen})
    assert stale.status_code == 412, stale.text
    error = stale.json()["error"]
    assert error["code"] == "precondition_failed"
    assert error["current"]["level"] == "III" and error["etag"] != seen
    current = (await client.get(url, headers=commander)).json()
    assert current["level"] == "III"
    assert (
        await client.patch(url, json={"level": "II"}, headers={**commander, "If-Match": "*"})
    ).status_code == 200


async def test_two_officers_changing_at_once_end_with_one_412_and_no_lost_change(app, client, demo):
    incident = await _incident(client, demo)
    commander = bearer(demo["commander"])
    other = bearer(await token_for(app, "231100", "commander"))
    url = f"/api/incidents/{incident['id']}"
    seen = (await client.get(url, headers=commander)).headers["etag"]
    answers = await asyncio.gather(
        client.patch(url, json={"level": "III"}, headers={**commander, "If-Match": seen}),
        client.patch(url, json={"level": "II"}, headers={**other, "If-Match": seen}),
    )
    assert sorted(a.status_code for a in answers) == [200, 412]
    winner = next(a for a in answers if a.status_code == 200).json()
    final = (await client.get(url, headers=commander)).json()
    assert final["level"] == winner["level"]


async def test_the_acknowledgement_is_recorded_once(app, client, demo):
    incident = await _incident(client, demo)
    commander = bearer(demo["commander"])
    assert incident["acknowledged_at"] is None
    first = await client.post(f"/api/incidents/{incident['id']}/ack", headers=commander)
    assert first.status_code == 200, first.text
    acknowledged = first.json()
    assert acknowledged["acknowledged_at"] is not None
    assert acknowledged["acknowledged_by"].startswith("token:")
    other = bearer(await token_for(app, "231100", "admin"))
    repeat = await client.post(f"/api/incidents/{incident['id']}/ack", headers=other)
    assert repeat.status_code == 200
    assert repeat.json()["acknowledged_at"] == acknowledged["acknowledged_at"]
    assert repeat.json()["acknowledged_by"] == acknowledged["acknowledged_by"]
    async with app.state.db.read() as session:
        kinds = list(
            await session.scalars(
                select(Event.kind).where(Event.entity == f"incident:{incident['id']}")
            )
        )
    assert kinds.count("incident.acknowledged") == 1


async def test_only_a_commander_of_the_subtree_acknowledges(app, client, demo):
    incident = await _incident(client, demo)
    url = f"/api/incidents/{incident['id']}/ack"
    assert (await client.post(url, headers=bearer(demo["reporter"]))).status_code == 403
    sibling = bearer(await token_for(app, SIBLING_COUNTY, "commander"))
    assert (await client.post(url, headers=sibling)).status_code == 403
    assert (
        await client.post("/api/incidents/987654/ack", headers=bearer(demo["commander"]))
    ).status_code == 404
    after = await client.get(f"/api/incidents/{incident['id']}", headers=bearer(demo["commander"]))
    assert after.json()["acknowledged_at"] is None


async def test_a_level_change_is_previewed_without_changing_anything(app, client, demo):
    incident = await _incident(client, demo)
    commander = bearer(demo["commander"])
    url = f"/api/incidents/{incident['id']}"
    before = (await client.get(f"{url}/obligations", headers=commander)).json()
    tag = (await client.get(url, headers=commander)).headers["etag"]
    async with app.state.db.read() as session:
        events_before = await session.scalar(select(func.count()).select_from(Event))
    preview = await client.post(f"{url}/preview", json={"level": "II"}, headers=commander)
    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert body["incident"]["level"] == "II"
    # IV → II: the county's pending initial reports to the city fall due within 30 min /
    # 1 h instead of 1 h / 2 h (cn-national), counted from the reclassification.
    moved = {ob["id"]: ob for ob in body["obligations"]["moved"]}
    pending = {ob["id"]: ob for ob in before["items"] if ob["state"] == "pending"}
    assert moved and set(moved) <= set(pending)
    assert all(moved[key]["due_at"] < pending[key]["due_at"] for key in moved)
    assert all(ob["level"] == "II" for ob in moved.values())
    # Nothing changed: the same obligations, the same version, no event.
    assert (await client.get(f"{url}/obligations", headers=commander)).json() == before
    assert (await client.get(url, headers=commander)).headers["etag"] == tag
    async with app.state.db.read() as session:
        assert await session.scalar(select(func.count()).select_from(Event)) == events_before
    assert (await client.patch(url, json={"level": "II"}, headers=commander)).status_code == 200
    after = (await client.get(f"{url}/obligations", headers=commander)).json()
    really_moved = {
        ob["id"]
        for ob in after["items"]
        if ob["id"] in pending and ob["due_at"] != pending[ob["id"]]["due_at"]
    }
    assert really_moved == set(moved)


async def test_a_preview_refuses_what_the_change_would_refuse(client, demo):
    incident = await _incident(client, demo)
    url = f"/api/incidents/{incident['id']}/preview"
    bad = await client.post(url, json={"level": "V"}, headers=bearer(demo["commander"]))
    assert bad.status_code == 422
    reporter = await client.post(url, json={"level": "III"}, headers=bearer(demo["reporter"]))
    assert reporter.status_code == 403
