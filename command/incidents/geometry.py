"""Where an incident happened: a GeoJSON geometry (RFC 7946, WGS84), checked in and out.

Structure is checked here and by the `geojson` package (ring closure, ring length),
topology by shapely (`explain_validity` gives the reason). Coordinates are stored exactly
as received: the `geojson` package rounds to 6 decimal places unless told otherwise, which
would move a point by up to 5 cm, so every object built here passes FULL_PRECISION.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Real
from typing import Any

import geojson
import shapely
from shapely.geometry import shape
from shapely.validation import explain_validity

from command import jsontext

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


# Intake bounds when no settings say otherwise (WATCHFLOOR_MAX_GEOMETRY_VERTICES / _BYTES).
MAX_VERTICES = 10_000
MAX_BYTES = 512 * 1024
# Events, screens and CAP carry at most this many positions: a bigger geometry travels as
# its simplified outline, the full one stays on the incident (GET /api/incidents/{id}).
OUTLINE_VERTICES = 256


class GeometryError(ValueError):
    """The geometry is not one an incident can have; the message says why."""

    kind = "geometry_invalid"


class GeometryTooComplex(GeometryError):
    """More positions than the intake allows (422)."""

    kind = "geometry_too_complex"


class GeometryTooLarge(GeometryError):
    """More bytes than the intake allows (413)."""

    kind = "geometry_too_large"


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


def vertices(coordinates: Any, depth: int) -> int:
    """How many positions the (checked) coordinates hold."""
    if depth == 0:
        return 1
    if depth == 1:
        return len(coordinates)
    return sum(vertices(item, depth - 1) for item in coordinates)


def _check_size(value: dict[str, Any], max_vertices: int, max_bytes: int) -> None:
    """Before any geometry work: bounded bytes and positions, so that validation, the
    anchor, outlines and CAP areas cost a bounded time whoever posts."""
    size = len(jsontext.dumps_bytes(value.get("coordinates")))
    if size > max_bytes:
        raise GeometryTooLarge(f"geometry of {size} bytes exceeds the limit of {max_bytes}")
    coordinates = value.get("coordinates")
    count = vertices(coordinates, POSITION_DEPTH[value["type"]])
    if count > max_vertices:
        raise GeometryTooComplex(
            f"geometry of {count} positions exceeds the limit of {max_vertices}; simplify it"
        )


def build(kind: str, coordinates: Any) -> geojson.geometry.Geometry:
    """The geojson object of a checked geometry, its coordinates unrounded."""
    return getattr(geojson, kind)(coordinates, precision=FULL_PRECISION)


def parse(
    value: dict[str, Any], *, max_vertices: int = MAX_VERTICES, max_bytes: int = MAX_BYTES
) -> dict[str, Any]:
    """The geometry as stored ({"type", "coordinates"}), or GeometryError with the reason."""
    kind = value.get("type")
    if not isinstance(kind, str) or kind not in POSITION_DEPTH:
        shown = kind if isinstance(kind, str) else type(kind).__name__
        raise GeometryError(f"type must be one of {', '.join(POSITION_DEPTH)}; got {shown!r:.80}")
    coordinates = value.get("coordinates")
    _check_nesting(coordinates, POSITION_DEPTH[kind])
    _check_size(value, max_vertices, max_bytes)
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


def outline(value: dict[str, Any], limit: int = OUTLINE_VERTICES) -> dict[str, Any] | None:
    """The geometry simplified to at most `limit` positions (topology kept), or None when
    it has no more than that already. The tolerance doubles until the outline fits, up to
    the geometry's extent (beyond it nothing simplifies further) and only while each step
    still drops positions, so that the work stays bounded whatever the geometry."""
    depth = POSITION_DEPTH[value["type"]]
    count = vertices(value["coordinates"], depth)
    if count <= limit:
        return None
    full = shape(value)
    west, south, east, north = full.bounds
    extent = max(east - west, north - south, 1e-9)
    tolerance = extent / limit
    stalled = 0
    while tolerance <= 2 * extent:
        simple = full.simplify(tolerance, preserve_topology=True)
        found = _plain(shapely.geometry.mapping(simple))
        found_count = (
            vertices(found["coordinates"], depth) if found["type"] == value["type"] else count
        )
        if found["type"] == value["type"] and found_count <= limit:
            return found
        # Parts that cannot shrink (each already minimal) stay as many at any tolerance.
        stalled = stalled + 1 if found_count >= count else 0
        if stalled >= 3:
            break
        count = min(count, found_count)
        tolerance *= 2
    # Many parts that cannot shrink further: their bounding box (the safe side for a warning).
    box = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "MultiPolygon", "coordinates": [[box]]}


def _plain(mapping: dict[str, Any]) -> dict[str, Any]:
    def lists(value: Any) -> Any:
        return [lists(v) for v in value] if isinstance(value, list | tuple) else value

    return {"type": mapping["type"], "coordinates": lists(mapping["coordinates"])}


@dataclass(frozen=True)
class Placed:
    """What a written geometry derives: its anchor and its outline (None when small)."""

    anchor: tuple[float, float]
    outline: dict[str, Any] | None


def place(value: dict[str, Any]) -> Placed:
    """The anchor and outline of a checked geometry; bounded work, but seconds for the
    biggest geometries the intake allows: the API runs it in a worker thread, within the
    geometry budget, before the write transaction opens (command/incidents/views.py)."""
    return Placed(anchor(value), outline(value))


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
