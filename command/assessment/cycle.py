"""The assessment cycle: the unit's self-assessment (notes, manual scores, evidence), the
inspector's adjustments of manual scores with a reason, and approval, which freezes the
scorecard. Each change is an event (the audit trail); nothing changes after approval."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from command.assessment.models import Evidence, ManualScore, Submission
from command.assessment.schemas import AdjustmentIn, SelfAssessmentIn
from command.assessment.scorecards import live_scorecard, period_of, sheet_for, submission_of
from command.assessment.sheet import Cycle, Indicator, Sheet
from command.auth.service import Principal
from command.config import settings_of
from command.errors import Conflict, Forbidden, Invalid, NotFound, TooLarge
from command.events import record_event
from command.units.models import Unit
from plans.documents import sniff

EVIDENCE_LIMIT = 10 * 1024 * 1024
IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")


def _sheet_and_cycle(unit: Unit, year: int, field: str = "year") -> Sheet:
    sheet = sheet_for(unit)
    if sheet is None:
        raise Invalid("unit", f"no indicator sheet applies to unit {unit.code}")
    if sheet.cycle(year) is None:
        raise Invalid(field, f"sheet {sheet.name} has no assessment cycle for {year}")
    return sheet


def local_day(session: AsyncSession, now: datetime) -> date:
    """The office's calendar day: the cycle's dates are local dates, due at their end."""
    return now.astimezone(settings_of(session).zone).date()


def timetable(sheet: Sheet, cycle: Cycle, today: date) -> list[dict[str, Any]]:
    """Each step's window on `today`: upcoming, open or closed, with the days left."""
    steps = []
    for step in sheet.steps:
        opens, due = step.opens_on(cycle), step.due_on(cycle)
        state = "upcoming" if opens and today < opens else "open" if today <= due else "closed"
        steps.append({
            "step": step.name, "due": step.due, "due_on": due.isoformat(),
            "opens_after": step.opens_after, "opens_on": opens.isoformat() if opens else None,
            "state": state, "days_left": (due - today).days,
            "days_to_open": (opens - today).days if opens and today < opens else 0,
            "late": step.late, "requires": step.requires, "override": step.override,
        })  # fmt: skip
    return steps


def _timing(
    sheet: Sheet, year: int, step_name: str, today: date, *, submission: Submission | None,
    override_reason: str | None = None,
) -> tuple[int | None, dict[str, Any] | None]:  # fmt: skip
    """Whether the step may be taken today: (days late or None, the override used or None);
    a refusal the rules do not let the caller override raises Conflict (409)."""
    cycle = sheet.cycle(year)
    assert cycle is not None  # _sheet_and_cycle checked it
    step = sheet.step(step_name)
    opens, due = step.opens_on(cycle), step.due_on(cycle)
    refusals: list[tuple[str, str, str, dict[str, Any]]] = []
    if step.requires == "submitted" and (submission is None or submission.state != "submitted"):
        refusals.append((
            "assessment_not_submitted", "unit",
            f"the unit has not submitted its self-assessment for {year}; the {step_name} "
            "step needs it",
            {"state": submission.state if submission else "open"},
        ))  # fmt: skip
    if opens is not None and today < opens:
        refusals.append((
            f"assessment_{step_name}_not_open", "year",
            f"the {step_name} of {year} opens on {opens} (after {step.opens_after})",
            {"opens_on": opens.isoformat()},
        ))  # fmt: skip
    if today > due and step.late == "refuse":
        refusals.append((
            f"assessment_{step_name}_closed", "year",
            f"the {step_name} of {year} closed on {due} ({step.due})",
            {"due_on": due.isoformat()},
        ))  # fmt: skip
    late = (today - due).days if today > due else None
    if not refusals:
        return late, None
    if step.override and override_reason:
        return late, {"rules": [code for code, *_ in refusals], "reason": override_reason}
    code, field, message, extra = refusals[0]
    if step.override:
        message += "; the inspector may override it with override_reason"
    raise Conflict(message, field=field, code=code, extra={"step": step_name, **extra})


def _manual_indicator(sheet: Sheet, key: str, field: str) -> Indicator:
    indicator = sheet.indicator(key)
    if indicator is None:
        raise Invalid(field, f"no indicator {key!r} on sheet {sheet.name}")
    if not indicator.manual:
        raise Invalid(field, f"indicator {key} is computed from the records, not scored by hand")
    return indicator


def _within(indicator: Indicator, points: float, field: str) -> None:
    if points > indicator.points:
        raise Invalid(field, f"{points:g} is beyond the indicator's {indicator.points:g} points")


def _not_frozen(submission: Submission | None) -> None:
    if submission is not None and submission.state == "approved":
        raise Conflict(
            "the assessment is approved and frozen; it can no longer change", field="year"
        )


async def _submission(session, sheet: Sheet, unit: Unit, year: int, now: datetime) -> Submission:
    found = await submission_of(session, sheet, unit, year)
    if found is None:
        found = Submission(
            sheet=sheet.name, year=year, unit_id=unit.id, unit_path=unit.path,
            state="draft", notes="", updated_at=now,
        )  # fmt: skip
        session.add(found)
        await session.flush()
    return found


async def _score_row(session, submission: Submission, key: str) -> ManualScore:
    row = await session.scalar(
        select(ManualScore).where(
            ManualScore.submission_id == submission.id, ManualScore.indicator == key
        )
    )
    if row is not None:
        return row
    row = ManualScore(submission_id=submission.id, indicator=key, self_note="", inspector_reason="")
    session.add(row)
    return row


def _event(session, kind: str, submission: Submission, unit: Unit, actor: str, **payload) -> None:
    record_event(
        session,
        topic="assessment",
        kind=kind,
        entity=f"assessment:{submission.id}",
        unit_path=unit.path,
        payload={"unit": unit.code, "sheet": submission.sheet, "year": submission.year,
                 "state": submission.state, **payload},
        actor=actor,
    )  # fmt: skip


async def save_self_assessment(
    session: AsyncSession, *, unit: Unit, data: SelfAssessmentIn, principal: Principal,
    now: datetime,
) -> Submission:  # fmt: skip
    sheet = _sheet_and_cycle(unit, data.year)
    checked = []
    for i, score in enumerate(data.scores):
        indicator = _manual_indicator(sheet, score.indicator, f"scores[{i}].indicator")
        _within(indicator, score.points, f"scores[{i}].points")
        checked.append(score)
    submission = await submission_of(session, sheet, unit, data.year)
    _not_frozen(submission)
    late, _ = _timing(
        sheet, data.year, "self_assessment", local_day(session, now), submission=submission
    )
    submission = await _submission(session, sheet, unit, data.year, now)
    submission.notes = data.notes
    for score in checked:
        row = await _score_row(session, submission, score.indicator)
        row.self_points, row.self_note = score.points, score.note
    if data.submit:
        submission.state = "submitted"
        submission.submitted_by, submission.submitted_at = principal.subject, now
    if submission.state == "submitted" and late is not None:
        # Submitted, or a submitted one changed, after the date: accepted, recorded as late.
        submission.late_days = max(submission.late_days or 0, late)
    submission.updated_at = now
    await session.flush()
    kind = "assessment.submitted" if data.submit else "assessment.saved"
    scores = [s.model_dump() for s in checked]
    _event(
        session, kind, submission, unit, principal.subject, notes=data.notes, scores=scores,
        late_days=late,
    )  # fmt: skip
    return submission


def _evidence_kind(content: bytes) -> str | None:
    if content.startswith(IMAGE_MAGIC):
        return "image"
    return sniff(content)


async def add_evidence(
    session: AsyncSession, *, unit: Unit, year: int, indicator_key: str, filename: str,
    content: bytes, principal: Principal, now: datetime,
) -> Evidence:  # fmt: skip
    sheet = _sheet_and_cycle(unit, year)
    indicator = _manual_indicator(sheet, indicator_key, "indicator")
    if len(content) > EVIDENCE_LIMIT:
        raise TooLarge(f"evidence exceeds the limit of {EVIDENCE_LIMIT} bytes")
    kind = _evidence_kind(content)
    if kind not in indicator.evidence:
        allowed = ", ".join(indicator.evidence)
        shown = kind or "not a PDF, DOCX, PNG or JPEG"
        raise Invalid("file", f"evidence for {indicator.key} must be {allowed}; this is {shown}")
    _not_frozen(await submission_of(session, sheet, unit, year))
    submission = await _submission(session, sheet, unit, year, now)
    evidence = Evidence(
        submission_id=submission.id, indicator=indicator.key,
        filename=(filename or f"evidence.{kind}")[:255], kind=kind, size=len(content),
        sha256=hashlib.sha256(content).hexdigest(), content=content,
        uploaded_by=principal.subject, uploaded_at=now,
    )  # fmt: skip
    session.add(evidence)
    await session.flush()
    _event(
        session, "assessment.evidence_added", submission, unit, principal.subject,
        indicator=indicator.key, evidence=evidence.id, filename=evidence.filename,
        evidence_type=kind,
    )  # fmt: skip
    return evidence


def _ensure_inspector(principal: Principal, unit: Unit) -> None:
    """The inspector sits above the unit: no unit inspects or approves itself."""
    if principal.unit_path == unit.path or not principal.sees(unit.path):
        raise Forbidden(f"only a unit above {unit.code} inspects and approves its assessment")


async def adjust(
    session: AsyncSession, *, unit: Unit, data: AdjustmentIn, principal: Principal,
    now: datetime,
) -> dict[str, Any]:  # fmt: skip
    _ensure_inspector(principal, unit)
    sheet = _sheet_and_cycle(unit, data.year)
    indicator = _manual_indicator(sheet, data.indicator, "indicator")
    _within(indicator, data.points, "points")
    found = await submission_of(session, sheet, unit, data.year)
    _not_frozen(found)
    late, override = _timing(
        sheet, data.year, "inspection", local_day(session, now), submission=found,
        override_reason=data.override_reason,
    )  # fmt: skip
    submission = await _submission(session, sheet, unit, data.year, now)
    row = await _score_row(session, submission, indicator.key)
    before = row.inspector_points if row.inspector_points is not None else row.self_points
    row.inspector_points, row.inspector_reason = data.points, data.reason
    row.inspected_by, row.inspected_at = principal.subject, now
    submission.updated_at = now
    await session.flush()
    _event(
        session, "assessment.adjusted", submission, unit, principal.subject,
        indicator=indicator.key, before=before, after=data.points, reason=data.reason,
        late_days=late, override=override,
    )  # fmt: skip
    return {"indicator": indicator.key, "before": before, "after": data.points,
            "late_days": late, "override": override}  # fmt: skip


async def approve(
    session: AsyncSession, *, unit: Unit, year: int, principal: Principal, now: datetime,
    override_reason: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Freeze the scorecard as it stands: later records and edits do not move it."""
    _ensure_inspector(principal, unit)
    sheet = _sheet_and_cycle(unit, year)
    found = await submission_of(session, sheet, unit, year)
    _not_frozen(found)
    late, override = _timing(
        sheet, year, "approval", local_day(session, now), submission=found,
        override_reason=override_reason,
    )  # fmt: skip
    submission = await _submission(session, sheet, unit, year, now)
    submission.state = "approved"
    submission.approved_by, submission.approved_at = principal.subject, now
    card = await live_scorecard(
        session, sheet=sheet, unit=unit, period=period_of(session, year, now),
        submission=submission,
    )  # fmt: skip
    card["approved_at"], card["approved_by"] = now.isoformat(), principal.subject
    card["approval_late_days"], card["approval_override"] = late, override
    submission.frozen = card
    submission.updated_at = now
    await session.flush()
    _event(
        session, "assessment.approved", submission, unit, principal.subject,
        total=card["total"], grade=card["grade"]["code"], late_days=late, override=override,
    )  # fmt: skip
    return card


async def evidence_file(
    session: AsyncSession, *, evidence_id: int, principal: Principal
) -> Evidence:
    """One uploaded evidence file, for those who see the unit it was filed for."""
    found = await session.get(Evidence, evidence_id)
    submission = await session.get(Submission, found.submission_id) if found else None
    if submission is None or not principal.sees(submission.unit_path):
        raise NotFound("evidence", evidence_id)
    return found
