"""Idempotency-Key on incident and report submissions: retries, racing retries (in one
process and across two server processes), a key reused for a different request; and
concurrent follow-ups."""

from __future__ import annotations

import asyncio

import httpx

from tests.conftest import bearer
from tests.incidents_fixtures import counts, create, incident_body


def _keyed(token: str, key: str) -> dict[str, str]:
    return {**bearer(token), "Idempotency-Key": key}


async def test_racing_retries_create_exactly_one_incident(app, client, demo):
    before = await counts(app)
    body, headers = incident_body(), _keyed(demo["reporter"], "phone-7f3a-0001")
    responses = await asyncio.gather(
        *[client.post("/api/incidents", json=body, headers=headers) for _ in range(4)]
    )
    assert [r.status_code for r in responses] == [201] * 4
    assert all(r.json() == responses[0].json() for r in responses)
    assert sum(r.headers.get("Idempotent-Replayed") == "true" for r in responses) == 3
    after = await counts(app)
    assert after["incidents"] == before["incidents"] + 1
    assert after["reports"] == before["reports"] + 1
    assert after["incident_events"] == before["incident_events"] + 1
    assert after["idempotency"] == before["idempotency"] + 1


async def test_racing_report_retries_file_exactly_one_report(app, client, demo):
    incident = await create(client, demo["reporter"])
    before = await counts(app)
    path, body = f"/api/incidents/{incident['id']}/reports", {"kind": "followup", "loss": 20}
    headers = _keyed(demo["reporter"], "phone-7f3a-0002")
    responses = await asyncio.gather(
        *[client.post(path, json=body, headers=headers) for _ in range(4)]
    )
    assert [r.status_code for r in responses] == [201] * 4
    assert all(r.json() == responses[0].json() for r in responses)
    assert responses[0].json()["seq"] == 1
    after = await counts(app)
    assert after["reports"] == before["reports"] + 1
    assert after["incident_events"] == before["incident_events"] + 1
    later = await client.post(path, json=body, headers=headers)
    assert later.status_code == 201 and later.json() == responses[0].json()
    assert later.headers["Idempotent-Replayed"] == "true"


async def test_a_key_reused_for_another_request_is_refused(app, client, demo):
    headers = _keyed(demo["reporter"], "phone-7f3a-0003")
    first = await client.post("/api/incidents", json=incident_body(), headers=headers)
    before = await counts(app)
    other = await client.post("/api/incidents", json=incident_body(title="另一起"), headers=headers)
    assert first.status_code == 201
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    assert await counts(app) == before


async def test_keys_belong_to_their_caller(app, client, demo):
    key = "shared-key-0004"
    mine = await client.post(
        "/api/incidents", json=incident_body(), headers=_keyed(demo["reporter"], key)
    )
    theirs = await client.post(
        "/api/incidents",
        json=incident_body(channel="phone"),
        headers=_keyed(demo["commander"], key),
    )
    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["id"] != theirs.json()["id"]


async def test_a_failed_submission_can_be_retried_with_its_key(app, client, demo):
    headers = _keyed(demo["reporter"], "phone-7f3a-0005")
    refused = await client.post("/api/incidents", json=incident_body(level="V"), headers=headers)
    fixed = await client.post("/api/incidents", json=incident_body(), headers=headers)
    assert refused.status_code == 422 and fixed.status_code == 201


async def test_racing_retries_across_two_server_processes(database_url, demo, start_server):
    servers = [start_server(database_url), start_server(database_url)]
    body, headers = incident_body(), _keyed(demo["reporter"], "phone-7f3a-0006")
    async with httpx.AsyncClient(timeout=30) as http:
        responses = await asyncio.gather(
            *[
                http.post(f"{servers[i % 2].url}/api/incidents", json=body, headers=headers)
                for i in range(6)
            ]
        )
        listed = await http.get(f"{servers[0].url}/api/incidents", headers=bearer(demo["display"]))
    assert [r.status_code for r in responses] == [201] * 6
    assert len({r.json()["id"] for r in responses}) == 1
    assert listed.json()["total"] == 1


async def test_concurrent_followups_get_distinct_numbers(app, client, demo):
    incident = await create(client, demo["reporter"])
    path = f"/api/incidents/{incident['id']}/reports"
    responses = await asyncio.gather(
        *[
            client.post(
                path,
                json={"kind": "followup", "casualties": {"injured": n}},
                headers=bearer(demo["reporter"]),
            )
            for n in range(4)
        ]
    )
    assert [r.status_code for r in responses] == [201] * 4, [r.text for r in responses]
    assert sorted(r.json()["seq"] for r in responses) == [1, 2, 3, 4]


async def test_an_empty_or_blank_key_is_refused_and_creates_nothing(app, client, demo):
    before = await counts(app)
    for key in ["", "   "]:
        refused = await client.post(
            "/api/incidents", json=incident_body(), headers=_keyed(demo["reporter"], key)
        )
        assert refused.status_code == 422, refused.text
        error = refused.json()["error"]
        assert error["code"] == "idempotency_key_invalid"
        assert error["details"][0]["field"] == "Idempotency-Key"
    assert await counts(app) == before
