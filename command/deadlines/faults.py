"""A subtree's reporting faults in a period, one record each: the late (迟报) and missed
(漏报) obligations and the confirmed 谎报 and 瞒报 verdicts, counted as the compliance
table counts them (real incidents only; obligations by due time, verdicts by when their
incident was learned of). The year-end assessment scores these and links each to its
incident."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from command.deadlines.models import Obligation, Verdict
from command.incidents.models import Incident
from command.units.models import Unit

VERDICT_FAULTS = {"false_report": "false_report", "concealment": "concealed"}


async def reporting_faults(
    session: AsyncSession, *, root_path: str, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """Records of kind late, missed, false_report or concealed, oldest first."""
    return [
        *await _obligation_faults(session, root_path, start, end),
        *await _verdict_faults(session, root_path, start, end),
    ]


async def _obligation_faults(session, root_path, start, end) -> list[dict[str, Any]]:
    rows = await session.execute(
        select(Obligation, Unit.code, Incident.title)
        .join(Unit, Unit.id == Obligation.unit_id)
        .join(Incident, Incident.id == Obligation.incident_id)
        .where(Obligation.unit_path.startswith(root_path, autoescape=True))
        .where(Obligation.due_at >= start, Obligation.due_at < end)
        .where(Obligation.withdrawn_at.is_(None), Obligation.exercise.is_(False))
        .where(Obligation.state.in_(("late", "missed")))
        .order_by(Obligation.due_at, Obligation.id)
    )
    return [
        {
            "type": "obligation",
            "id": ob.id,
            "fault": ob.state,
            "incident": ob.incident_id,
            "incident_title": title,
            "unit": code,
            "report_kind": ob.kind,
            "due_at": ob.due_at.isoformat(),
            "met_at": ob.met_at.isoformat() if ob.met_at else None,
        }
        for ob, code, title in rows.all()
    ]


async def _verdict_faults(session, root_path, start, end) -> list[dict[str, Any]]:
    rows = await session.execute(
        select(Verdict, Unit.code, Incident.title)
        .join(Unit, Unit.id == Verdict.unit_id)
        .join(Incident, Incident.id == Verdict.incident_id)
        .where(Verdict.unit_path.startswith(root_path, autoescape=True))
        .where(Verdict.state == "confirmed", Verdict.kind.in_(tuple(VERDICT_FAULTS)))
        .where(Incident.learned_at >= start, Incident.learned_at < end)
        .where(Incident.exercise.is_(False))
        .order_by(Verdict.id)
    )
    return [
        {
            "type": "verdict",
            "id": verdict.id,
            "fault": VERDICT_FAULTS[verdict.kind],
            "incident": verdict.incident_id,
            "incident_title": title,
            "unit": code,
            "reason": verdict.reason,
        }
        for verdict, code, title in rows.all()
    ]
