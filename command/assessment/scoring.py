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


COUNT_WORDS = {
    "late": ("迟报", "late"), "false_report": ("谎报", "false report"),
    "missed": ("漏报", "missed"), "concealed": ("瞒报", "concealed"),
    "absence": ("缺岗", "absence"), "undone": ("未落实", "undone"),
    "session": ("次", "session"),
}  # fmt: skip


def _counts(measure: Measure, lang: int) -> str:
    shown = [
        f"{COUNT_WORDS.get(k, (k, k))[lang]} {v}" for k, v in sorted(measure.counts.items()) if v
    ]
    return ("、" if lang == 0 else ", ").join(shown) or ("无" if lang == 0 else "none")


def computed_points(indicator: Indicator, measure: Measure) -> tuple[float, str, str]:
    """The points and how they came, in Chinese and in English, e.g.
    (7.0, "10 − 扣分（漏报 1）", "10 − deductions (missed 1)")."""
    method, full = indicator.scoring.method, f"{indicator.points:g}"
    if method == "deduct":
        points = _deduct(indicator, measure)
        zh, en = _counts(measure, 0), _counts(measure, 1)
        return _round(points), f"{full} − 扣分（{zh}）", f"{full} − deductions ({en})"
    if method == "target":
        done, target = sum(measure.counts.values()), indicator.scoring.target
        share = min(1.0, done / target)
        return (_round(indicator.points * share), f"应 {target:g} 次，已 {done} 次",
                f"{done} of {target:g} needed")  # fmt: skip
    if measure.share is None:  # nothing to measure: full points, said so
        return indicator.points, "本年度无可计量事项，得满分", "nothing to measure in the year"
    share = f"{measure.share:.0%}"
    if method == "bands":
        return (
            _round(_band(indicator, measure.share)),
            f"比例 {share}，按档计分",
            f"share {share} → band",
        )
    return _round(indicator.points * measure.share), f"{full} × {share}", f"{full} × {share}"


def measure_view(measure: Measure) -> dict[str, Any]:
    return {"counts": measure.counts, "share": measure.share, **measure.basis}
