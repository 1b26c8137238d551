"""Key facts an initial report must state (the ruleset's `initial_facts`, by default
time, place, nature and casualties): a report that leaves one out is incomplete (漏报 of
key facts). Casualties count as stated when dead, missing and injured are all given
(zero included); nature, when the incident has a type or the report a summary."""

from __future__ import annotations

from collections.abc import Sequence

from command.incidents.models import Incident, Report


def _stated(fact: str, incident: Incident, report: Report) -> bool:
    if fact == "time":
        return incident.occurred_at is not None
    if fact == "place":
        return bool(incident.geometry)
    if fact == "nature":
        return bool((incident.type or "").strip() or (report.summary or "").strip())
    if fact == "casualties":
        return None not in (report.dead, report.missing, report.injured)
    if fact == "loss":
        return report.loss is not None
    raise ValueError(f"unknown fact {fact!r}")


def missing_facts(incident: Incident, report: Report, required: Sequence[str]) -> list[str]:
    """The required facts an initial report leaves out, in the order the rules list them;
    empty for follow-up and final reports."""
    if report.kind != "initial":
        return []
    return [fact for fact in required if not _stated(fact, incident, report)]
