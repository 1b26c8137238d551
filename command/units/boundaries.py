"""Administrative boundaries for the maps: the deployment's own GeoJSON file
(WATCHFLOOR_BOUNDARIES), or, without one, a rough outline of each area unit drawn around
the locations of the units under it (no third-party boundary data is shipped).

A supplied file is read and checked once per path and modification time: a
FeatureCollection of Polygon or MultiPolygon features that shapely finds valid.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import geojson
import shapely
from shapely.geometry import MultiPoint, mapping, shape

from command.errors import Invalid
from command.units.models import Unit

AREA_TIERS = ("city", "county")
# Degrees around the outermost units of an area, so that they sit inside its outline.
MARGIN = 0.04
AREA_SHAPES = {"Polygon", "MultiPolygon"}


def _feature(unit: Unit, outline: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": mapping(outline),
        "properties": {
            "code": unit.code,
            "name": unit.name,
            "name_en": unit.name_en,
            "tier": unit.tier,
        },
    }


def _outline(units: list[Unit]) -> Any | None:
    points = [
        (unit.lon, unit.lat) for unit in units if unit.lon is not None and unit.lat is not None
    ]
    if len(points) < 3:
        return None
    hull = MultiPoint(points).convex_hull.buffer(MARGIN, quad_segs=4)
    return shapely.simplify(hull, MARGIN / 4)


def generated(units: list[Unit]) -> dict[str, Any]:
    """A rough outline of each city and county: the hull of its units, with a margin."""
    features = []
    for area in units:
        if area.kind != "area" or area.tier not in AREA_TIERS:
            continue
        inside = [unit for unit in units if unit.path.startswith(area.path)]
        outline = _outline(inside)
        if outline is not None:
            features.append(_feature(area, outline))
    return {"type": "FeatureCollection", "features": features, "generated": True}


def _checked(data: Any, path: Path) -> dict[str, Any]:
    collection = geojson.GeoJSON.to_instance(data, strict=True) if isinstance(data, dict) else None
    if not isinstance(collection, geojson.FeatureCollection):
        raise Invalid("WATCHFLOOR_BOUNDARIES", f"{path}: not a GeoJSON FeatureCollection")
    for index, feature in enumerate(data["features"]):
        geometry = feature.get("geometry") or {}
        if geometry.get("type") not in AREA_SHAPES:
            raise Invalid("WATCHFLOOR_BOUNDARIES", f"{path}: feature {index} is not a polygon")
        if not shape(geometry).is_valid:
            reason = shapely.is_valid_reason(shape(geometry))
            raise Invalid("WATCHFLOOR_BOUNDARIES", f"{path}: feature {index}: {reason}")
    return {"type": "FeatureCollection", "features": data["features"], "generated": False}


@lru_cache(maxsize=4)
def _read(path: Path, _modified: float) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise Invalid("WATCHFLOOR_BOUNDARIES", f"{path}: {exc}") from None
    return _checked(data, path)


def supplied(path: Path) -> dict[str, Any]:
    """The deployment's boundaries file, checked (Invalid names what is wrong)."""
    try:
        modified = path.stat().st_mtime
    except OSError as exc:
        raise Invalid("WATCHFLOOR_BOUNDARIES", f"{path}: {exc.strerror}") from None
    return _read(path, modified)
