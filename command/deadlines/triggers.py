"""Triggers: how far, and to whom directly, an incident must be reported because of its
figures, its sensitivity or the kind of unit it happened at (the ruleset's
`[[version.triggers]]`).

A trigger that fires extends the chain's reach (报告范围 by casualties and losses) and
makes units of the chain owe direct reports (越级上报) to the area of a given tier above
them, each with its own limit counted from when that unit learned of the facts. A direct
link whose recipient is the unit's own superior is no second report: it shortens the
chain link to the sooner of the two limits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from command.deadlines.rules import MEMBER, DirectLink, Trigger, Version
from command.incidents.models import Incident
from command.units.models import tier_rank
from command.units.service import UnitRef
from command.vocabulary import AREA_KINDS

FIGURE_FIELDS = ("dead", "missing", "injured", "affected", "loss")


def figures(incident: Incident) -> dict[str, float]:
    return {name: getattr(incident, name) or 0 for name in FIGURE_FIELDS}


def fired(version: Version, incident: Incident) -> list[Trigger]:
    """The triggers whose conditions hold for the incident as it is now."""
    level = version.for_level(incident.level).level
    stated = figures(incident)
    return [
        trigger
        for trigger in version.triggers
        if trigger.fires(
            category=incident.category,
            level=level,
            sensitive=incident.sensitive,
            figures=stated,
        )
    ]


def reach(version: Version, incident: Incident) -> str:
    """The level's (or sensitivity's) reach, extended by every trigger that fires."""
    found = version.reach(incident.level, sensitive=incident.sensitive)
    for trigger in fired(version, incident):
        if trigger.reach and tier_rank(trigger.reach) > tier_rank(found):
            found = trigger.reach
    return found


@dataclass(frozen=True)
class Direct:
    """One direct report a trigger requires: `reporter` owes it to `recipient`."""

    trigger: Trigger
    reporter: UnitRef
    recipient: UnitRef
    rule: DirectLink

    @property
    def name(self) -> str:
        start = self.reporter.tier if self.reporter.kind in AREA_KINDS else MEMBER
        return f"{start}>{self.rule.to}"

    def limit(self, channel: str) -> timedelta | None:
        return self.rule.phone if channel == "phone" else self.rule.written


def _recipient(chain: Sequence[UnitRef], index: int, tier: str) -> UnitRef | None:
    """The area of that tier above the unit; at a tier without an area (the national
    duty office heads the demo tree), the unit of that tier on the chain."""
    at_tier = [unit for unit in chain[index + 1 :] if unit.tier == tier]
    areas = [unit for unit in at_tier if unit.kind in AREA_KINDS]
    return (areas or at_tier or [None])[0]


def directs(version: Version, incident: Incident, chain: Sequence[UnitRef]) -> list[Direct]:
    """Every direct report the firing triggers require of the units on the chain."""
    found = []
    for trigger in fired(version, incident):
        for index, unit in enumerate(chain):
            if not trigger.owes(unit.kind, unit.tier):
                continue
            for rule in trigger.direct:
                recipient = _recipient(chain, index, rule.to)
                if recipient is not None:
                    found.append(Direct(trigger, unit, recipient, rule))
    return found
