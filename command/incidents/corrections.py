"""Corrections (更正) of reports: by the report's own unit, or by the centre (a commander
of a unit above it). A correction names the fields it changes (kept as old → new) and
its reason; the report takes the new values, and the corrected figures become the
incident's current figures (the latest statement, like a report's). The rules on figures
(a jump needs an explanation, 补报 within the statutory window, 核报 closes a natural
disaster's figures) apply as to a report. A commander may mark a correction 误报 (an
honest error): a verdict of the deadlines domain (POST /api/incidents/{id}/verdicts).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from command.auth.guard import ensure_sees
from command.auth.service import Principal
from command.db import utcnow
from command.errors import Forbidden, Invalid, NotFound
from command.events import record_event
from command.incidents import reporting
from command.incidents.models import Correction, Report
from command.incidents.queries import TOPIC, entity_key, locked_incident
from command.incidents.schemas import CorrectionIn
from command.incidents.shapes import (
    correction_dict,
    incident_event_dict,
    report_dict,
)

FIGURES = ("dead", "missing", "injured", "affected", "loss")
TEXTS = ("summary", "measures", "scope", "development", "leaders")
MAX_ID = 2**63 - 1


def _values(data: CorrectionIn) -> dict[str, Any]:
    """The new values the correction gives (fields left out keep theirs)."""
    values: dict[str, Any] = {}
    if data.casualties is not None:
        for name in ("dead", "missing", "injured"):
            value = getattr(data.casualties, name)
            if value is not None:
                values[name] = value
    for name in ("affected", "loss", *TEXTS):
        value = getattr(data, name)
        if value is not None:
            values[name] = value
    return values


def _rights(principal: Principal, report: Report) -> bool:
    """True when the centre corrects a unit's report; a unit corrects its own."""
    if report.unit_id == principal.unit_id:
        return False
    if not principal.can("incidents.manage"):
        raise Forbidden(
            f"a {principal.role} corrects only its own unit's reports ({principal.unit_code})"
        )
    ensure_sees(principal, report.unit_path, f"report {report.id}")
    return True


async def correct_report(
    *,
    session: AsyncSession,
    incident_id: int,
    report_id: int,
    data: CorrectionIn,
    principal: Principal,
) -> Correction:
    incident = await locked_incident(session, incident_id)
    ensure_sees(principal, incident.unit_path, f"incident {incident_id}")
    report = next((r for r in incident.reports if r.id == report_id), None)
    if report is None or report_id > MAX_ID:
        raise NotFound("report", report_id)
    by_centre = _rights(principal, report)
    values = _values(data)
    changes = {
        name: {"from": getattr(report, name), "to": value}
        for name, value in values.items()
        if getattr(report, name) != value
    }
    if not changes:
        raise Invalid("body", "the correction changes no field of the report", code="no_change")
    now = utcnow()
    figures = {name: values[name] for name in FIGURES if name in changes}
    supplement = await reporting.guard_figures(
        session,
        incident=incident,
        reports=list(incident.reports),
        changes=reporting.pending_changes(incident, figures),
        explanation=data.explanation,
        now=now,
    )
    for name, change in changes.items():
        setattr(report, name, change["to"])
    moved = reporting.pending_changes(incident, figures)
    for name, change in moved.items():
        setattr(incident, name, change["to"])
    incident.updated_at = now
    correction = Correction(
        incident_id=incident.id,
        report_id=report.id,
        unit_id=report.unit_id,
        unit_path=report.unit_path,
        by_centre=by_centre,
        changes=changes,
        reason=data.reason,
        explanation=data.explanation,
        supplement=supplement,
        at=now,
        actor=principal.subject,
    )
    session.add(correction)
    await session.flush()
    if moved:
        await reporting.figures_changed(session, incident=incident, actor=principal.subject)
    record_event(
        session,
        topic=TOPIC,
        kind="report.corrected",
        entity=entity_key(incident.id),
        unit_path=incident.unit_path,
        payload={
            "incident": incident_event_dict(incident),
            "report": report_dict(report),
            "correction": correction_dict(correction),
            # The report's fields, old → new; `figures`: the incident's that moved.
            "changes": changes,
            "figures": moved,
        },
        actor=principal.subject,
    )
    return correction


async def list_corrections(session: AsyncSession, *, incident_id: int) -> list[Correction]:
    query = select(Correction).where(Correction.incident_id == incident_id)
    return list(await session.scalars(query.order_by(Correction.id)))


async def get_correction(session: AsyncSession, correction_id: int) -> Correction | None:
    """For other domains (a 误报 verdict names the correction it marks)."""
    return await session.get(Correction, correction_id)
