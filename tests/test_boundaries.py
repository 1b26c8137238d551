"""GET /api/boundaries: the deployment's GeoJSON file, checked, or outlines drawn around
the units of the caller's area (no third-party data)."""

from __future__ import annotations

from dataclasses import replace

import httpx
import shapely
from shapely.geometry import Point, shape

from command.app import create_app
from tests.conftest import bearer


async def test_without_a_file_each_county_is_outlined_around_its_units(client, demo):
    response = await client.get("/api/boundaries", headers=bearer(demo["display"]))
    assert response.status_code == 200
    body = response.json()
    assert body["type"] == "FeatureCollection" and body["generated"] is True
    tiers = {feature["properties"]["tier"] for feature in body["features"]}
    assert tiers == {"city", "county"}
    units = (await client.get("/api/units?tier=township", headers=bearer(demo["display"]))).json()
    located = [u for u in units["items"] if u["lon"] is not None]
    for feature in body["features"]:
        outline = shape(feature["geometry"])
        assert outline.is_valid and outline.geom_type == "Polygon"
    city = next(f for f in body["features"] if f["properties"]["tier"] == "city")
    assert all(shape(city["geometry"]).contains(Point(u["lon"], u["lat"])) for u in located)


async def test_a_township_reporter_gets_its_countys_outline(client, demo):
    response = await client.get("/api/boundaries", headers=bearer(demo["reporter"]))
    assert response.status_code == 200
    names = [feature["properties"]["code"] for feature in response.json()["features"]]
    assert names == ["231102"]


async def test_a_supplied_file_is_served_and_a_bad_one_named(settings, tmp_path, demo):
    good = tmp_path / "good.geojson"
    square = shapely.box(127.0, 50.0, 127.5, 50.5)
    good.write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {},'
        f' "geometry": {shapely.to_geojson(square)}}}]}}',
        encoding="utf-8",
    )
    bowtie = tmp_path / "bowtie.geojson"
    bowtie.write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {},'
        ' "geometry": {"type": "Polygon", "coordinates":'
        " [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}}]}",
        encoding="utf-8",
    )
    for path, status in ((good, 200), (bowtie, 422), (tmp_path / "absent.geojson", 422)):
        app = create_app(replace(settings, boundaries=path))
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                response = await client.get("/api/boundaries", headers=bearer(demo["display"]))
        assert response.status_code == status, response.text
        if status == 422:
            assert response.json()["error"]["details"][0]["field"] == "WATCHFLOOR_BOUNDARIES"
        else:
            assert response.json()["features"][0]["geometry"]["type"] == "Polygon"
