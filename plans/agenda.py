"""What falls due in a subtree: reviews, drills and filings (GET /api/plans/due, the wall)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from plans import service, versions
from plans.due import due_window, filings_due, plans_due
from plans.models import Plan
from plans.schemas import DueItem, DueList

DUE_COLUMNS = (("reviews", "review_due"), ("drills", "next_drill_due"))


async def due_list(
    session: AsyncSession,
    *,
    root_path: str,
    today: date,
    until: date,
    limit: int | None = None,
    plan_id: int | None = None,
) -> DueList:
    lists: dict[str, list[DueItem]] = {}
    for name, column in DUE_COLUMNS:
        rows = await plans_due(
            session, root_path=root_path, column=column, until=until, limit=limit, plan_id=plan_id
        )
        lists[name] = [
            DueItem(
                plan=service.to_out(plan, unit),
                due_on=getattr(plan, column),
                overdue=getattr(plan, column) < today,
            )
            for plan, unit in rows
        ]
    due = await filings_due(session, root_path=root_path, until=until, plan_id=plan_id)
    filings = [await versions.filing_view(session, filing, today) for filing, _ in due[:limit]]
    return DueList(as_of=today, until=until, filings=filings, **lists)


def due_items(due: DueList) -> list[dict[str, Any]]:
    """The wall's items of a due list: {"kind": "due", "due": "review" | "drill" | "filing",
    "due_on", "overdue", …} with the plan (reviews, drills) or the filing (filings)."""
    items = []
    for name, reason in (("reviews", "review"), ("drills", "drill")):
        for item in getattr(due, name):
            items.append({"kind": "due", "due": reason, **item.model_dump(mode="json")})
    for filing in due.filings:
        items.append(
            {
                "kind": "due",
                "due": "filing",
                "due_on": filing.due_on.isoformat(),
                "overdue": filing.status == "overdue",
                "filing": filing.model_dump(mode="json"),
            }
        )
    return items


async def due_items_of(session: AsyncSession, plan: Plan, *, today: date) -> list[dict[str, Any]]:
    """What of one plan is in the wall's due list now (none once nothing falls due)."""
    due = await due_list(
        session,
        root_path=plan.unit_path,
        today=today,
        until=due_window(today, None),
        plan_id=plan.id,
    )
    return due_items(due)
