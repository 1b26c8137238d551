"""Incident geometries: RFC 7946 structure, WGS84 ranges, shapely validity, full precision."""

from __future__ import annotations

import json

import pytest
from shapely.geometry import Point, shape

from command.incidents import geometry
from command.incidents.geometry import GeometryError

SQUARE = [[127.0, 50.0], [127.1, 50.0], [127.1, 50.1], [127.0, 50.1], [127.0, 50.0]]
HOLE = [[127.02, 50.02], [127.04, 50.02], [127.04, 50.04], [127.02, 50.02]]
# A U shape: its centroid lies in the gap, outside the polygon.
U_SHAPE = [[0, 0], [3, 0], [3, 3], [2, 3], [2, 1], [1, 1], [1, 3], [0, 3], [0, 0]]

VALID = [
    {"type": "Point", "coordinates": [127.49012345, 50.24567891]},
    {"type": "Point", "coordinates": [127.5, 50.2, 132.5]},
    {"type": "LineString", "coordinates": [[127.1, 50.1], [127.2, 50.15], [127.3, 50.1]]},
    {"type": "Polygon", "coordinates": [SQUARE, HOLE]},
    {
        "type": "MultiPolygon",
        "coordinates": [[SQUARE], [[[128, 49], [128.1, 49], [128, 49.1], [128, 49]]]],
    },
    {"type": "Point", "coordinates": [-180, -90]},
]


@pytest.mark.parametrize("value", VALID, ids=lambda v: v["type"])
def test_valid_geometries_are_kept_exactly(value):
    assert geometry.parse(value) == value


def test_foreign_members_are_dropped():
    value = {"type": "Point", "coordinates": [127.5, 50.2], "crs": "EPSG:3857", "bbox": [0, 0]}
    assert geometry.parse(value) == {"type": "Point", "coordinates": [127.5, 50.2]}


INVALID = [
    (
        {"type": "Polygon", "coordinates": [SQUARE[:-1]]},
        "Each linear ring must end where it started",
    ),
    (
        {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]},
        "Self-intersection[0.5 0.5]",
    ),
    (
        {
            "type": "Polygon",
            "coordinates": [SQUARE, [[128, 51], [128.1, 51], [128.1, 51.1], [128, 51]]],
        },
        "Hole lies outside shell",
    ),
    ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]]}, "at least 4 positions"),
    ({"type": "LineString", "coordinates": [[127.1, 50.1], [127.1, 50.1]]}, "Too few points"),
    ({"type": "Point", "coordinates": [50.24, 127.5]}, "outside WGS84"),
    ({"type": "Point", "coordinates": [180.0001, 0]}, "outside WGS84"),
    ({"type": "Point", "coordinates": [127.5]}, "a position must be"),
    ({"type": "Point", "coordinates": [127.5, 50, 1, 2]}, "a position must be"),
    ({"type": "Point", "coordinates": ["127.5", 50]}, "finite numbers"),
    ({"type": "Point", "coordinates": [float("nan"), 50]}, "finite numbers"),
    ({"type": "Point", "coordinates": [False, 50]}, "finite numbers"),
    ({"type": "Point", "coordinates": None}, "a position must be"),
    ({"type": "Polygon", "coordinates": []}, "non-empty"),
    ({"type": "Polygon", "coordinates": 5}, "non-empty"),
    ({"type": "MultiPolygon", "coordinates": [[[]]]}, "non-empty"),
    ({"type": "GeometryCollection", "geometries": []}, "type must be one of"),
    ({"type": "MultiLineString", "coordinates": [[[0, 0], [1, 1]]]}, "type must be one of"),
    ({"coordinates": [127.5, 50]}, "type must be one of"),
]


@pytest.mark.parametrize(("value", "reason"), INVALID, ids=lambda v: str(v)[:40])
def test_invalid_geometries_say_why(value, reason):
    with pytest.raises(GeometryError) as error:
        geometry.parse(value)
    assert reason in str(error.value)


def test_feature_collections_keep_every_digit():
    coordinates = [
        [127.12345678, 50.12345678],
        [0.017119278832637974, -0.0000000123456789],
        [-179.99999999999997, 89.99999999999999],
    ]
    features = [
        (i, {"type": "Point", "coordinates": c}, {"名称": "测试"})
        for i, c in enumerate(coordinates)
    ]
    text = geometry.feature_collection(features)
    parsed = json.loads(text)
    assert parsed["type"] == "FeatureCollection"
    assert [f["geometry"]["coordinates"] for f in parsed["features"]] == coordinates
    assert "测试" in text and "127.12345678" in text


def test_anchor_lies_on_the_geometry():
    polygon = {"type": "Polygon", "coordinates": [U_SHAPE]}
    lon, lat = geometry.anchor(polygon)
    assert shape(polygon).contains(Point(lon, lat))
    assert geometry.anchor({"type": "Point", "coordinates": [127.49012345, 50.2]}) == (
        127.49012345,
        50.2,
    )
