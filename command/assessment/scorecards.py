"""Each unit's scorecard for a year: computed live from what the system holds, with the
manual scores of its self-assessment and the inspector's adjustments; once approved,
the scorecard frozen at approval."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from command.assessment.metrics import Measure, Period, measure
from command.assessment.models import Evidence, ManualScore, Submission
from command.assessment.scoring import computed_points, measure_view
from command.assessment.sheet import Group, Indicator, Sheet
from command.assessment.sheetfile import shipped_sheets
from command.config import settings_of
from command.errors import Invalid
from command.units.models import Unit
from command.units.service import subtree


def sheet_for(unit: Unit) -> Sheet | None:
    return next((s for s in shipped_sheets() if s.applies_to(unit.kind, unit.tier)), None)


def sheet_named(name: str) -> Sheet:
    for sheet in shipped_sheets():
        if sheet.name == name:
            return sheet
    raise Invalid("sheet", f"no indicator sheet named {name!r}")


def period_of(session: AsyncSession, year: int, now: datetime) -> Period:
    zone = settings_of(session).zone
    start = datetime.combine(datetime(year, 1, 1).date(), time.min, tzinfo=zone)
    end = datetime.combine(datetime(year + 1, 1, 1).date(), time.min, tzinfo=zone)
    return Period(year=year, start=start, end=end, now=now, zone=zone)


def check_year(year: int) -> None:
    if not any(sheet.cycle(year) for sheet in shipped_sheets()):
        known = sorted({c.year for s in shipped_sheets() for c in s.cycles})
        raise Invalid("query.year", f"no assessment cycle for {year} (sheets hold {known})")


async def _computed(session, indicator: Indicator, unit: Unit, period: Period) -> dict:
    found: Measure = await measure(session, indicator.metric, unit, period)
    points, how, how_en = computed_points(indicator, found)
    return {
        "source": "computed",
        "points": points,
        "how": how,
        "how_en": how_en,
        "measure": measure_view(found),
        "records": found.records,
    }


def _manual(indicator: Indicator, score: ManualScore | None, evidence: list[dict]) -> dict:
    if score is not None and score.inspector_points is not None:
        source, points = "inspector", score.inspector_points
    elif score is not None and score.self_points is not None:
        source, points = "self", score.self_points
    else:
        source, points = "pending", 0.0
    return {
        "source": source,
        "points": points,
        "self_points": score.self_points if score else None,
        "self_note": score.self_note if score else "",
        "inspector_points": score.inspector_points if score else None,
        "inspector_reason": score.inspector_reason if score else "",
        "inspected_by": score.inspected_by if score else None,
        "evidence_types": list(indicator.evidence),
        "evidence": evidence,
        "records": [],
    }


def _row(group: Group, indicator: Indicator) -> dict[str, Any]:
    return {
        "indicator": indicator.key,
        "group": group.key,
        "title": indicator.title,
        "title_en": indicator.title_en,
        "max": indicator.points,
        "metric": indicator.metric,
        "criteria": indicator.criteria,
    }


async def _manual_inputs(session, submission: Submission | None):
    if submission is None:
        return {}, {}
    scores = await session.scalars(
        select(ManualScore).where(ManualScore.submission_id == submission.id)
    )
    evidence: dict[str, list[dict]] = {}
    rows = await session.execute(
        select(Evidence.id, Evidence.indicator, Evidence.filename, Evidence.kind, Evidence.size)
        .where(Evidence.submission_id == submission.id)
        .order_by(Evidence.id)
    )
    for ev_id, indicator, filename, kind, size in rows.all():
        evidence.setdefault(indicator, []).append(
            {"id": ev_id, "filename": filename, "kind": kind, "size": size}
        )
    return {s.indicator: s for s in scores}, evidence


def _unit_view(unit: Unit) -> dict[str, Any]:
    return {
        "unit": unit.code,
        "name": unit.name,
        "name_en": unit.name_en,
        "kind": unit.kind,
        "tier": unit.tier,
    }


def _summary(sheet: Sheet, points: list[dict]) -> dict[str, Any]:
    total = round(sum(p["points"] for p in points) + 1e-9, 1)
    grade = sheet.grade_of(total)
    groups = [
        {
            "key": group.key,
            "title": group.title,
            "title_en": group.title_en,
            "max": group.points,
            "points": round(sum(p["points"] for p in points if p["group"] == group.key), 1),
        }
        for group in sheet.groups
    ]
    grade_view = {"code": grade.code, "label": grade.label, "label_en": grade.label_en}
    return {"total": total, "grade": grade_view, "groups": groups}


async def live_scorecard(
    session: AsyncSession, *, sheet: Sheet, unit: Unit, period: Period,
    submission: Submission | None,
) -> dict[str, Any]:  # fmt: skip
    scores, evidence = await _manual_inputs(session, submission)
    points = []
    for group, indicator in sheet.indicators():
        if indicator.manual:
            part = _manual(indicator, scores.get(indicator.key), evidence.get(indicator.key, []))
        else:
            part = await _computed(session, indicator, unit, period)
        points.append(_row(group, indicator) | part)
    return {
        **_unit_view(unit),
        "sheet": sheet.name,
        "year": period.year,
        "state": submission.state if submission else "open",
        "submitted_at": submission.submitted_at.isoformat()
        if submission and submission.submitted_at
        else None,
        "late_days": submission.late_days if submission else None,
        "notes": submission.notes if submission else "",
        **_summary(sheet, points),
        "points": points,
    }


async def submission_of(session, sheet: Sheet, unit: Unit, year: int) -> Submission | None:
    return await session.scalar(
        select(Submission).where(
            Submission.sheet == sheet.name, Submission.year == year, Submission.unit_id == unit.id
        )
    )


async def scorecard(session: AsyncSession, *, unit: Unit, year: int, now: datetime) -> dict | None:
    sheet = sheet_for(unit)
    if sheet is None or sheet.cycle(year) is None:
        return None
    submission = await submission_of(session, sheet, unit, year)
    if submission is not None and submission.frozen is not None:
        return submission.frozen
    period = period_of(session, year, now)
    return await live_scorecard(
        session, sheet=sheet, unit=unit, period=period, submission=submission
    )


async def scorecards(
    session: AsyncSession, *, root: Unit, year: int, now: datetime
) -> list[dict[str, Any]]:
    """The scorecards of the subtree's assessed units, best total first."""
    check_year(year)
    cards = []
    for unit in await subtree(session, root):
        card = await scorecard(session, unit=unit, year=year, now=now)
        if card is not None:
            cards.append(card)
    cards.sort(key=lambda c: (-c["total"], c["unit"]))
    for rank, card in enumerate(cards, 1):
        card["rank"] = rank
    return cards


async def submissions_snapshot(
    *, session: AsyncSession, unit_path: str, **_context: Any
) -> list[dict[str, Any]]:
    """Where each unit of the subtree stands in its assessments (the realtime snapshot)."""
    rows = await session.execute(
        select(Submission, Unit.code)
        .join(Unit, Unit.id == Submission.unit_id)
        .where(Submission.unit_path.startswith(unit_path, autoescape=True))
        .order_by(Submission.year.desc(), Submission.unit_path)
    )
    return [
        {
            "unit": code,
            "sheet": submission.sheet,
            "year": submission.year,
            "state": submission.state,
            "total": submission.frozen["total"] if submission.frozen else None,
        }
        for submission, code in rows.all()
    ]
