"""What the incident service tells the deadline engine, inside the same transaction.

The incident log calls these at each change; the deadline engine recomputes obligations.
Call `on_level_changed` also when only the sensitive flag changes: it decides how far up
the chain reports must go, as the level does. The time of each change is the incident's
own record of it: `received_at` (creation), the report's `received_at`, `updated_at`
(reclassification) and `closed_at`, all set by the incident service from the server clock.
`check_figures` (before a report, correction or PATCH changes figures: the ruleset's rules
on jumps, 补报 and 核报) and `on_figures_changed` (after a correction or PATCH changed
them: the triggers again) are the optional listener methods the incident log calls too.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from command.deadlines import actors, runtime, service
from command.deadlines.facts import missing_facts
from command.deadlines.figures import check_figures as _check_figures
from command.incidents.models import Incident, Report


def _check_facts(ctx: service.Context, reports: list[Report]) -> None:
    """Fill each initial report's `missing_facts` (the incident service leaves it empty)."""
    required = ctx.version.initial_facts
    for report in reports:
        report.missing_facts = missing_facts(ctx.incident, report, required)


async def on_incident_created(
    session: AsyncSession, *, incident: Incident, actor: str, actor_unit: int | None = None
) -> None:
    """`actor_unit`: the creator's unit id when the caller knows it (saves a query)."""
    if actor_unit is None:
        actor_unit = await actors.unit_of(session, actor)
    ctx = await service.new_incident_context(session, incident, actor=actor, actor_unit=actor_unit)
    _check_facts(ctx, ctx.reports)
    service.ensure_initial(session, ctx)
    service.ensure_followup(session, ctx)
    await service.settle(session, ctx)


async def on_report_received(
    session: AsyncSession, *, incident: Incident, report: Report, actor: str
) -> None:
    ctx = await service.load_context(session, incident, actor=actor, now=report.received_at)
    _check_facts(ctx, [report])
    # The report may have moved the figures across a trigger's threshold.
    service.refigure(session, ctx)
    service.apply_report(ctx, report)
    service.ensure_followup(session, ctx)
    await service.settle(session, ctx)


async def on_level_changed(
    session: AsyncSession, *, incident: Incident, old_level: str | None, actor: str
) -> None:
    ctx = await service.load_context(session, incident, actor=actor, now=incident.updated_at)
    service.reclassify(session, ctx)
    await service.settle(session, ctx)


async def on_incident_closed(session: AsyncSession, *, incident: Incident, actor: str) -> None:
    closed_at = incident.closed_at or incident.updated_at
    ctx = await service.load_context(session, incident, actor=actor, now=closed_at)
    service.close(session, ctx)
    await service.settle(session, ctx)


async def on_figures_changed(session: AsyncSession, *, incident: Incident, actor: str) -> None:
    """A verified correction (a commander's PATCH, a correction of a report) changed the
    figures: the triggers are evaluated again from `updated_at`."""
    ctx = await service.load_context(session, incident, actor=actor, now=incident.updated_at)
    service.refigure(session, ctx)
    service.ensure_followup(session, ctx)
    await service.settle(session, ctx)


async def check_figures(
    session: AsyncSession,
    *,
    incident: Incident,
    reports: list[Report],
    changes: dict[str, dict[str, Any]],
    explanation: str,
    now: datetime,
    field: str = "casualties",
) -> dict[str, bool]:
    """Whether the ruleset lets these figure changes in (a jump needs an explanation; 补报
    only within its window; 核报 closes a natural disaster's figures); raises Invalid or
    Conflict naming the field. Returns {"supplement": …} for the change."""
    version = runtime.ruleset_for(session).version_at(incident.learned_at)
    return _check_figures(
        version.corrections,
        incident=incident,
        reports=reports,
        changes=changes,
        explanation=explanation,
        now=now,
        field=field,
    )
