"""Drill conflicts: one unit or one place booked by two drills at overlapping times.

Pure functions over bookings; plans/drills.py loads the bookings and decides whether an
override applies. Places conflict when their GeoJSON geometries intersect (shapely).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import geojson
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from command.errors import Invalid, field_detail
from plans.recurrence import Span

GEOMETRY_TYPES = (
    "Point",
    "MultiPoint",
    "LineString",
    "MultiLineString",
    "Polygon",
    "MultiPolygon",
    "GeometryCollection",
)
# A drill's location is a venue, not a track: at most this many positions, so that checking
# it (and every later drill's conflicts with it) and the events that carry it stay small.
MAX_LOCATION_POSITIONS = 1000


@dataclass(frozen=True)
class Booking:
    drill_id: int | None
    title: str
    units: frozenset[str]
    place: BaseGeometry | None
    spans: tuple[Span, ...]


@dataclass(frozen=True)
class Conflict:
    drill_id: int
    title: str
    units: tuple[str, ...]
    location: bool
    overlap: Span

    def describe(self) -> str:
        what = []
        if self.units:
            what.append("unit " + ", ".join(self.units))
        if self.location:
            what.append("the location")
        return (
            f"drill {self.drill_id} «{self.title}» already books {' and '.join(what)} "
            f"from {self.overlap.starts_at.isoformat()} to {self.overlap.ends_at.isoformat()}"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "drill": self.drill_id,
            "title": self.title,
            "units": list(self.units),
            "location": self.location,
            "starts_at": self.overlap.starts_at.isoformat(),
            "ends_at": self.overlap.ends_at.isoformat(),
        }


def _bad_location(message: str) -> Invalid:
    detail = field_detail("location", message, "value_error")
    return Invalid("location", f"location: {message}", bare=True, details=[detail])


def _positions(location: dict[str, Any]) -> list[Any]:
    """Every position of a geometry object (lists of numbers inside its coordinates and
    those of its member geometries), found without recursion; stops past the bound."""
    stack: list[Any] = [location]
    found: list[Any] = []
    while stack and len(found) <= MAX_LOCATION_POSITIONS:
        item = stack.pop()
        if isinstance(item, dict):
            stack.append(item.get("coordinates"))
            stack.extend(item.get("geometries") or [])
        elif isinstance(item, list) and item and not isinstance(item[0], list | dict):
            found.append(item)
        elif isinstance(item, list):
            stack.extend(item)
    return found


def _in_wgs84(position: list[Any]) -> bool:
    if len(position) < 2 or not all(isinstance(n, int | float) for n in position[:2]):
        return True  # not a position at all: geojson's check below names it
    lon, lat = position[0], position[1]
    try:
        return math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90
    except OverflowError:
        return False


def parse_location(location: dict[str, Any] | None) -> BaseGeometry | None:
    """A shapely geometry from a GeoJSON geometry object, or 422 naming what is wrong: at
    most MAX_LOCATION_POSITIONS positions, each within WGS84 (longitude first)."""
    if location is None:
        return None
    if location.get("type") not in GEOMETRY_TYPES:
        raise _bad_location(f"type must be a GeoJSON geometry: {', '.join(GEOMETRY_TYPES)}")
    positions = _positions(location)
    if len(positions) > MAX_LOCATION_POSITIONS:
        raise _bad_location(
            f"more than {MAX_LOCATION_POSITIONS} positions; a drill's place needs far fewer"
        )
    if not all(_in_wgs84(position) for position in positions):
        raise _bad_location("a position lies outside WGS84 (longitude -180..180, latitude -90..90)")
    try:
        checked = geojson.GeoJSON.to_instance(location, strict=True)
        errors = checked.errors()
        geometry = None if errors else shape(location)
    except (ValueError, TypeError, AttributeError, KeyError, IndexError) as exc:
        raise _bad_location(f"not a valid GeoJSON geometry ({exc})") from None
    if errors:
        raise _bad_location(str(errors))
    if geometry.is_empty or not geometry.is_valid:
        raise _bad_location("geometry is empty or not valid (e.g. a self-intersecting polygon)")
    return geometry


def first_overlap(ours: Sequence[Span], theirs: Sequence[Span]) -> Span | None:
    """The first of `theirs` that overlaps one of `ours` (both sorted by start)."""
    i = j = 0
    while i < len(ours) and j < len(theirs):
        if ours[i].overlaps(theirs[j]):
            return theirs[j]
        if ours[i].ends_at <= theirs[j].ends_at:
            i += 1
        else:
            j += 1
    return None


def conflict_between(new: Booking, other: Booking) -> Conflict | None:
    shared = tuple(sorted(new.units & other.units))
    place = new.place is not None and other.place is not None and new.place.intersects(other.place)
    if not shared and not place:
        return None
    overlap = first_overlap(new.spans, other.spans)
    if overlap is None or other.drill_id is None:
        return None
    return Conflict(other.drill_id, other.title, shared, place, overlap)


def find_conflicts(new: Booking, others: Sequence[Booking]) -> list[Conflict]:
    found = (conflict_between(new, other) for other in others if other.drill_id != new.drill_id)
    return [conflict for conflict in found if conflict is not None]
