"""Demo plans and drills of 黑河市 (data in plans/demo.toml), loaded once, in bulk.

Plans are inserted in bulk with dates spread over the last four years, so that some
reviews and drills are overdue and some fall due soon; a few grassroots and enterprise
plans leave coverage gaps. Drills go through the drill service (conflict checks, events)
around the moment of loading: one in progress, some today and this week, a recurring one,
a postponed one and a completed one whose evaluation opened a revision task.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from command.config import settings_of
from command.units.models import Unit
from command.vocabulary import CATEGORIES, LEVELS
from plans import coverage
from plans.clock import Clock
from plans.demo_drills import load_drills
from plans.due import refresh_due_dates
from plans.models import Plan, PlanFiling, PlanVersion, RevisionTask
from plans.rules import load_rules
from plans.workdays import add_working_days

DATA = Path(__file__).parent / "demo.toml"
CITY = "231100"
ACTOR = "system:demo"
REVISION_REASON = "辖区风险评估结果变化，需修订预案"


@dataclass(frozen=True)
class PlanSpec:
    owner: str
    type: str
    title: str
    categories: tuple[str, ...]
    levels: tuple[str, ...] = LEVELS
    months: int | None = None
    high_risk: bool = False


def _hq_topic(name: str) -> str:
    return (
        name.removeprefix("黑河市")
        .removesuffix("应急指挥部")
        .removesuffix("指挥部")
        .removesuffix("委员会")
    )


def _city_specs(data: dict[str, Any], units: dict[str, Unit]) -> list[PlanSpec]:
    specs = [PlanSpec(CITY, "overall", "黑河市突发事件总体应急预案", CATEGORIES)]
    for index, category in enumerate(data["hq_categories"], start=1):
        hq = units[f"{CITY}.ZH{index:02d}"]
        title = f"黑河市{_hq_topic(hq.name)}应急预案"
        specs.append(PlanSpec(hq.code, "special", title, (category,)))
    for index, topics in enumerate(data["department_topics"], start=1):
        department = units[f"{CITY}.BM{index:02d}"]
        category = data["department_categories"][index - 1]
        for topic in topics:
            title = f"{department.name}{topic}应急预案"
            specs.append(PlanSpec(department.code, "department", title, (category,), ("III", "IV")))
    return specs


def _county_specs(data: dict[str, Any], units: dict[str, Unit], county: Unit) -> list[PlanSpec]:
    specs = [PlanSpec(county.code, "overall", f"{county.name}突发事件总体应急预案", CATEGORIES)]
    for index, category in enumerate(data["hq_categories"], start=1):
        topic = _hq_topic(units[f"{CITY}.ZH{index:02d}"].name)
        specs.append(PlanSpec(county.code, "special", f"{county.name}{topic}应急预案", (category,)))
    pairs = zip(data["county_department_topics"], data["county_department_categories"], strict=True)
    for topic, category in pairs:
        title = f"{county.name}{topic}应急预案"
        specs.append(
            PlanSpec(f"{county.code}.YJB", "department", title, (category,), ("III", "IV"))
        )
    return specs


def plan_specs(data: dict[str, Any], units: dict[str, Unit]) -> list[PlanSpec]:
    counties = sorted(
        (u for u in units.values() if u.tier == "county" and u.kind == "area"), key=lambda u: u.code
    )
    specs = _city_specs(data, units)
    for county in counties:
        specs += _county_specs(data, units, county)
    for extra in data["aihui_extra"]:
        specs.append(
            PlanSpec(extra["owner"], extra["type"], extra["title"], tuple(extra["categories"]))
        )
    for member in data["member_plans"]:
        owner = units[member["owner"]]
        title = f"{owner.name}{'综合应急预案' if member['type'] == 'enterprise' else '应急预案'}"
        specs.append(
            PlanSpec(
                owner.code,
                member["type"],
                title,
                CATEGORIES,
                ("IV",),
                member["months"],
                member.get("high_risk", False),
            )
        )
    return specs


def _status(index: int, spec: PlanSpec) -> str:
    if spec.months is not None:
        return "in_force"
    if index % 37 == 7:
        return "draft"
    return "under_revision" if index % 23 == 5 else "in_force"


def _plan_row(index: int, spec: PlanSpec, unit: Unit, today: date, clock: Clock) -> Plan:
    months = spec.months if spec.months is not None else 3 + (index * 7) % 44
    since = today - relativedelta(months=months)
    status = _status(index, spec)
    plan = Plan(
        title=spec.title, type=spec.type, unit_id=unit.id, unit_path=unit.path, status=status,
        categories=list(spec.categories), incident_types=[], levels=list(spec.levels),
        high_risk=spec.high_risk, version=0 if status == "draft" else 1,
        in_force_since=None if status == "draft" else since,
        current_since=None if status == "draft" else since,
        created_by=ACTOR, created_at=clock.now, updated_at=clock.now,
    )  # fmt: skip
    if status != "draft" and months > 12:
        if index % 5:
            drilled = today - relativedelta(months=(index * 11) % 40)
            plan.last_drilled_on = max(drilled, since)
        if index % 4 == 0 and months > 30:
            plan.last_reviewed_on = since + relativedelta(months=30)
    refresh_due_dates(plan)
    return plan


def _version_row(plan: Plan, owner: Unit, today: date, clock: Clock) -> PlanVersion:
    assert plan.current_since is not None
    issued = min(plan.current_since, today)
    return PlanVersion(
        plan_id=plan.id, number=1, issued_on=issued, effective_on=plan.current_since,
        change_summary="首次发布", approved_by=f"{owner.name}人民政府办公室",
        text=f"{plan.title}\n\n（演示文本）", created_by=ACTOR, created_at=clock.now,
    )  # fmt: skip


def _filing_row(index: int, version: PlanVersion, owner: Unit, units: dict[str, Unit]):
    area_kinds = load_rules().filing.area_kinds
    above = next((units[c] for c in owner.ancestor_codes if units[c].kind in area_kinds), None)
    deadline = add_working_days(version.issued_on, load_rules().filing.working_days)
    filed = None if index % 29 == 3 else version.issued_on + timedelta(days=5 + index % 30)
    return PlanFiling(
        plan_id=version.plan_id, version_id=version.id, unit_path=owner.path,
        filed_with_id=above.id if above else None, issued_on=version.issued_on,
        due_on=deadline.due, provisional=deadline.provisional, filed_on=filed,
        reference=f"黑应急备〔{version.issued_on.year}〕{index + 1}号" if filed else "",
        filed_by=ACTOR if filed else None,
    )  # fmt: skip


async def _insert_plans(
    session: AsyncSession, specs: list[PlanSpec], units: dict[str, Unit], clock: Clock
) -> list[Plan]:
    today = clock.today
    plans = [_plan_row(i, s, units[s.owner], today, clock) for i, s in enumerate(specs)]
    session.add_all(plans)
    await session.flush()
    issued = [(i, p) for i, p in enumerate(plans) if p.status != "draft"]
    versions = [_version_row(p, units[specs[i].owner], today, clock) for i, p in issued]
    session.add_all(versions)
    await session.flush()
    session.add_all(
        _filing_row(i, v, units[specs[i].owner], units)
        for (i, _), v in zip(issued, versions, strict=True)
    )
    session.add_all(
        RevisionTask(plan_id=p.id, trigger="risk_changed", reason=REVISION_REASON,
                     status="open", opened_by=ACTOR, opened_at=clock.now)
        for p in plans if p.status == "under_revision"
    )  # fmt: skip
    await session.flush()
    return plans


async def _coverage_events(session: AsyncSession, units: dict[str, Unit]) -> None:
    """One coverage event per county, so that wall displays start from the demo's counts."""
    for county in sorted(c for c, u in units.items() if u.tier == "county" and u.kind == "area"):
        first_township = units.get(f"{county}001")
        if first_township is not None:
            await coverage.record_change(session, unit=first_township, actor=ACTOR)


async def load(session: AsyncSession) -> None:
    """Load the demo plans and drills once; a second call changes nothing."""
    if await session.scalar(select(Plan.id).where(Plan.created_by == ACTOR).limit(1)):
        return
    data = tomllib.loads(DATA.read_text(encoding="utf-8"))
    units = {u.code: u for u in (await session.scalars(select(Unit))).all()}
    clock = Clock.of(settings_of(session))
    specs = plan_specs(data, units)
    plans = await _insert_plans(session, specs, units, clock)
    await _coverage_events(session, units)
    by_title = {plan.title: plan for plan in plans}
    await load_drills(session, plans=by_title, units=units, clock=clock, actor=ACTOR)
