"""The current state of the 'plans' and 'drills' topics, for screens that connect.

plans: one {"kind": "coverage"} item for the subtree (scope "overall") and one per county
(scope "county"), then {"kind": "due"} items: plans whose review or drill falls due within
the rules' window (or is overdue) and versions whose filing does.
drills: the subtree's drills with an occurrence this week (Monday to Sunday, local time),
each the drill as the API shows it plus its `occurrences` this week and `today`.
Local time is the deployment's zone (`settings.zone`). The events of both topics carry
the same items (plans/service.py, plans/coverage.py, plans/drills.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from command.config import Settings
from command.db import utcnow
from command.units.models import Unit
from plans import agenda, coverage
from plans.drill_queries import drills_in_window, week_item, week_of
from plans.due import due_window
from plans.rules import load_rules


async def _root(session: AsyncSession, unit_path: str) -> Unit | None:
    return await session.scalar(select(Unit).where(Unit.path == unit_path))


def _coverage_items(table: Any) -> list[dict[str, Any]]:
    target = table.target.isoformat()
    rows = [("overall", table.overall), *(("county", row) for row in table.counties)]
    return [
        {"kind": "coverage", "scope": scope, "target": target, **row.model_dump(mode="json")}
        for scope, row in rows
    ]


async def plans(
    *,
    session: AsyncSession,
    unit_path: str,
    settings: Settings,
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    root = await _root(session, unit_path)
    if root is None:
        return []
    today = (now or utcnow()).astimezone(settings.zone).date()
    table = await coverage.coverage_table(session, root=root, target=coverage.year_end(today))
    due = await agenda.due_list(
        session,
        root_path=unit_path,
        today=today,
        until=due_window(today, None),
        limit=load_rules().due.snapshot_limit,
    )
    return _coverage_items(table) + agenda.due_items(due)


async def drills(
    *,
    session: AsyncSession,
    unit_path: str,
    settings: Settings,
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    zone = settings.zone
    week, today = week_of(now or utcnow(), zone)
    found = await drills_in_window(session, root_path=unit_path, window=week, zone=zone)
    return [week_item(out, today) for out in found]
