"""What the ruleset says about changing an incident's casualty figures (its
`[version.corrections]`): a jump needs a written explanation, casualty changes after the
final report are 补报 accepted only within the statutory window, and a natural
disaster's verified report (核报) closes its figures."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from command.deadlines.rules import Corrections
from command.errors import Conflict, Invalid
from command.incidents.models import Incident, Report

CASUALTIES = ("dead", "missing", "injured")


def _jumps(rules: Corrections, changes: dict[str, dict[str, Any]]) -> list[str]:
    found = []
    for name, threshold in rules.jump.items():
        change = changes.get(name)
        if change is None:
            continue
        before, after = change["from"] or 0, change["to"] or 0
        if abs(after - before) >= threshold:
            found.append(f"{name} {before}→{after}")
    return found


def _normalized(kind: str) -> str:
    return kind.strip().lower().replace("-", "_").replace(" ", "_")


def supplement_window(rules: Corrections, incident: Incident):
    """The 补报 window of the incident's type: a type containing a key of
    `supplement_by_type` (e.g. "fire" in "residential fire", "火灾") takes its window."""
    kind = _normalized(incident.type or "")
    for key, window in rules.supplement_by_type.items():
        if _normalized(key) in kind:
            return window
    return rules.supplement


def check_figures(
    rules: Corrections,
    *,
    incident: Incident,
    reports: list[Report],
    changes: dict[str, dict[str, Any]],
    explanation: str,
    now: datetime,
    field: str = "casualties",
) -> dict[str, bool]:
    figures = [name for name in changes if name in (*CASUALTIES, "affected", "loss")]
    if not figures:
        return {"supplement": False}
    if incident.category in rules.verified_closes and any(r.verified for r in reports):
        raise Conflict(
            f"incident {incident.id}: the verified report (核报) closed its figures",
            field=field,
            code="figures_verified",
        )
    jumps = _jumps(rules, changes)
    if jumps and not explanation.strip():
        raise Invalid(
            "explanation",
            f"a jump in the figures ({', '.join(jumps)}) needs a written explanation",
            code="explanation_required",
        )
    after_final = any(r.kind == "final" for r in reports)
    casualties = [name for name in figures if name in CASUALTIES]
    if not (after_final and casualties):
        return {"supplement": False}
    window = supplement_window(rules, incident)
    if now > incident.occurred_at + window:
        days = window.days or window.total_seconds() / 86400
        raise Conflict(
            f"incident {incident.id}: casualty changes after the final report (补报) are "
            f"accepted within {days:g} days of the incident; that window has closed",
            field=field,
            code="supplement_window_closed",
        )
    return {"supplement": True}
