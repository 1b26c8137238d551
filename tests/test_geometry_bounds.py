"""Big geometries are bounded: refused at intake past the settings' positions and bytes,
carried by events, screens and CAP as a simplified outline of at most OUTLINE_VERTICES
positions (the full one stays on the incident), CAP areas computed within a budget."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from command.config import Settings
from command.events import Event
from command.incidents.geometry import OUTLINE_VERTICES
from tests.conftest import SECRET, bearer
from tests.incidents_fixtures import incident_body
from tests.interop_fixtures import foreign_alert


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        secret=SECRET,
        engine_enabled=False,
        max_geometry_vertices=5000,
        max_geometry_bytes=128 * 1024,
    )


def zigzag(points: int) -> dict:
    """A GPS track over 爱辉区 that doubles back on itself (the worst case for a buffer)."""
    coordinates = [
        [127.40 + 0.1 * (n % 2) + n * 1e-5, 50.20 + (n % 7) * 0.001] for n in range(points)
    ]
    return {"type": "LineString", "coordinates": coordinates}


def _positions(geometry: dict) -> int:
    return len(geometry["coordinates"])


async def _post(client, demo, geometry: dict):
    body = incident_body(geometry=geometry)
    return await client.post("/api/incidents", json=body, headers=bearer(demo["reporter"]))


async def test_too_many_positions_are_422(client, demo):
    response = await _post(client, demo, zigzag(5001))
    assert response.status_code == 422, response.text
    [detail] = response.json()["error"]["details"]
    assert (detail["field"], detail["type"]) == ("geometry", "geometry_too_complex")


async def test_too_many_bytes_are_413(client, demo):
    long_numbers = {
        "type": "LineString",
        "coordinates": [[127.4000000000001 + n * 1e-9, 50.2000000000001] for n in range(4000)],
    }
    response = await _post(client, demo, long_numbers)
    assert response.status_code == 413, response.text
    assert response.json()["error"]["code"] == "geometry_too_large"


async def test_events_screens_and_cap_carry_a_bounded_outline(app, client, demo):
    track = zigzag(5000)
    created = await _post(client, demo, track)
    assert created.status_code == 201, created.text
    incident_id = created.json()["id"]
    full = await client.get(f"/api/incidents/{incident_id}", headers=bearer(demo["display"]))
    assert full.json()["geometry"] == track  # the full one, by reference
    async with app.state.db.read() as session:
        [event] = (await session.scalars(select(Event).where(Event.topic == "incidents"))).all()
    carried = event.payload["incident"]
    assert carried["geometry_simplified"] is True
    assert 2 <= _positions(carried["geometry"]) <= OUTLINE_VERTICES
    assert len(event.message().__repr__()) < 40_000
    started = time.perf_counter()
    cap = await client.get(f"/api/incidents/{incident_id}/cap", headers=bearer(demo["display"]))
    assert cap.status_code == 200 and time.perf_counter() - started < 2.0
    feed = await client.get("/api/cap/feed.atom", headers=bearer(demo["display"]))
    assert feed.status_code == 200


async def test_a_small_geometry_travels_as_it_is(app, client, demo):
    point = {"type": "Point", "coordinates": [127.4991, 50.2452]}
    assert (await _post(client, demo, point)).status_code == 201
    async with app.state.db.read() as session:
        [event] = (await session.scalars(select(Event).where(Event.topic == "incidents"))).all()
    assert event.payload["incident"]["geometry"] == point
    assert "geometry_simplified" not in event.payload["incident"]


def _many_pairs(count: int) -> str:
    ring = [f"{50.2 + 0.01 * (n % 5)},{127.4 + 0.0001 * n}" for n in range(count - 1)]
    return " ".join([*ring, ring[0]])


async def test_a_cap_area_over_the_limit_is_422(client, demo):
    alert = foreign_alert(polygon=_many_pairs(5001))
    response = await client.post(
        "/api/cap",
        content=alert,
        headers={**bearer(demo["commander"]), "Content-Type": "application/cap+xml"},
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "geometry_too_complex"


async def test_a_cap_area_over_the_budget_is_refused_and_nothing_written(app, client, demo):
    object.__setattr__(app.state.settings, "geometry_budget_seconds", 0.0)
    response = await client.post(
        "/api/cap",
        content=foreign_alert(),
        headers={**bearer(demo["commander"]), "Content-Type": "application/cap+xml"},
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "geometry_over_budget"
    listed = await client.get("/api/warnings", headers=bearer(demo["commander"]))
    assert listed.json()["total"] == 0
