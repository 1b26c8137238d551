"""Plan coverage: which units that must have a plan have none in force by a target date.

Which units must have one, and which plan types satisfy them, is data
(plans/rules.toml [coverage]). A unit is covered when it owns a plan of a satisfying type
that is in force (or in force and under revision) since the target date or earlier.
Counted per county-level area and overall; a change of coverage is an event for the wall.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from command.config import settings_of
from command.events import record_event
from command.units.models import Unit
from plans.due import local_today
from plans.models import EFFECTIVE_STATUSES, Plan
from plans.rules import Requirement, load_rules
from plans.schemas import CoverageOut, CoverageRow, Gap, RequirementCount


def deployment_zone(session: AsyncSession) -> ZoneInfo:
    return settings_of(session).zone


def year_end(today: date) -> date:
    """The coverage target date of today's year (plans/rules.toml [coverage] target)."""
    return load_rules().coverage.target_in(today.year)


def requirement_for(unit: Unit) -> Requirement | None:
    for requirement in load_rules().coverage.required:
        if requirement.applies_to(unit.kind, unit.tier):
            return requirement
    return None


@dataclass
class _Tally:
    required: dict[str, int]
    covered: dict[str, int]
    gaps: list[Gap]

    @classmethod
    def empty(cls) -> _Tally:
        return cls(defaultdict(int), defaultdict(int), [])

    def add(self, unit: Unit, requirement: Requirement, covered: bool) -> None:
        self.required[requirement.name] += 1
        self.covered[requirement.name] += covered
        if not covered:
            self.gaps.append(
                Gap(
                    code=unit.code,
                    name=unit.name,
                    kind=unit.kind,
                    tier=unit.tier,
                    requirement=requirement.name,
                )
            )

    def merge(self, other: _Tally) -> None:
        for name, count in other.required.items():
            self.required[name] += count
        for name, count in other.covered.items():
            self.covered[name] += count

    def row(self, code: str | None, name: str) -> CoverageRow:
        required, covered = sum(self.required.values()), sum(self.covered.values())
        counts = [
            RequirementCount(
                name=r.name,
                label=r.label,
                required=self.required[r.name],
                covered=self.covered[r.name],
            )
            for r in load_rules().coverage.required
        ]
        return CoverageRow(
            code=code,
            name=name,
            required=required,
            covered=covered,
            missing=required - covered,
            rate=round(covered / required, 4) if required else 1.0,
            requirements=counts,
            gaps=self.gaps,
        )


async def _required_units(session: AsyncSession, root: Unit) -> list[tuple[Unit, Requirement]]:
    kinds = {kind for r in load_rules().coverage.required for kind in r.kinds}
    query = (
        select(Unit)
        .where(Unit.path.startswith(root.path, autoescape=True), Unit.kind.in_(kinds))
        .order_by(Unit.path)
    )
    found = []
    for unit in (await session.scalars(query)).all():
        if (requirement := requirement_for(unit)) is not None:
            found.append((unit, requirement))
    return found


async def _covered(session: AsyncSession, root: Unit, target: date) -> set[tuple[int, str]]:
    """(unit id, plan type) of every plan of the subtree in force by the target date."""
    query = select(Plan.unit_id, Plan.type).where(
        Plan.unit_path.startswith(root.path, autoescape=True),
        Plan.status.in_(EFFECTIVE_STATUSES),
        Plan.in_force_since <= target,
    )
    return {(unit_id, kind) for unit_id, kind in (await session.execute(query)).all()}


async def _counties(session: AsyncSession, root: Unit) -> dict[str, Unit]:
    """County-level areas in the subtree or above its root, by code."""
    area_kinds = load_rules().filing.area_kinds
    inside = Unit.path.startswith(root.path, autoescape=True)
    above = Unit.code.in_(root.path.strip("/").split("/"))
    query = select(Unit).where(Unit.tier == "county", Unit.kind.in_(area_kinds), inside | above)
    return {unit.code: unit for unit in (await session.scalars(query)).all()}


def _county_of(unit: Unit, counties: dict[str, Unit]) -> Unit | None:
    for code in unit.path.strip("/").split("/"):
        if code in counties:
            return counties[code]
    return None


async def coverage_table(session: AsyncSession, *, root: Unit, target: date) -> CoverageOut:
    covered = await _covered(session, root, target)
    counties = await _counties(session, root)
    per_county: dict[str, _Tally] = {code: _Tally.empty() for code in sorted(counties)}
    outside = _Tally.empty()
    for unit, requirement in await _required_units(session, root):
        is_covered = any((unit.id, kind) in covered for kind in requirement.types)
        county = _county_of(unit, counties)
        (per_county[county.code] if county else outside).add(unit, requirement, is_covered)
    overall = _Tally.empty()
    overall.merge(outside)
    overall.gaps = outside.gaps
    for tally in per_county.values():
        overall.merge(tally)
    rows = [tally.row(code, counties[code].name) for code, tally in per_county.items()]
    return CoverageOut(target=target, overall=overall.row(None, root.name), counties=rows)


_TOTAL = {"name", "required", "covered", "missing", "rate"}


async def totals_above(session: AsyncSession, *, area: Unit, target: date) -> list[dict]:
    """The overall coverage of the area's subtree and of each unit above it, top first:
    every screen that receives the area's event (the area's and those above) finds the
    rate it shows under its own unit code."""
    codes = area.path.strip("/").split("/")
    above = (await session.scalars(select(Unit).where(Unit.code.in_(codes)))).all()
    names = {unit.code: unit.name for unit in above}
    top = next(unit for unit in above if unit.code == codes[0])
    covered = await _covered(session, top, target)
    tallies = {code: _Tally.empty() for code in codes}
    for unit, requirement in await _required_units(session, top):
        is_covered = any((unit.id, kind) in covered for kind in requirement.types)
        for code in unit.path.strip("/").split("/"):
            if code in tallies:
                tallies[code].add(unit, requirement, is_covered)
    return [
        {
            "unit": code,
            **tallies[code].row(code, names[code]).model_dump(mode="json", include=_TOTAL),
        }
        for code in codes
    ]


async def record_change(session: AsyncSession, *, unit: Unit, actor: str) -> None:
    """After a plan of `unit` entered or left force: the unit's county row, for the wall."""
    if requirement_for(unit) is None:
        return
    counties = await _counties(session, unit)
    area = _county_of(unit, counties) or unit
    target = year_end(local_today(deployment_zone(session)))
    table = await coverage_table(session, root=area, target=target)
    row = table.counties[0] if table.counties else table.overall
    payload = {
        "target": target.isoformat(),
        **row.model_dump(mode="json"),
        "totals": await totals_above(session, area=area, target=target),
    }
    record_event(
        session,
        topic="plans",
        kind="plan.coverage",
        entity=f"coverage:{area.code}",
        unit_path=area.path,
        payload=payload,
        actor=actor,
    )
