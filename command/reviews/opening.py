"""When a real incident closes, its evaluation falls due (the incident log's listener).

Called inside the incident's own transaction. The rule for the incident's level and
category names the tier that leads the evaluation and its due time from the closing
(the end of 善后处置); an exercise opens none (a drill has its own evaluation)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from command.reviews import present
from command.reviews.evaluations import prefill
from command.reviews.models import Evaluation
from command.reviews.rules import review_rules
from command.units.models import Unit
from command.units.service import chain_of

if TYPE_CHECKING:
    from command.incidents.models import Incident, Report


async def on_incident_created(
    session: AsyncSession, *, incident: Incident, actor: str, actor_unit: int | None = None
) -> None:
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
    if incident.exercise:
        return
    existing = await session.scalar(
        select(Evaluation.id).where(Evaluation.incident_id == incident.id)
    )
    if existing is not None:
        return
    evaluation = await open_evaluation(session, incident=incident)
    if evaluation.led_locally:
        await prefill(session, evaluation)
        await session.flush()
    await present.record(session, "evaluation.opened", evaluation, actor)


async def open_evaluation(session: AsyncSession, *, incident: Incident) -> Evaluation:
    rules = review_rules()
    rule = rules.rule_for(incident.level, incident.category)
    closed_at = incident.closed_at or incident.updated_at
    lead = await _lead_unit(session, incident.unit_path, rule.lead)
    local = rules.led_locally(rule.lead)
    evaluation = Evaluation(
        incident_id=incident.id,
        unit_path=incident.unit_path,
        lead_unit_id=lead.id if lead is not None else None,
        lead_tier=rule.lead,
        led_locally=local,
        rule=rule.name,
        source=rule.source,
        opened_at=closed_at,
        due_at=closed_at + rule.due,
        state="draft" if local else "external",
        group={"lead": "", "members": []},
        sections=_first_sections(incident),
        plans=[],
        recommendations=[],
        updated_at=closed_at,
        updated_by="",
    )
    session.add(evaluation)
    await session.flush()
    return evaluation


async def _lead_unit(session: AsyncSession, unit_path: str, tier: str) -> Unit | None:
    """The incident unit's nearest ancestor (or itself) at the leading tier."""
    chain = await chain_of(session, unit_path)
    return next((unit for unit in chain if unit.tier == tier), None)


def _first_sections(incident: Incident) -> dict[str, Any]:
    """What the incident log already says, as a start for the writers."""
    return {
        "course": incident.summary or "",
        "response": incident.measures or "",
        "losses": "",
    }
