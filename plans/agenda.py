"""What falls due in a subtree: reviews, drills and filings (GET /api/plans/due, the wall)."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from plans import service, versions
from plans.due import filings_due, plans_due
from plans.schemas import DueItem, DueList

DUE_COLUMNS = (("reviews", "review_due"), ("drills", "next_drill_due"))


async def due_list(
    session: AsyncSession, *, root_path: str, today: date, until: date, limit: int | None = None
) -> DueList:
    lists: dict[str, list[DueItem]] = {}
    for name, column in DUE_COLUMNS:
        rows = await plans_due(
            session, root_path=root_path, column=column, until=until, limit=limit
        )
        lists[name] = [
            DueItem(
                plan=service.to_out(plan, unit),
                due_on=getattr(plan, column),
                overdue=getattr(plan, column) < today,
            )
            for plan, unit in rows
        ]
    filings = [
        await versions.filing_view(session, filing, today)
        for filing, _ in (await filings_due(session, root_path=root_path, until=until))[:limit]
    ]
    return DueList(as_of=today, until=until, filings=filings, **lists)
