"""Verdicts people make about a unit's reporting: 瞒报 (concealment) and 谎报 (false report).

The engine only ever flags a concealment *candidate*; a commander confirms or dismisses
it, always with a reason. A false report is never inferred: a commander records it with
a reason. Confirmed verdicts count against the unit in the compliance table.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from command.db import utcnow
from command.deadlines.models import Obligation, Verdict
from command.errors import Conflict, Invalid, NotFound
from command.events import record_event
from command.incidents import corrections
from command.incidents.models import Incident, Report
from command.units.models import Unit


def _record(session: AsyncSession, kind: str, verdict: Verdict, unit: Unit, actor: str):
    record_event(
        session,
        topic="deadlines",
        kind=kind,
        entity=f"verdict:{verdict.id}",
        unit_path=verdict.unit_path,
        payload=verdict_view(verdict, unit.code),
        actor=actor,
    )


def verdict_view(verdict: Verdict, unit_code: str) -> dict[str, Any]:
    return {
        "id": verdict.id,
        "incident": verdict.incident_id,
        "unit": unit_code,
        "kind": verdict.kind,
        "state": verdict.state,
        "obligation": verdict.obligation_id,
        "report": verdict.report_id,
        "correction": verdict.correction_id,
        "reason": verdict.reason,
        "flagged_at": verdict.flagged_at.isoformat(),
        "flagged_by": verdict.flagged_by,
        "decided_at": verdict.decided_at.isoformat() if verdict.decided_at else None,
        "decided_by": verdict.decided_by,
    }


async def flag_concealment(
    session: AsyncSession, *, obligation_id: int, actor: str, now: datetime
) -> None:
    """Flag a 瞒报 candidate for the unit of a missed obligation, unless that unit filed
    any report on the incident or a concealment verdict already exists for it."""
    ob = await session.get_one(Obligation, obligation_id)
    filed = exists().where(Report.incident_id == ob.incident_id, Report.unit_id == ob.unit_id)
    judged = exists().where(
        Verdict.incident_id == ob.incident_id,
        Verdict.unit_id == ob.unit_id,
        Verdict.kind == "concealment",
    )
    if await session.scalar(select(filed | judged)):
        return
    verdict = Verdict(
        incident_id=ob.incident_id,
        unit_id=ob.unit_id,
        unit_path=ob.unit_path,
        kind="concealment",
        state="candidate",
        obligation_id=ob.id,
        reason="",
        flagged_at=now,
        flagged_by=actor,
    )
    session.add(verdict)
    await session.flush()
    _record(session, "verdict.flagged", verdict, await session.get_one(Unit, ob.unit_id), actor)


async def get_verdict(session: AsyncSession, verdict_id: int) -> Verdict:
    verdict = await session.get(Verdict, verdict_id, with_for_update=True)
    if verdict is None:
        raise NotFound("verdict", verdict_id)
    return verdict


async def decide(
    session: AsyncSession, *, verdict: Verdict, confirm: bool, reason: str, actor: str
) -> Verdict:
    """Confirm or dismiss a 瞒报 candidate; a decided verdict is not decided again (409)."""
    if verdict.state != "candidate":
        raise Conflict(f"verdict {verdict.id} was already {verdict.state}")
    verdict.state = "confirmed" if confirm else "dismissed"
    verdict.reason = reason
    verdict.decided_at = utcnow()
    verdict.decided_by = actor
    await session.flush()
    unit = await session.get_one(Unit, verdict.unit_id)
    _record(session, "verdict.decided", verdict, unit, actor)
    return verdict


async def _check_report(
    session: AsyncSession, incident: Incident, unit: Unit, report_id: int
) -> None:
    owner = await session.scalar(
        select(Report.unit_id).where(Report.id == report_id, Report.incident_id == incident.id)
    )
    if owner is None:
        raise _invalid("report", f"report {report_id} does not belong to incident {incident.id}")
    if owner != unit.id:
        raise _invalid("report", f"report {report_id} was not filed by unit {unit.code}")


async def _check_correction(
    session: AsyncSession, incident: Incident, unit: Unit, correction_id: int | None
) -> int:
    """The report a 误报 verdict's correction corrected; 422 naming `correction`, 409 when
    the correction was marked already."""
    if correction_id is None:
        raise _invalid("correction", "a 误报 (misreport) names the correction it marks")
    correction = await corrections.get_correction(session, correction_id)
    if correction is None or correction.incident_id != incident.id:
        raise _invalid(
            "correction", f"correction {correction_id} does not belong to incident {incident.id}"
        )
    if correction.unit_id != unit.id:
        raise _invalid("correction", f"correction {correction_id} is not of unit {unit.code}")
    marked = await session.scalar(
        select(Verdict.id).where(
            Verdict.correction_id == correction_id, Verdict.kind == "misreport"
        )
    )
    if marked is not None:
        raise Conflict(
            f"correction {correction_id} is already marked 误报 (verdict {marked})",
            field="correction",
        )
    return correction.report_id


def _invalid(field: str, message: str) -> Invalid:
    return Invalid(field, message)


async def record(
    session: AsyncSession,
    *,
    incident: Incident,
    unit: Unit,
    kind: str,
    reason: str,
    report_id: int | None,
    actor: str,
    correction_id: int | None = None,
) -> Verdict:
    """A commander's own determination (谎报, a 瞒报 the engine did not flag, or 误报: a
    correction of an honest error, naming the correction)."""
    if kind == "misreport":
        report_id = await _check_correction(session, incident, unit, correction_id)
    elif correction_id is not None:
        raise _invalid("correction", "only a 误报 (misreport) names a correction")
    if report_id is not None:
        await _check_report(session, incident, unit, report_id)
    now = utcnow()
    verdict = Verdict(
        incident_id=incident.id,
        unit_id=unit.id,
        unit_path=unit.path,
        kind=kind,
        state="confirmed",
        report_id=report_id,
        correction_id=correction_id,
        reason=reason,
        flagged_at=now,
        flagged_by=actor,
        decided_at=now,
        decided_by=actor,
    )
    session.add(verdict)
    await session.flush()
    _record(session, "verdict.recorded", verdict, unit, actor)
    return verdict


async def list_verdicts(
    session: AsyncSession,
    *,
    within: str,
    state: str | None = None,
    kind: str | None = None,
    incident_id: int | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[tuple[Verdict, str]], int]:
    query = (
        select(Verdict, Unit.code)
        .join(Unit, Unit.id == Verdict.unit_id)
        .where(Verdict.unit_path.startswith(within, autoescape=True))
    )
    if state:
        query = query.where(Verdict.state == state)
    if kind:
        query = query.where(Verdict.kind == kind)
    if incident_id is not None:
        query = query.where(Verdict.incident_id == incident_id)
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    rows = await session.execute(query.order_by(Verdict.id.desc()).limit(limit).offset(offset))
    return [(verdict, code) for verdict, code in rows.all()], total or 0
