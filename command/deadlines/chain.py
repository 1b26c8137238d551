"""The reporting chain of an incident and when each unit on it learned of the incident.

A unit reports to the unit it hangs under: an area to its parent area, a department,
HQ, office, school, enterprise or community to the area above it. The chain starts at
the incident's unit and goes up to the root; a level's `reach` cuts it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from command.deadlines.rules import link_name
from command.incidents.models import Incident, Report
from command.units.models import tier_rank
from command.units.service import UnitRef


@dataclass(frozen=True)
class Link:
    """One step of the chain: `reporter` owes reports to `recipient`."""

    reporter: UnitRef
    recipient: UnitRef

    @property
    def name(self) -> str:
        return link_name(self.reporter.kind, self.reporter.tier, self.recipient.tier)


def links(chain: Sequence[UnitRef]) -> list[Link]:
    """Every link of a chain (origin first, then its superiors nearest first)."""
    return [Link(low, high) for low, high in zip(chain, chain[1:], strict=False)]


def within(link: Link, reach: str) -> bool:
    """True when reports on this link are required for an incident reaching `reach`."""
    return tier_rank(link.recipient.tier) <= tier_rank(reach)


def _earliest(learned: dict[int, datetime], unit_id: int, at: datetime) -> None:
    if unit_id not in learned or at < learned[unit_id]:
        learned[unit_id] = at


# Direct recipients of each reporting unit, by unit id, with the time from which reports
# are routed to each (None: from the start).
Routes = Mapping[int, Mapping[int, datetime | None]]


def addressees(report: Report, chain: Sequence[UnitRef], routes: Routes) -> list[int]:
    """The units a report went to, by id: those it names (`addressees`, 越级上报), or else
    the unit above its sender and the units the sender owed direct reports to when the
    report arrived (`routes`)."""
    if report.addressees:
        return [unit.id for unit in chain if unit.code in report.addressees]
    index = next((i for i, unit in enumerate(chain) if unit.id == report.unit_id), None)
    above = [chain[index + 1].id] if index is not None and index + 1 < len(chain) else []
    routed = routes.get(report.unit_id, {})
    return above + [
        unit_id for unit_id, since in routed.items() if since is None or since <= report.received_at
    ]


def learned_times(
    incident: Incident,
    chain: Sequence[UnitRef],
    reports: Sequence[Report],
    logged_by: int | None = None,
    routes: Routes | None = None,
) -> dict[int, datetime]:
    """When each unit on the chain learned of the incident (获悉时间), by unit id.

    The incident's unit learned at the incident's `learned_at`. The unit that logged
    the incident (`logged_by`) learned when it logged it, or, for an incident learned
    from another source (hotline, media…), at the `learned_at` it gave. A unit that sent
    a report knew by then, and the units it went to (see `addressees`) learned when it
    arrived. Units absent from the result have not learned yet.
    """
    position = {unit.id: index for index, unit in enumerate(chain)}
    learned = {chain[0].id: incident.learned_at}
    if logged_by in position:
        field = incident.source == "field"
        _earliest(learned, logged_by, incident.received_at if field else incident.learned_at)
    for report in sorted(reports, key=lambda r: r.id):
        if report.unit_id not in position:
            continue
        _earliest(learned, report.unit_id, report.received_at)
        for unit_id in addressees(report, chain, routes or {}):
            _earliest(learned, unit_id, report.received_at)
    return learned


def known_elsewhere(incident: Incident, reports: Sequence[Report]) -> bool:
    """True when the centre holds the incident from a source other than the responsible
    unit's own report: a higher tier logged it, or a hotline, the media, a CAP feed…"""
    if incident.source != "field":
        return True
    first = min(reports, key=lambda r: r.id, default=None)
    return first is not None and first.unit_id != incident.unit_id
