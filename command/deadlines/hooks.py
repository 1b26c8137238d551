"""What the incident service tells the deadline engine, inside the same transaction.

The incident log calls these at each change; the deadline engine recomputes obligations.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from command.incidents.models import Incident, Report


async def on_incident_created(session: AsyncSession, *, incident: Incident, actor: str) -> None:
    return None


async def on_report_received(
    session: AsyncSession, *, incident: Incident, report: Report, actor: str
) -> None:
    return None


async def on_level_changed(
    session: AsyncSession, *, incident: Incident, old_level: str | None, actor: str
) -> None:
    return None


async def on_incident_closed(session: AsyncSession, *, incident: Incident, actor: str) -> None:
    return None
