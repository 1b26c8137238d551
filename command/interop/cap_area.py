"""CAP areas and GeoJSON geometries, both ways, and which points an area covers.

CAP writes "lat,lon" pairs (GeoJSON writes [lon, lat]); a polygon is one closed ring of at
least four pairs, a circle is "lat,lon radius" with the radius in kilometres. CAP has no
holes and no lines: a polygon's holes are dropped (the area grows, which is the safe side
for a warning) and a line becomes the polygon LINE_BUFFER_KM either side of it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import shapely
from shapely import affinity
from shapely.geometry import LineString, Point, Polygon
from shapely.prepared import prep
from shapely.validation import explain_validity

from command.incidents import geometry as incident_geometry
from command.interop import cap_rules

EARTH_RADIUS_KM = 6371.0088
KM_PER_DEGREE_LAT = 110.574
KM_PER_DEGREE_LON_AT_EQUATOR = 111.320
Ring = list[list[float]]  # GeoJSON order: [[lon, lat], ...]


class AreaError(ValueError):
    """A polygon or circle that breaks the CAP 1.2 rules; the message says which."""


@dataclass
class Circle:
    lon: float
    lat: float
    radius_km: float

    def as_dict(self) -> dict[str, float]:
        return {"lon": self.lon, "lat": self.lat, "radius_km": self.radius_km}


@dataclass
class Shapes:
    """An area's figures: polygon rings and circles."""

    polygons: list[Ring] = field(default_factory=list)
    circles: list[Circle] = field(default_factory=list)


# --- out: GeoJSON -> CAP -----------------------------------------------------------------


def number(value: float) -> str:
    """A coordinate in plain decimal notation, exactly as stored (never 1e-05)."""
    text = format(Decimal(repr(float(value))), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def polygon_text(ring: Ring) -> str:
    pairs = [f"{number(lat)},{number(lon)}" for lon, lat, *_ in ring]
    if pairs[0] != pairs[-1]:
        pairs.append(pairs[0])
    return " ".join(pairs)


def circle_text(circle: Circle) -> str:
    return f"{number(circle.lat)},{number(circle.lon)} {number(circle.radius_km)}"


def _km_scale(lat: float) -> tuple[float, float]:
    """Kilometres per degree of longitude and latitude near `lat` (equirectangular)."""
    return KM_PER_DEGREE_LON_AT_EQUATOR * math.cos(math.radians(lat)), KM_PER_DEGREE_LAT


def buffered_line(coordinates: list[list[float]], width_km: float) -> Ring:
    """The ring `width_km` either side of a line, computed in a local kilometre grid."""
    line = LineString([position[:2] for position in coordinates])
    x_scale, y_scale = _km_scale(line.centroid.y)
    local = affinity.scale(line, x_scale, y_scale, origin=(0, 0))
    buffer = local.buffer(width_km, quad_segs=4)
    area = affinity.scale(buffer, 1 / x_scale, 1 / y_scale, origin=(0, 0))
    decimals = cap_rules.COMPUTED_DECIMALS
    return [[round(x, decimals), round(y, decimals)] for x, y in area.exterior.coords]


def shapes_of(geometry: dict[str, Any], level: str | None) -> Shapes:
    """The CAP figures of an incident's GeoJSON geometry, from at most OUTLINE_VERTICES
    positions (messages carry the incident's stored outline; an older message that holds
    a bigger geometry is simplified here), so that rendering costs a bounded time."""
    geometry = incident_geometry.outline(geometry) or geometry
    kind, coordinates = geometry["type"], geometry["coordinates"]
    if kind == "Point":
        radius = cap_rules.POINT_RADIUS_KM[level]
        return Shapes(circles=[Circle(coordinates[0], coordinates[1], radius)])
    if kind == "LineString":
        return Shapes(polygons=[buffered_line(coordinates, cap_rules.LINE_BUFFER_KM)])
    if kind == "Polygon":
        return Shapes(polygons=[coordinates[0]])
    if kind == "MultiPolygon":
        return Shapes(polygons=[part[0] for part in coordinates])
    raise AreaError(f"no CAP area for a {kind} geometry")


# --- in: CAP -> figures ------------------------------------------------------------------


def _pair(text: str, where: str) -> list[float]:
    lat_text, comma, lon_text = text.partition(",")
    try:
        lat, lon = float(lat_text), float(lon_text)
    except ValueError:
        raise AreaError(f"{where}: {text!r} is not a 'latitude,longitude' pair") from None
    if not comma or not (math.isfinite(lat) and math.isfinite(lon)):
        raise AreaError(f"{where}: {text!r} is not a 'latitude,longitude' pair")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise AreaError(f"{where}: {text!r} lies outside WGS84 (latitude first in CAP)")
    return [lon, lat]


def parse_polygon(text: str) -> Ring:
    """A CAP polygon as a GeoJSON ring; AreaError unless closed with at least 4 pairs."""
    ring = [_pair(pair, "polygon") for pair in text.split()]
    if len(ring) < 4:
        raise AreaError(f"a polygon needs at least 4 coordinate pairs, got {len(ring)}")
    if ring[0] != ring[-1]:
        raise AreaError("a polygon's first and last coordinate pairs must be the same")
    polygon = Polygon(ring)
    if not polygon.is_valid:
        # A ring that crosses itself has no inside CAP consumers agree on.
        raise AreaError(f"the polygon is not a simple ring: {explain_validity(polygon)}")
    return ring


def parse_circle(text: str) -> Circle:
    """A CAP circle "lat,lon radius" (radius in km, zero allowed)."""
    parts = text.split()
    if len(parts) != 2:
        raise AreaError(f"a circle is 'latitude,longitude radius', got {text!r}")
    lon, lat = _pair(parts[0], "circle")
    try:
        radius = float(parts[1])
    except ValueError:
        raise AreaError(f"circle radius {parts[1]!r} is not a number of kilometres") from None
    if not math.isfinite(radius) or radius < 0:
        raise AreaError(f"circle radius {parts[1]!r} must be zero or more kilometres")
    return Circle(lon, lat, radius)


# --- coverage ----------------------------------------------------------------------------


def distance_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance (haversine)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


class Coverage:
    """Answers "does this area cover the point?" for many points."""

    def __init__(self, shapes: Shapes) -> None:
        polygons = [shapely.make_valid(Polygon(ring)) for ring in shapes.polygons]
        self._polygons = [prep(polygon) for polygon in polygons]
        self._circles = shapes.circles
        self.bounds = _bounds(polygons, shapes.circles)

    def covers(self, lon: float, lat: float) -> bool:
        point = Point(lon, lat)
        if any(polygon.covers(point) for polygon in self._polygons):
            return True
        return any(distance_km(c.lon, c.lat, lon, lat) <= c.radius_km for c in self._circles)


def _circle_bounds(circle: Circle) -> tuple[float, float, float, float]:
    x_scale, y_scale = _km_scale(circle.lat)
    dlat = circle.radius_km / y_scale
    dlon = 180.0 if x_scale < 1e-6 else min(180.0, circle.radius_km / x_scale)
    return circle.lon - dlon, circle.lat - dlat, circle.lon + dlon, circle.lat + dlat


def _bounds(polygons: list[Any], circles: list[Circle]) -> tuple[float, float, float, float]:
    """A longitude/latitude box around everything (generous near poles and the antimeridian)."""
    boxes = [polygon.bounds for polygon in polygons] + [_circle_bounds(c) for c in circles]
    if not boxes:
        return (0.0, 0.0, -1.0, -1.0)
    west, south = min(b[0] for b in boxes), min(b[1] for b in boxes)
    east, north = max(b[2] for b in boxes), max(b[3] for b in boxes)
    if west < -180 or east > 180:
        west, east = -180.0, 180.0
    return west, max(-90.0, south), east, min(90.0, north)


# --- back to GeoJSON (promotion of a warning to an incident) ------------------------------


def geometry_of(shapes: Shapes) -> dict[str, Any] | None:
    """An incident geometry for an area: its polygons, else the centre of its largest circle."""
    if len(shapes.polygons) == 1:
        return {"type": "Polygon", "coordinates": [shapes.polygons[0]]}
    if shapes.polygons:
        parts = shapely.MultiPolygon([Polygon(ring) for ring in shapes.polygons])
        if not parts.is_valid:
            parts = shapely.unary_union([shapely.make_valid(p) for p in parts.geoms])
        return _plain(shapely.geometry.mapping(parts))
    if shapes.circles:
        widest = max(shapes.circles, key=lambda c: c.radius_km)
        return {"type": "Point", "coordinates": [widest.lon, widest.lat]}
    return None


def _plain(mapping: dict[str, Any]) -> dict[str, Any]:
    """shapely's mapping() uses tuples; GeoJSON stored here uses lists."""

    def lists(value: Any) -> Any:
        return [lists(v) for v in value] if isinstance(value, list | tuple) else value

    return {"type": mapping["type"], "coordinates": lists(mapping["coordinates"])}


def shapes_from(areas: list[dict[str, Any]]) -> Shapes:
    """The figures of a stored warning's areas (see early_warnings.area_dict)."""
    shapes = Shapes()
    for area in areas:
        shapes.polygons += area["polygons"]
        shapes.circles += [Circle(**c) for c in area["circles"]]
    return shapes
