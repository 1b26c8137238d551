"""The error matrix: each bad input gets its status, names its field, and writes nothing."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from tests.conftest import bearer
from tests.incidents_fixtures import (
    SIBLING_COUNTY,
    counts,
    create,
    fields_of,
    incident_body,
    iso,
    patch,
)

SQUARE = [[127.0, 50.0], [127.1, 50.0], [127.1, 50.1], [127.0, 50.1], [127.0, 50.0]]
BOWTIE = [[127.0, 50.0], [127.1, 50.1], [127.1, 50.0], [127.0, 50.1], [127.0, 50.0]]
HOLE_OUTSIDE = [[128.0, 51.0], [128.1, 51.0], [128.1, 51.1], [128.0, 51.0]]

# (case, overrides of a good body, field named in the 422, text in the message)
BAD_INCIDENTS: list[tuple[str, dict[str, Any], str, str]] = [
    ("unknown level", {"level": "V"}, "level", "'I'"),
    ("negative casualties", {"casualties": {"dead": -1}}, "casualties.dead", "greater than"),
    ("learned in the future", {"learned_at": iso(timedelta(hours=1))}, "learned_at", "future"),
    (
        "occurred after learned",
        {"occurred_at": iso(-timedelta(minutes=5)), "learned_at": iso(-timedelta(minutes=9))},
        "occurred_at",
        "after learned_at",
    ),
    ("no offset", {"occurred_at": "2025-05-01T10:00:00"}, "occurred_at", "timezone"),
    (
        "unclosed ring",
        {"geometry": {"type": "Polygon", "coordinates": [SQUARE[:-1]]}},
        "geometry",
        "end where it started",
    ),
    (
        "self-intersection",
        {"geometry": {"type": "Polygon", "coordinates": [BOWTIE]}},
        "geometry",
        "Self-intersection",
    ),
    (
        "hole outside its shell",
        {"geometry": {"type": "Polygon", "coordinates": [SQUARE, HOLE_OUTSIDE]}},
        "geometry",
        "Hole lies outside shell",
    ),
    (
        "latitude first",
        {"geometry": {"type": "Point", "coordinates": [50.24, 127.5]}},
        "geometry",
        "outside WGS84",
    ),
    (
        "wrong geometry type",
        {"geometry": {"type": "Circle", "coordinates": [127.5, 50.2], "radius": 3}},
        "geometry",
        "type must be one of",
    ),
    (
        "type not for incidents",
        {"geometry": {"type": "MultiPoint", "coordinates": [[127.5, 50.2]]}},
        "geometry",
        "type must be one of",
    ),
    ("no geometry", {"geometry": ...}, "geometry", "required"),
    ("geometry not an object", {"geometry": "POINT(127 50)"}, "geometry", "dictionary"),
    (
        "position not numbers",
        {"geometry": {"type": "Point", "coordinates": [127.5, True]}},
        "geometry",
        "finite numbers",
    ),
    (
        "rings too short",
        {"geometry": {"type": "LineString", "coordinates": [[127.5, 50.2]]}},
        "geometry",
        "two or more",
    ),
    ("unknown category", {"category": "weather"}, "category", "'natural'"),
    ("no title", {"title": "   "}, "title", "at least 1"),
    ("unknown unit", {"unit": "999999"}, "unit", "does not exist"),
    ("unknown field", {"colour": "red"}, "colour", "not permitted"),
    ("unknown source", {"source": "rumour"}, "source", "'field'"),
]


@pytest.mark.parametrize(("case", "overrides", "field", "text"), BAD_INCIDENTS)
async def test_bad_incident_is_422_naming_the_field(
    app, client, demo, case, overrides, field, text
):
    before = await counts(app)
    response = await client.post(
        "/api/incidents",
        json=incident_body(**overrides),
        headers={**bearer(demo["reporter"]), "Idempotency-Key": f"bad-{case}"},
    )
    assert response.status_code == 422, response.text
    assert field in fields_of(response)
    assert text in response.text
    assert await counts(app) == before


async def test_not_a_number_loss_is_422(app, client, demo):
    before = await counts(app)
    raw = json.dumps(incident_body()).replace('"loss": 12.5', '"loss": NaN')
    response = await client.post(
        "/api/incidents",
        content=raw,
        headers={**bearer(demo["reporter"]), "content-type": "application/json"},
    )
    assert response.status_code == 422 and "loss" in fields_of(response)
    assert await counts(app) == before


@pytest.mark.parametrize(
    "path", ["/api/incidents", "/api/incidents/{id}/reports", "/api/incidents/{id}"]
)
async def test_malformed_json_is_400(app, client, demo, path):
    incident = await create(client, demo["reporter"])
    before = await counts(app)
    method = "PATCH" if path.endswith("{id}") else "POST"
    response = await client.request(
        method,
        path.format(id=incident["id"]),
        content=b'{"title": "unterminated',
        headers={**bearer(demo["commander"]), "content-type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request" and "malformed JSON" in response.text
    assert await counts(app) == before


async def test_body_over_the_limit_is_413(app, client, demo):
    before = await counts(app)
    body = incident_body(summary="火" * (1024 * 1024))
    response = await client.post("/api/incidents", json=body, headers=bearer(demo["reporter"]))
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert await counts(app) == before


@pytest.mark.parametrize(
    ("start", "target"),
    [
        ([], "stabilized"),
        (["verified"], "reported"),
        (["responding"], "closed"),
        (["responding"], "verified"),
        (["closed"], "responding"),
    ],
)
async def test_illegal_status_transition_is_409(app, client, demo, start, target):
    incident = await create(client, demo["reporter"])
    for status in start:
        assert (await patch(client, demo["commander"], incident["id"], status=status)).is_success
    before = await counts(app)
    response = await patch(client, demo["commander"], incident["id"], status=target, loss=99)
    assert response.status_code == 409, response.text
    assert response.json()["error"]["code"] == "conflict" and "status" in fields_of(response)
    assert await counts(app) == before
    current = await client.get(f"/api/incidents/{incident['id']}", headers=bearer(demo["display"]))
    assert (
        current.json()["loss"] == 12.5 and current.json()["status"] == (start or ["reported"])[-1]
    )


async def test_reports_on_a_closed_incident_other_than_final_are_409(app, client, demo):
    incident = await create(client, demo["reporter"])
    assert (await patch(client, demo["commander"], incident["id"], status="closed")).is_success
    before = await counts(app)
    for kind in ("followup", "initial"):
        response = await client.post(
            f"/api/incidents/{incident['id']}/reports",
            json={"kind": kind, "casualties": {"dead": 4}},
            headers=bearer(demo["reporter"]),
        )
        assert response.status_code == 409 and "kind" in fields_of(response)
        assert "closed" in response.json()["error"]["message"]
    later = await patch(client, demo["commander"], incident["id"], level="III")
    assert later.status_code == 409 and "status" in fields_of(later)
    assert await counts(app) == before


BAD_REPORTS: list[tuple[str, dict[str, Any], int, str]] = [
    ("unknown kind", {"kind": "interim"}, 422, "kind"),
    (
        "negative injured",
        {"kind": "followup", "casualties": {"injured": -2}},
        422,
        "casualties.injured",
    ),
    ("negative affected", {"kind": "followup", "affected": -1}, 422, "affected"),
    (
        "naive device time",
        {"kind": "followup", "device_time": "2025-01-01T08:00"},
        422,
        "device_time",
    ),
    ("unknown channel", {"kind": "followup", "channel": "fax"}, 422, "channel"),
    ("second initial", {"kind": "initial"}, 409, "kind"),
    (
        "unit off the chain",
        {"kind": "followup", "unit": SIBLING_COUNTY, "channel": "phone"},
        422,
        "unit",
    ),
    ("written for another unit", {"kind": "followup", "unit": "231102001"}, 422, "channel"),
    ("unknown unit", {"kind": "followup", "unit": "nowhere", "channel": "phone"}, 422, "unit"),
]


@pytest.mark.parametrize(("case", "body", "status", "field"), BAD_REPORTS)
async def test_bad_report_names_the_field(app, client, demo, case, body, status, field):
    incident = await create(client, demo["reporter"])
    token = demo["reporter"] if case == "second initial" else demo["commander"]
    before = await counts(app)
    response = await client.post(
        f"/api/incidents/{incident['id']}/reports", json=body, headers=bearer(token)
    )
    assert response.status_code == status, response.text
    assert field in fields_of(response)
    assert await counts(app) == before


BAD_PATCHES: list[tuple[dict[str, Any], str]] = [
    ({}, "body"),
    ({"level": None}, "level"),
    ({"level": "V"}, "level"),
    ({"status": "open"}, "status"),
    ({"exercise": True}, "exercise"),
    ({"casualties": {"missing": -1}}, "casualties.missing"),
    ({"geometry": {"type": "Point", "coordinates": [200, 50]}}, "geometry"),
    ({"loss": -5}, "loss"),
]


@pytest.mark.parametrize(("body", "field"), BAD_PATCHES)
async def test_bad_patch_is_422_naming_the_field(app, client, demo, body, field):
    incident = await create(client, demo["reporter"])
    before = await counts(app)
    response = await patch(client, demo["commander"], incident["id"], **body)
    assert response.status_code == 422, response.text
    assert field in fields_of(response)
    assert await counts(app) == before


async def test_unauthenticated_and_unknown_are_clean_errors(app, client, demo):
    before = await counts(app)
    anonymous = await client.post("/api/incidents", json=incident_body())
    unknown = await client.post(
        "/api/incidents/424242/reports", json={"kind": "followup"}, headers=bearer(demo["reporter"])
    )
    bad_key = await client.post(
        "/api/incidents",
        json=incident_body(),
        headers={**bearer(demo["reporter"]), "Idempotency-Key": "x" * 200},
    )
    assert (anonymous.status_code, unknown.status_code, bad_key.status_code) == (401, 404, 422)
    assert bad_key.json()["error"]["code"] == "idempotency_key_invalid"
    assert await counts(app) == before


GARBAGE = [
    b"[]",
    b"null",
    b'"text"',
    b"0",
    b'{"geometry": {"type": "Polygon", "coordinates": 5}}',
    b'{"geometry": {"type": "Polygon", "coordinates": [[[1e400, 1]]]}}',
    b'{"geometry": {"type": "MultiPolygon", "coordinates": [[[]]]}}',
    b'{"geometry": {"type": "Point"}}',
    b'{"casualties": [1, 2]}',
    b'{"occurred_at": 1e30}',
    b'{"kind": {"nested": true}, "unit": 5}',
    b"\xff\xfe",
]


@pytest.mark.parametrize("raw", GARBAGE)
async def test_garbage_never_causes_a_500(app, client, demo, raw):
    incident = await create(client, demo["reporter"])
    before = await counts(app)
    headers = {**bearer(demo["commander"]), "content-type": "application/json"}
    for method, path in [
        ("POST", "/api/incidents"),
        ("POST", f"/api/incidents/{incident['id']}/reports"),
        ("PATCH", f"/api/incidents/{incident['id']}"),
    ]:
        response = await client.request(method, path, content=raw, headers=headers)
        assert 400 <= response.status_code < 500, (method, path, response.text)
        assert "error" in response.json()
    assert await counts(app) == before
