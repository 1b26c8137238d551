"""The assessment API: parse, authorize, call the service, serialize."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from command.assessment import cycle, documents
from command.assessment.schemas import (
    AdjustmentIn,
    ApprovalIn,
    CircularQuery,
    EvidenceQuery,
    ScorecardList,
    ScorecardQuery,
    SelfAssessmentIn,
)
from command.assessment.scorecards import check_year, scorecard, scorecards, sheet_for
from command.assessment.sheetfile import shipped_sheets
from command.auth.guard import named_unit, require, subtree_root
from command.db import utcnow
from command.deadlines import compliance, faults
from command.errors import Invalid
from command.http import parse_query, path_id, read_body, read_model, respond
from command.openapi import api

TAGS = ["assessment"]
WRITE_ERRORS = (400, 401, 403, 404, 409, 413, 422)


def _today(request: Request) -> date:
    return utcnow().astimezone(request.app.state.settings.zone).date()


def _cycle_view(sheet, year_cycle, today: date) -> dict | None:
    """A year's dates and, per step, its window on `today` with the days left."""
    if year_cycle is None:
        return None
    return {
        "year": year_cycle.year,
        "self_assessment_by": year_cycle.self_assessment_by.isoformat(),
        "report_by": year_cycle.report_by.isoformat(),
        "inspection_by": year_cycle.inspection_by.isoformat(),
        "approval_by": year_cycle.approval_by.isoformat(),
        "days_to_approval": (year_cycle.approval_by - today).days,
        "today": today.isoformat(),
        "steps": cycle.timetable(sheet, year_cycle, today),
    }


@api("The indicator sheets in use: groups, indicators, grades and yearly timetables", tags=TAGS)
async def list_sheets(request: Request) -> Response:
    await require(request, "assessment.read")
    today = _today(request)
    items = [
        {
            "name": s.name,
            "title": s.title,
            "title_en": s.title_en,
            "total": s.total,
            "applies_to": {"kinds": list(s.kinds), "tiers": list(s.tiers)},
            "sources": list(s.sources),
            "grades": [g.__dict__ for g in s.grades],
            "years": [_cycle_view(s, c, today) for c in s.cycles],
            "groups": [
                {
                    "key": g.key, "title": g.title, "title_en": g.title_en, "points": g.points,
                    "indicators": [
                        {"key": i.key, "title": i.title, "title_en": i.title_en,
                         "points": i.points, "metric": i.metric, "evidence": list(i.evidence)}
                        for i in g.indicators
                    ],
                }
                for g in s.groups
            ],
        }
        for s in shipped_sheets()
    ]  # fmt: skip
    return respond({"items": items})


@api(
    "Scorecards of the subtree's assessed units for a year: total, grade, per-indicator "
    "points with the records behind each computed point",
    tags=TAGS,
    query=ScorecardQuery,
    response=ScorecardList,
)
async def list_scorecards(request: Request) -> Response:
    principal = await require(request, "assessment.read")
    query = parse_query(request, ScorecardQuery)
    async with request.app.state.db.read() as session:
        root = await subtree_root(session, principal, query.unit)
        items = await scorecards(session, root=root, year=query.year, now=utcnow())
    sheet = sheet_for(root) or next(iter(shipped_sheets()), None)
    cycle_view = _cycle_view(sheet, sheet.cycle(query.year), _today(request)) if sheet else None
    return respond({"year": query.year, "unit": root.code, "cycle": cycle_view, "items": items})


@api(
    "Save or submit (上报) a unit's self-assessment: notes and manual scores",
    tags=TAGS,
    request=SelfAssessmentIn,
    errors=WRITE_ERRORS,
)
async def self_assess(request: Request) -> Response:
    principal = await require(request, "assessment.submit")
    data = await read_model(request, SelfAssessmentIn)
    async with request.app.state.db.write() as session:
        unit = await subtree_root(session, principal, data.unit, field="unit")
        await cycle.save_self_assessment(
            session, unit=unit, data=data, principal=principal, now=utcnow()
        )
        card = await scorecard(session, unit=unit, year=data.year, now=utcnow())
    return respond(card)


@api(
    "Upload evidence (PDF, DOCX, PNG or JPEG as the body) for a manual indicator",
    tags=TAGS,
    errors=(*WRITE_ERRORS, 415),
    status=201,
    query=EvidenceQuery,
)
async def upload_evidence(request: Request) -> Response:
    principal = await require(request, "assessment.submit")
    query = parse_query(request, EvidenceQuery)
    check_year(query.year)
    content = await read_body(request, limit=cycle.EVIDENCE_LIMIT + 1)
    async with request.app.state.db.write() as session:
        unit = await subtree_root(session, principal, query.unit)
        evidence = await cycle.add_evidence(
            session, unit=unit, year=query.year, indicator_key=query.indicator,
            filename=query.filename, content=content, principal=principal, now=utcnow(),
        )  # fmt: skip
    return respond(
        {"id": evidence.id, "indicator": evidence.indicator, "kind": evidence.kind,
         "filename": evidence.filename, "size": evidence.size, "sha256": evidence.sha256},
        status=201,
    )  # fmt: skip


EVIDENCE_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


@api("One uploaded evidence file, as uploaded", tags=TAGS)
async def evidence_file(request: Request) -> Response:
    principal = await require(request, "assessment.read")
    async with request.app.state.db.read() as session:
        found = await cycle.evidence_file(
            session, evidence_id=path_id(request, "id", "evidence"), principal=principal
        )
    image = "image/png" if found.content.startswith(b"\x89PNG") else "image/jpeg"
    return Response(
        found.content,
        media_type=EVIDENCE_TYPES.get(found.kind, image),
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(found.filename)}"},
    )


@api(
    "The inspector adjusts a manual score, with a reason (audited)",
    tags=TAGS,
    request=AdjustmentIn,
    errors=WRITE_ERRORS,
)
async def adjust_score(request: Request) -> Response:
    principal = await require(request, "assessment.inspect")
    data = await read_model(request, AdjustmentIn)
    async with request.app.state.db.write() as session:
        unit = await named_unit(session, data.unit, field="unit")
        change = await cycle.adjust(
            session, unit=unit, data=data, principal=principal, now=utcnow()
        )
    return respond(change)


@api(
    "Approve a unit's assessment: its scorecard is frozen as it stands",
    tags=TAGS,
    request=ApprovalIn,
    errors=WRITE_ERRORS,
)
async def approve(request: Request) -> Response:
    principal = await require(request, "assessment.inspect")
    data = await read_model(request, ApprovalIn)
    async with request.app.state.db.write() as session:
        unit = await named_unit(session, data.unit, field="unit")
        card = await cycle.approve(
            session, unit=unit, year=data.year, principal=principal, now=utcnow(),
            override_reason=data.override_reason,
        )  # fmt: skip
    return respond(card)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"'}


@api(
    "The assessment pack: a summary sheet and one sheet per group (styled workbook)",
    tags=TAGS,
    query=ScorecardQuery,
    media_type=XLSX,
)
async def assessment_pack(request: Request) -> Response:
    principal = await require(request, "assessment.read")
    query = parse_query(request, ScorecardQuery)
    async with request.app.state.db.read() as session:
        root = await subtree_root(session, principal, query.unit)
        cards = await scorecards(session, root=root, year=query.year, now=utcnow())
    sheet = next((sheet_for_card(card) for card in cards), None) or shipped_sheets()[0]
    title = f"{root.name}{query.year}年度应急管理工作考核汇总"
    made = utcnow().astimezone(request.app.state.settings.zone)
    subtitle = f"{root.name} · {query.year}年度 · {sheet.title} · 生成于 {made:%Y-%m-%d %H:%M}"
    body = documents.pack_bytes(sheet, cards, title=title, subtitle=subtitle)
    return Response(
        body, media_type=XLSX, headers=_attachment(f"assessment-{root.code}-{query.year}.xlsx")
    )


def sheet_for_card(card: dict):
    return next((s for s in shipped_sheets() if s.name == card["sheet"]), None)


@api(
    "The circular (通报) on incident reporting for a period, in the GB/T 9704 layout",
    tags=TAGS,
    query=CircularQuery,
    media_type=DOCX,
)
async def circular(request: Request) -> Response:
    principal = await require(request, "assessment.read")
    query = parse_query(request, CircularQuery)
    if query.to < query.from_:
        raise Invalid("query.to", "must not be before 'from'")
    zone = request.app.state.settings.zone
    now = utcnow()
    start, end = compliance.window(query.from_, query.to + timedelta(days=1), zone, now)
    async with request.app.state.db.read() as session:
        root = await subtree_root(session, principal, query.unit)
        rows = await compliance.compliance_rows(session, root=root, start=start, end=end, now=now)
        found = await faults.reporting_faults(session, root_path=root.path, start=start, end=end)
    body = documents.circular_bytes(
        area=root.name, start=query.from_, end=query.to, rows=rows, faults=found,
        today=now.astimezone(zone).date(), seq=query.seq,
    )  # fmt: skip
    name = f"circular-{root.code}-{query.from_:%Y%m%d}-{query.to:%Y%m%d}.docx"
    return Response(body, media_type=DOCX, headers=_attachment(name))


routes = [
    Route("/api/assessment/pack.xlsx", assessment_pack, methods=["GET"]),
    Route("/api/circulars.docx", circular, methods=["GET"]),
    Route("/api/assessment/sheets", list_sheets, methods=["GET"]),
    Route("/api/assessment/scorecards", list_scorecards, methods=["GET"]),
    Route("/api/assessment/self-assessment", self_assess, methods=["PUT"]),
    Route("/api/assessment/evidence", upload_evidence, methods=["POST"]),
    Route("/api/assessment/evidence/{id:int}", evidence_file, methods=["GET"]),
    Route("/api/assessment/adjustments", adjust_score, methods=["POST"]),
    Route("/api/assessment/approvals", approve, methods=["POST"]),
]
