"""The current state of the 'plans' and 'drills' topics, for screens that connect.

plans: one {"kind": "coverage"} item for the subtree (scope "overall") and one per county
(scope "county"), then {"kind": "due"} items: plans whose review or drill falls due within
the rules' window (or is overdue) and versions whose filing does.
drills: the subtree's drills with an occurrence this week (Monday to Sunday, local time),
each the drill as the API shows it plus its `occurrences` this week and `today`.
"""

from __future__ import annotations

import os
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from command.db import utcnow
from command.units.models import Unit
from plans import agenda, coverage
from plans.drill_queries import drills_in_window
from plans.due import due_window
from plans.recurrence import Span
from plans.rules import load_rules


def _zone(zone: ZoneInfo | None) -> ZoneInfo:
    return zone or ZoneInfo(os.environ.get("WATCHFLOOR_TIMEZONE") or "Asia/Shanghai")


async def _root(session: AsyncSession, unit_path: str) -> Unit | None:
    return await session.scalar(select(Unit).where(Unit.path == unit_path))


def _coverage_items(table: Any) -> list[dict[str, Any]]:
    target = table.target.isoformat()
    rows = [("overall", table.overall), *(("county", row) for row in table.counties)]
    return [
        {"kind": "coverage", "scope": scope, "target": target, **row.model_dump(mode="json")}
        for scope, row in rows
    ]


def _due_items(due: Any) -> list[dict[str, Any]]:
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


async def plans(
    *,
    session: AsyncSession,
    unit_path: str,
    zone: ZoneInfo | None = None,
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    root = await _root(session, unit_path)
    if root is None:
        return []
    today = (now or utcnow()).astimezone(_zone(zone)).date()
    table = await coverage.coverage_table(session, root=root, target=coverage.year_end(today))
    due = await agenda.due_list(
        session,
        root_path=unit_path,
        today=today,
        until=due_window(today, None),
        limit=load_rules().due.snapshot_limit,
    )
    return _coverage_items(table) + _due_items(due)


def _week(now: datetime, zone: ZoneInfo) -> tuple[Span, Span]:
    local = now.astimezone(zone)
    midnight = datetime.combine(local.date(), time(0), tzinfo=zone)
    monday = midnight - timedelta(days=local.weekday())
    return Span(monday, monday + timedelta(days=7)), Span(midnight, midnight + timedelta(days=1))


async def drills(
    *,
    session: AsyncSession,
    unit_path: str,
    zone: ZoneInfo | None = None,
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    week, today = _week(now or utcnow(), _zone(zone))
    found = await drills_in_window(session, root_path=unit_path, window=week, zone=_zone(zone))
    items = []
    for out in found:
        spans = [Span(o.starts_at, o.ends_at) for o in out.occurrences or []]
        items.append(
            {**out.model_dump(mode="json"), "today": any(span.overlaps(today) for span in spans)}
        )
    return items
