"""Review and drill due dates of plans, from the rules data, and the lists of what is due."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from command.db import utcnow
from command.units.models import Unit
from plans.models import EFFECTIVE_STATUSES, Plan, PlanFiling
from plans.rules import PlanRules, load_rules


def local_today(zone: ZoneInfo, now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(zone).date()


def _latest(*days: date | None) -> date | None:
    known = [d for d in days if d is not None]
    return max(known) if known else None


def refresh_due_dates(plan: Plan, rules: PlanRules | None = None) -> None:
    """Recompute review_due and next_drill_due from the plan's facts and the rules.

    Reviews run from the later of the current version and the last review; drills from
    the later of the first day in force and the last drill. Plans not in force owe nothing.
    """
    rules = rules or load_rules()
    if plan.status not in EFFECTIVE_STATUSES or plan.in_force_since is None:
        plan.review_due = plan.next_drill_due = None
        return
    review_from = _latest(plan.current_since, plan.in_force_since, plan.last_reviewed_on)
    plan.review_due = review_from + relativedelta(months=rules.review_every_months(plan.type))
    months = rules.drill_every_months(plan.type, high_risk=plan.high_risk)
    drill_from = _latest(plan.in_force_since, plan.last_drilled_on)
    plan.next_drill_due = None if months is None else drill_from + relativedelta(months=months)


def due_window(today: date, days: int | None) -> date:
    return today + timedelta(days=load_rules().due.window_days if days is None else days)


async def plans_due(
    session: AsyncSession,
    *,
    root_path: str,
    column: str,
    until: date,
    limit: int | None = None,
    plan_id: int | None = None,
) -> list[tuple[Plan, Unit]]:
    """Plans of the subtree (or the one plan) whose `review_due` or `next_drill_due` falls
    on or before `until`."""
    due = getattr(Plan, column)
    query = (
        select(Plan, Unit)
        .join(Unit, Unit.id == Plan.unit_id)
        .where(Plan.unit_path.startswith(root_path, autoescape=True), due <= until)
        .where(Plan.status.in_(EFFECTIVE_STATUSES))
        .order_by(due, Plan.id)
        .limit(limit)
    )
    if plan_id is not None:
        query = query.where(Plan.id == plan_id)
    return [(plan, unit) for plan, unit in (await session.execute(query)).all()]


async def filings_due(
    session: AsyncSession, *, root_path: str, until: date, plan_id: int | None = None
) -> list[tuple[PlanFiling, Plan]]:
    query = (
        select(PlanFiling, Plan)
        .join(Plan, Plan.id == PlanFiling.plan_id)
        .where(Plan.unit_path.startswith(root_path, autoescape=True))
        .where(PlanFiling.filed_on.is_(None), PlanFiling.due_on <= until)
        .where(Plan.status != "retired")
        .order_by(PlanFiling.due_on, PlanFiling.id)
    )
    if plan_id is not None:
        query = query.where(Plan.id == plan_id)
    return [(filing, plan) for filing, plan in (await session.execute(query)).all()]
