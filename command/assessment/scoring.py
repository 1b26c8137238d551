"""Points of one computed indicator from its measure, each deduction on its record."""

from __future__ import annotations

from typing import Any

from command.assessment.metrics import Measure
from command.assessment.sheet import Indicator


def _round(points: float) -> float:
    return round(points + 1e-9, 1)


def _deduct(indicator: Indicator, measure: Measure) -> float:
    per = indicator.scoring.per
    for record in measure.records:
        record["points"] = -per.get(record.get("fault", ""), 0.0)
    lost = sum(per.get(kind, 0.0) * count for kind, count in measure.counts.items())
    return max(indicator.scoring.floor, indicator.points - lost)


def _band(indicator: Indicator, share: float) -> float:
    for band in indicator.scoring.bands:
        if band.low <= share < band.high or share == band.high == 1.0:
            return band.points
    return 0.0


def computed_points(indicator: Indicator, measure: Measure) -> tuple[float, str]:
    """The points and how they came, e.g. (7.0, "10 − 3 (missed 1)")."""
    method = indicator.scoring.method
    if method == "deduct":
        points = _deduct(indicator, measure)
        shown = ", ".join(f"{k} {v}" for k, v in sorted(measure.counts.items()) if v)
        return _round(points), f"{indicator.points:g} − deductions ({shown or 'none'})"
    if method == "target":
        done = sum(measure.counts.values())
        share = min(1.0, done / indicator.scoring.target)
        return _round(indicator.points * share), f"{done} of {indicator.scoring.target:g} needed"
    if measure.share is None:  # nothing to measure: full points, said so
        return indicator.points, "nothing to measure in the year"
    if method == "bands":
        return _round(_band(indicator, measure.share)), f"share {measure.share:.0%} → band"
    return _round(indicator.points * measure.share), f"{indicator.points:g} × {measure.share:.0%}"


def measure_view(measure: Measure) -> dict[str, Any]:
    return {"counts": measure.counts, "share": measure.share, **measure.basis}
