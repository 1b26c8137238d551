"""Measuring a unit's year from what the system holds, through each domain's service
functions (never their tables). Each measure keeps the records behind it, so that every
computed point leads to its obligation, verdict, shift, instruction, plan or unit."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from command.assessment import readiness
from command.deadlines.faults import reporting_faults
from command.desk.undone import undone_instructions
from command.duty.absences import absences
from command.reviews.annual import evaluations_in_period
from command.units.models import Unit
from plans.coverage import coverage_table, year_end
from plans.drill_queries import drills_in_window
from plans.recurrence import Span
from plans.service import plans_in_force


@dataclass(frozen=True)
class Period:
    year: int
    start: datetime
    end: datetime
    now: datetime
    zone: Any

    @property
    def last_day(self) -> date:
        return date(self.year, 12, 31)


@dataclass
class Measure:
    counts: dict[str, int] = field(default_factory=dict)
    share: float | None = None  # None: nothing to measure (e.g. no special plan at all)
    basis: dict[str, Any] = field(default_factory=dict)
    records: list[dict[str, Any]] = field(default_factory=list)


async def _faults(session: AsyncSession, unit: Unit, period: Period) -> Measure:
    records = await reporting_faults(
        session, root_path=unit.path, start=period.start, end=period.end
    )
    return Measure(counts=dict(Counter(r["fault"] for r in records)), records=records)


async def _absences(session: AsyncSession, unit: Unit, period: Period) -> Measure:
    records = await absences(
        session, root_path=unit.path, start=period.start, end=period.end, now=period.now
    )
    for record in records:
        record["fault"] = "absence"
    return Measure(counts={"absence": len(records)}, records=records)


async def _undone(session: AsyncSession, unit: Unit, period: Period) -> Measure:
    records = await undone_instructions(
        session, root_path=unit.path, start=period.start, end=period.end, now=period.now
    )
    for record in records:
        record["fault"] = "undone"
    return Measure(counts={"undone": len(records)}, records=records)


async def _special_plans(session: AsyncSession, unit: Unit, period: Period) -> list:
    plans = await plans_in_force(session, root=unit, types=("special",))
    return [
        plan
        for plan in plans
        if plan.in_force_since is not None and plan.in_force_since <= period.last_day
    ]


async def _drilled(session: AsyncSession, unit: Unit, period: Period) -> Measure:
    plans = await _special_plans(session, unit, period)
    window = Span(period.start, min(period.end, period.now))
    drills = await drills_in_window(
        session, root_path=unit.path, window=window, zone=period.zone, statuses=["completed"]
    )
    by_plan: dict[int, list[int]] = {}
    for drill in drills:
        for plan_id in drill.plans:
            by_plan.setdefault(plan_id, []).append(drill.id)
    records = [
        {
            "type": "plan",
            "id": plan.id,
            "title": plan.title,
            "unit": plan.unit,
            "drilled": plan.id in by_plan,
            "drills": by_plan.get(plan.id, []),
        }
        for plan in plans
    ]
    drilled = sum(1 for r in records if r["drilled"])
    share = drilled / len(records) if records else None
    return Measure(share=share, basis={"plans": len(records), "drilled": drilled}, records=records)


async def _coverage(session: AsyncSession, unit: Unit, period: Period) -> Measure:
    target = year_end(period.last_day)
    table = await coverage_table(session, root=unit, target=target)
    overall = table.overall
    records = [
        {"type": "unit", "id": gap.code, "name": gap.name, "kind": gap.kind,
         "requirement": gap.requirement, "covered": False}
        for gap in overall.gaps
    ]  # fmt: skip
    for row in table.counties:
        records += [
            {"type": "unit", "id": gap.code, "name": gap.name, "kind": gap.kind,
             "requirement": gap.requirement, "covered": False}
            for gap in row.gaps
        ]  # fmt: skip
    basis = {"required": overall.required, "covered": overall.covered, "target": str(target)}
    share = overall.covered / overall.required if overall.required else None
    return Measure(share=share, basis=basis, records=records)


async def _evaluations(session: AsyncSession, unit: Unit, period: Period) -> Measure:
    """Share of the locally led evaluations due in the year that were submitted on time;
    those not due yet (on_time unknown) are left out."""
    found = await evaluations_in_period(
        session=session, root_path=unit.path, start=period.start, end=period.end
    )
    judged = [e for e in found if e["on_time"] is not None]
    records = [
        {
            "type": "evaluation",
            "id": e["id"],
            "incident": e["incident"],
            "unit": e["unit"],
            "due_at": e["due_at"].isoformat() if e["due_at"] else None,
            "submitted_at": e["submitted_at"].isoformat() if e["submitted_at"] else None,
            "on_time": e["on_time"],
        }
        for e in judged
    ]
    on_time = sum(1 for e in judged if e["on_time"])
    share = on_time / len(judged) if judged else None
    return Measure(share=share, basis={"due": len(judged), "on_time": on_time}, records=records)


async def _office(session: AsyncSession, unit: Unit, period: Period) -> Measure:
    office = (await readiness.offices_in(session, root_path=unit.path)).get(unit.id)
    checks = readiness.office_checks(office)
    records = [{"type": "office", "id": unit.code, "check": k, "met": v} for k, v in checks.items()]
    return Measure(share=sum(checks.values()) / len(checks), basis=checks, records=records)


async def _sessions(session, unit: Unit, period: Period, *, leaders: bool) -> Measure:
    found = await readiness.trainings_in(
        session, root_path=unit.path, start=period.start.date(), end=period.last_day
    )
    chosen = [t for t in found if t.kind == "training" and (t.leaders_trained > 0 or not leaders)]
    records = [
        {"type": "training", "id": t.id, "held_on": t.held_on.isoformat(), "audience": t.audience,
         "attendees": t.attendees, "leaders_trained": t.leaders_trained}
        for t in chosen
    ]  # fmt: skip
    return Measure(counts={"session": len(chosen)}, records=records)


async def _leader_trainings(session, unit: Unit, period: Period) -> Measure:
    return await _sessions(session, unit, period, leaders=True)


async def _staff_trainings(session, unit: Unit, period: Period) -> Measure:
    return await _sessions(session, unit, period, leaders=False)


MEASURES = {
    "office_readiness": _office,
    "leader_trainings": _leader_trainings,
    "staff_trainings": _staff_trainings,
    "evaluations_on_time": _evaluations,
    "reporting_faults": _faults,
    "duty_absences": _absences,
    "instructions_undone": _undone,
    "special_plans_drilled": _drilled,
    "plan_coverage": _coverage,
}


async def measure(session: AsyncSession, metric: str, unit: Unit, period: Period) -> Measure:
    return await MEASURES[metric](session, unit, period)
