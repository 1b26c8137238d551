"""Where an incident happened: a GeoJSON geometry (RFC 7946, WGS84), checked in and out.

Structure is checked here and by the `geojson` package (ring closure, ring length),
topology by shapely (`explain_validity` gives the reason). Coordinates are stored exactly
as received: the `geojson` package rounds to 6 decimal places unless told otherwise, which
would move a point by up to 5 cm, so every object built here passes FULL_PRECISION.
"""

from __future__ import annotations

import math
from numbers import Real
from typing import Any

import geojson
import shapely
from shapely.geometry import shape
from shapely.validation import explain_validity

# More decimal places than the exact binary value of any coordinate has, so round() in
# the geojson package returns every coordinate unchanged.
FULL_PRECISION = 400

# The geometry types an incident may have, and how deep their positions are nested.
POSITION_DEPTH = {"Point": 0, "LineString": 1, "Polygon": 2, "MultiPolygon": 3}
LONGITUDE = (-180.0, 180.0)
LATITUDE = (-90.0, 90.0)

JSON_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "A GeoJSON geometry (RFC 7946, WGS84 longitude/latitude): "
    "Point, LineString, Polygon or MultiPolygon.",
    "properties": {
        "type": {"type": "string", "enum": list(POSITION_DEPTH)},
        "coordinates": {"type": "array"},
    },
    "required": ["type", "coordinates"],
}


class GeometryError(ValueError):
    """The geometry is not one an incident can have; the message says why."""


def _finite(number: Real) -> bool:
    try:
        return math.isfinite(number)
    except OverflowError:  # an integer beyond any float
        return False


def _check_position(position: Any) -> None:
    if not isinstance(position, list) or len(position) not in (2, 3):
        raise GeometryError(
            f"a position must be [longitude, latitude] or with altitude: {position!r}"
        )
    for number in position:
        if isinstance(number, bool) or not isinstance(number, Real) or not _finite(number):
            raise GeometryError(f"a position holds finite numbers only: {position!r:.200}")
    lon, lat = position[0], position[1]
    if not (LONGITUDE[0] <= lon <= LONGITUDE[1] and LATITUDE[0] <= lat <= LATITUDE[1]):
        raise GeometryError(
            f"position {position!r} is outside WGS84 (longitude -180..180, latitude -90..90); "
            "GeoJSON puts longitude first"
        )


def _check_nesting(coordinates: Any, depth: int) -> None:
    if depth == 0:
        _check_position(coordinates)
        return
    if not isinstance(coordinates, list) or not coordinates:
        raise GeometryError("coordinates must be non-empty arrays nested as the type requires")
    for item in coordinates:
        _check_nesting(item, depth - 1)


def build(kind: str, coordinates: Any) -> geojson.geometry.Geometry:
    """The geojson object of a checked geometry, its coordinates unrounded."""
    return getattr(geojson, kind)(coordinates, precision=FULL_PRECISION)


def parse(value: dict[str, Any]) -> dict[str, Any]:
    """The geometry as stored ({"type", "coordinates"}), or GeometryError with the reason."""
    kind = value.get("type")
    if not isinstance(kind, str) or kind not in POSITION_DEPTH:
        shown = kind if isinstance(kind, str) else type(kind).__name__
        raise GeometryError(f"type must be one of {', '.join(POSITION_DEPTH)}; got {shown!r:.80}")
    coordinates = value.get("coordinates")
    _check_nesting(coordinates, POSITION_DEPTH[kind])
    problem = build(kind, coordinates).errors()
    if problem:
        raise GeometryError(problem if isinstance(problem, str) else "; ".join(problem))
    try:
        geometry = shape({"type": kind, "coordinates": coordinates})
    except (ValueError, shapely.errors.GEOSException) as exc:
        raise GeometryError(str(exc)) from None
    if not geometry.is_valid:
        raise GeometryError(explain_validity(geometry))
    return {"type": kind, "coordinates": coordinates}


def anchor(value: dict[str, Any]) -> tuple[float, float]:
    """A point on the geometry (inside a polygon), for map markers and distance queries."""
    spot = shape(value).representative_point()
    return spot.x, spot.y


def feature_collection(features: list[tuple[int, dict[str, Any], dict[str, Any]]]) -> str:
    """A FeatureCollection of (id, geometry, properties), serialized with full precision."""
    collection = geojson.FeatureCollection(
        [
            geojson.Feature(
                id=key, geometry=build(geo["type"], geo["coordinates"]), properties=props
            )
            for key, geo, props in features
        ]
    )
    return geojson.dumps(collection, ensure_ascii=False)
