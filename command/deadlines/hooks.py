"""What the incident service tells the deadline engine, inside the same transaction.

The incident log calls these at each change; the deadline engine recomputes obligations.
Call `on_level_changed` also when only the sensitive flag changes: it decides how far up
the chain reports must go, as the level does.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from command.deadlines import service
from command.deadlines.facts import missing_facts
from command.incidents.models import Incident, Report


def _check_facts(ctx: service.Context, reports: list[Report]) -> None:
    """Fill each initial report's `missing_facts` (the incident service leaves it empty)."""
    required = ctx.version.initial_facts
    for report in reports:
        report.missing_facts = missing_facts(ctx.incident, report, required)


async def on_incident_created(session: AsyncSession, *, incident: Incident, actor: str) -> None:
    ctx = await service.load_context(session, incident, actor=actor)
    _check_facts(ctx, ctx.reports)
    await service.ensure_initial(session, ctx)
    await service.ensure_followup(session, ctx)


async def on_report_received(
    session: AsyncSession, *, incident: Incident, report: Report, actor: str
) -> None:
    ctx = await service.load_context(session, incident, actor=actor)
    _check_facts(ctx, [report])
    await service.ensure_initial(session, ctx)
    await service.apply_report(session, ctx, report)
    await service.ensure_followup(session, ctx)


async def on_level_changed(
    session: AsyncSession, *, incident: Incident, old_level: str | None, actor: str
) -> None:
    ctx = await service.load_context(session, incident, actor=actor)
    await service.reclassify(session, ctx)


async def on_incident_closed(session: AsyncSession, *, incident: Incident, actor: str) -> None:
    ctx = await service.load_context(session, incident, actor=actor)
    await service.close(session, ctx)
