"""Big geometries are bounded: refused at intake past the settings' positions and bytes,
carried by events, screens and CAP as a simplified outline of at most OUTLINE_VERTICES
positions (the full one stays on the incident), CAP areas computed within a budget."""

from __future__ import annotations

import time

import pytest
from shapely.geometry import shape
from sqlalchemy import select

from command.config import Settings
from command.events import Event
from command.incidents.geometry import OUTLINE_VERTICES, POSITION_DEPTH, vertices
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
    return vertices(geometry["coordinates"], POSITION_DEPTH[geometry["type"]])


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
    # A track that doubles back on itself everywhere travels as its bounding box: the
    # outline never covers less than the geometry (the safe side for a warning).
    assert shape(carried["geometry"]).covers(shape(track))
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


async def test_placing_a_geometry_over_the_budget_is_422_and_nothing_written(app, client, demo):
    """The anchor and outline of a written geometry are computed in a worker thread within
    the budget before the transaction opens (they took 1-4 s on the event loop for the
    biggest geometries the intake allows)."""
    object.__setattr__(app.state.settings, "geometry_budget_seconds", 0.0)
    response = await _post(client, demo, zigzag(300))
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "geometry_over_budget"
    listed = await client.get("/api/incidents", headers=bearer(demo["reporter"]))
    assert listed.json()["total"] == 0


def test_an_outline_costs_a_bounded_time_whatever_the_geometry():
    """Positions that no tolerance short of the extent drops (a random scatter, many
    minimal parts): the outline gives up early and answers the bounding box."""
    import random

    from command.incidents.geometry import outline

    scatter = random.Random(21)
    track = [[127.4 + scatter.random() / 2, 50.2 + scatter.random() / 2] for _ in range(9999)]
    squares = [
        [[[127 + i * 0.01, 50], [127.005 + i * 0.01, 50], [127.005 + i * 0.01, 50.005],
          [127 + i * 0.01, 50]]]
        for i in range(2499)
    ]  # fmt: skip
    for geometry in (
        {"type": "LineString", "coordinates": track},
        {"type": "MultiPolygon", "coordinates": squares},
    ):
        started = time.perf_counter()
        found = outline(geometry)
        assert time.perf_counter() - started < 1.5  # 1.7 s and 3.7 s before
        assert found is not None and _positions(found) <= OUTLINE_VERTICES


async def test_cap_rendering_runs_within_the_budget(app, client, demo):
    """CAP areas (buffered lines) are rendered in a worker thread within the budget: past
    it, 503 geometry_over_budget instead of a process frozen for seconds."""
    created = await _post(client, demo, zigzag(300))
    assert created.status_code == 201, created.text
    object.__setattr__(app.state.settings, "geometry_budget_seconds", 0.0)
    display = bearer(demo["display"])
    for url in (f"/api/incidents/{created.json()['id']}/cap", "/api/cap/feed.atom"):
        response = await client.get(url, headers=display)
        assert response.status_code == 503, (url, response.text)
        assert response.json()["error"]["code"] == "geometry_over_budget"


async def test_a_drill_location_is_bounded_and_within_wgs84(client, demo):
    """The other geometry intake: a drill's place. A 24,000-position polygon took 1.1 s per
    POST (and again in every later drill's conflict check); coordinates were unchecked."""
    from tests.plans_fixtures import drill_body, plan_body

    coordinator = bearer(demo["coordinator"])
    plan = (await client.post("/api/plans", json=plan_body(), headers=coordinator)).json()
    ring = [[127.4 + 0.001 * (n % 97), 50.2 + 0.00001 * n] for n in range(1200)]
    for location in (
        {"type": "Polygon", "coordinates": [[*ring, ring[0]]]},
        {"type": "MultiPoint", "coordinates": ring},
        {
            "type": "GeometryCollection",
            "geometries": [{"type": "Point", "coordinates": p} for p in ring],
        },
        {"type": "Point", "coordinates": [500, 95]},
        {"type": "Point", "coordinates": [50.2, 127.4]},  # latitude first
    ):
        body = drill_body(plan["id"], location=location)
        response = await client.post("/api/drills", json=body, headers=coordinator)
        assert response.status_code == 422, (location["type"], response.text)
        assert response.json()["error"]["details"][0]["field"] == "location"
    fine = drill_body(plan["id"], location={"type": "MultiPoint", "coordinates": ring[:900]})
    assert (await client.post("/api/drills", json=fine, headers=coordinator)).status_code == 201
