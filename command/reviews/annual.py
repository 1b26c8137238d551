"""The annual review of last year's incidents (每年对上一年度突发事件进行总结评估) and the
evaluations falling due in a period: what the year-end assessment reads.

Stable entry points (the assessment domain calls them):
- `evaluations_in_period(session=…, root_path=…, start=…, end=…)`
- `annual_review(session=…, root_path=…, year=…)`
Exercise incidents never count.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from command.config import settings_of
from command.db import utcnow
from command.deadlines.compliance import compliance_rows
from command.incidents.queries import incidents_occurred
from command.reviews.models import CorrectiveAction, Evaluation
from command.reviews.present import evaluation_views, on_time
from command.units.service import get_unit
from command.vocabulary import CATEGORIES, LEVELS

FIGURES = ("dead", "missing", "injured", "affected")


def _in_subtree(column: Any, root_path: str) -> Any:
    return column.startswith(root_path, autoescape=True)


async def evaluations_in_period(
    *, session: AsyncSession, root_path: str, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """Each evaluation of the subtree's incidents whose due time falls in [start, end),
    due soonest first: id, incident, unit and unit_path (the incident's), lead_unit,
    led_locally, due_at, submitted_at, accepted_at, state and on_time (submitted by its
    due time; None while not known, or when it is not the city's to do)."""
    rows = await session.scalars(
        select(Evaluation)
        .where(_in_subtree(Evaluation.unit_path, root_path))
        .where(Evaluation.due_at >= start, Evaluation.due_at < end)
        .order_by(Evaluation.due_at, Evaluation.id)
    )
    evaluations = list(rows)
    views = await evaluation_views(session, evaluations)
    return [
        {
            "id": view["id"],
            "incident": view["incident"],
            "unit": view["unit"],
            "unit_path": evaluation.unit_path,
            "lead_unit": view["lead_unit"],
            "led_locally": evaluation.led_locally,
            "due_at": evaluation.due_at,
            "submitted_at": evaluation.submitted_at,
            "accepted_at": evaluation.accepted_at,
            "state": evaluation.state,
            "on_time": on_time(evaluation),
            "overdue": view["overdue"],
        }
        for evaluation, view in zip(evaluations, views, strict=True)
    ]


def year_window(session: AsyncSession, year: int) -> tuple[datetime, datetime]:
    """1 January to 1 January in the deployment's zone."""
    zone = settings_of(session).zone
    return datetime(year, 1, 1, tzinfo=zone), datetime(year + 1, 1, 1, tzinfo=zone)


def _incident_counts(incidents: list[Any], zone: Any) -> dict[str, Any]:
    by_category = Counter(i.category for i in incidents)
    by_level = Counter(i.level or "none" for i in incidents)
    by_month = Counter(i.occurred_at.astimezone(zone).month for i in incidents)
    return {
        "total": len(incidents),
        "by_category": {c: by_category.get(c, 0) for c in CATEGORIES},
        "by_level": {lv: by_level.get(lv, 0) for lv in (*LEVELS, "none")},
        "by_month": {str(m): by_month.get(m, 0) for m in range(1, 13)},
        "casualties": {f: sum(getattr(i, f) or 0 for i in incidents) for f in FIGURES},
        "loss": round(sum(i.loss or 0.0 for i in incidents), 2),
    }


async def _reporting(
    session: AsyncSession, root_path: str, start: datetime, end: datetime
) -> dict[str, Any]:
    root = await get_unit(session, root_path.strip("/").split("/")[-1])
    now = utcnow()
    rows = []
    if start < now:
        rows = await compliance_rows(session, root=root, start=start, end=min(end, now), now=now)
    totals = {k: sum(r[k] for r in rows) for k in ("obligations", "on_time", "late", "missed")}
    judged = totals["obligations"]
    totals["on_time_rate"] = totals["on_time"] / judged if judged else None
    return totals


def _evaluation_counts(evaluations: list[dict[str, Any]]) -> dict[str, int]:
    local = [e for e in evaluations if e["led_locally"]]
    return {
        "due": len(local),
        "not_led_by_city": len(evaluations) - len(local),
        "submitted": sum(1 for e in local if e["submitted_at"] is not None),
        "accepted": sum(1 for e in local if e["state"] == "accepted"),
        "on_time": sum(1 for e in local if e["on_time"] is True),
        "late": sum(1 for e in local if e["on_time"] is False),
        "overdue": sum(1 for e in local if e["overdue"]),
    }


async def _action_counts(session: AsyncSession, evaluation_ids: list[int]) -> dict[str, int]:
    counts = {"total": 0, "open": 0, "done": 0, "verified": 0, "overdue": 0, "closed": 0}
    if not evaluation_ids:
        return counts
    rows = await session.execute(
        select(CorrectiveAction.state, CorrectiveAction.overdue_at.is_not(None), func.count())
        .where(CorrectiveAction.evaluation_id.in_(evaluation_ids))
        .group_by(CorrectiveAction.state, CorrectiveAction.overdue_at.is_not(None))
    )
    for state, was_overdue, number in rows.all():
        counts["total"] += number
        counts[state] += number
        if was_overdue:
            counts["overdue"] += number
    counts["closed"] = counts["done"] + counts["verified"]
    return counts


async def annual_review(*, session: AsyncSession, root_path: str, year: int) -> dict[str, Any]:
    """The year's real incidents of the subtree: counts by category, level and month,
    casualties and losses; on-time reporting of their links; the evaluations falling due
    in the year and the corrective actions they opened."""
    start, end = year_window(session, year)
    zone = settings_of(session).zone
    incidents = await incidents_occurred(session=session, root_path=root_path, start=start, end=end)
    evaluations = await evaluations_in_period(
        session=session, root_path=root_path, start=start, end=end
    )
    return {
        "year": year,
        "unit": root_path.strip("/").split("/")[-1],
        "from": start.isoformat(),
        "to": end.isoformat(),
        "incidents": _incident_counts(incidents, zone),
        "reporting": await _reporting(session, root_path, start, end),
        "evaluations": _evaluation_counts(evaluations),
        "actions": await _action_counts(session, [e["id"] for e in evaluations]),
    }
