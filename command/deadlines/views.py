"""The deadline API: obligations, the compliance table and its exports, verdicts, rules."""

from __future__ import annotations

from datetime import time, timedelta
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from command.auth.guard import ensure_filter_sees, ensure_sees, require, subtree_root
from command.auth.service import Principal, name_subjects
from command.db import utcnow
from command.deadlines import compliance, compliance_files, queries, runtime, verdicts
from command.deadlines.schemas import (
    ComplianceQuery,
    ComplianceTable,
    ObligationList,
    ObligationQuery,
    RulesetOut,
    VerdictDecision,
    VerdictIn,
    VerdictList,
    VerdictOut,
    VerdictQuery,
)
from command.deadlines.shapes import ruleset_view
from command.errors import NotFound
from command.http import parse_query, path_id, read_model, respond
from command.incidents.models import Incident
from command.incidents.queries import incident_unit_path
from command.openapi import api
from command.units.models import Unit
from command.units.service import get_unit

TAGS = ["deadlines"]
READ_ERRORS = (400, 401, 403, 404, 422)
JUDGE_ERRORS = (400, 401, 403, 404, 409, 413, 422)


async def _incident(session, principal: Principal, incident_id: int) -> Incident:
    incident = await session.get(Incident, incident_id)
    if incident is None:
        raise NotFound("incident", incident_id)
    ensure_sees(principal, incident.unit_path, f"incident {incident_id}")
    return incident


@api("Reporting obligations of one incident", tags=TAGS, response=ObligationList)
async def incident_obligations(request: Request) -> Response:
    principal = await require(request, "deadlines.read")
    incident_id = path_id(request, "id", "incident")
    async with request.app.state.db.read() as session:
        await _incident(session, principal, incident_id)
        items = await queries.for_incident(session, incident_id)
    return respond({"items": items, "total": len(items)})


@api(
    "Obligations of the units in a subtree, most urgent first",
    tags=TAGS,
    query=ObligationQuery,
    response=ObligationList,
)
async def list_obligations(request: Request) -> Response:
    principal = await require(request, "deadlines.read")
    query = parse_query(request, ObligationQuery)
    async with request.app.state.db.read() as session:
        root = await subtree_root(session, principal, query.unit)
        if query.incident is not None:
            path = await incident_unit_path(session, query.incident)
            ensure_filter_sees(
                principal, path, f"incident {query.incident}", field="query.incident"
            )
        items, total = await queries.search(
            session,
            within=root.path,
            state=query.state,
            kind=query.kind,
            overdue=query.overdue,
            incident_id=query.incident,
            exercise=query.exercise,
            limit=query.limit,
            offset=query.offset,
        )
    return respond({"items": items, "total": total})


async def _compliance(request: Request) -> tuple[dict, list[dict]]:
    principal = await require(request, "compliance.read")
    query = parse_query(request, ComplianceQuery)
    settings = request.app.state.settings
    now = utcnow()
    start, end = compliance.window(query.from_, query.to, settings.zone, now)
    async with request.app.state.db.read() as session:
        root = await subtree_root(session, principal, query.unit)
        rows = await compliance.compliance_rows(session, root=root, start=start, end=end, now=now)
        ruleset = runtime.ruleset_for(session).name
    name = (root.name_en or root.name) if query.lang == "en" else root.name
    meta = {"from": start, "to": end, "unit": root.code, "ruleset": ruleset}
    return meta | {"name": name, "lang": query.lang}, rows


@api(
    "On-time reporting rate per unit, ranked (the table behind a circular)",
    tags=TAGS,
    query=ComplianceQuery,
    response=ComplianceTable,
)
async def compliance_table(request: Request) -> Response:
    meta, rows = await _compliance(request)
    del meta["name"], meta["lang"]
    return respond({**meta, "rows": rows})


def _filename(meta: dict, extension: str) -> str:
    days = f"{meta['from']:%Y%m%d}-{meta['to']:%Y%m%d}"
    return f'attachment; filename="compliance-{meta["unit"]}-{days}.{extension}"'


@api(
    "The compliance table as CSV (UTF-8; Chinese headers, English with lang=en)",
    tags=TAGS,
    query=ComplianceQuery,
    media_type="text/csv",
)
async def compliance_csv(request: Request) -> Response:
    meta, rows = await _compliance(request)
    return Response(
        compliance_files.to_csv(rows, meta["lang"]),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": _filename(meta, "csv")},
    )


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _span(meta: dict, zone: ZoneInfo) -> tuple[str, str]:
    """The window as people read it, in the deployment's zone and both ends included: an
    end at midnight shows the day before (1 March to 1 April reads 2026-03-01 至
    2026-03-31), any other end its time."""
    start, end = meta["from"].astimezone(zone), meta["to"].astimezone(zone)
    first = f"{start:%Y-%m-%d}" if start.time() == time.min else f"{start:%Y-%m-%d %H:%M}"
    if end.time() == time.min:
        return first, f"{end - timedelta(days=1):%Y-%m-%d}"
    return first, f"{end:%Y-%m-%d %H:%M}"


def _title(meta: dict, zone: ZoneInfo) -> str:
    start, end = _span(meta, zone)
    if meta["lang"] == "en":
        return f"{meta['name']} on-time reporting {start} to {end}"
    return f"{meta['name']} 按时报告率 {start} 至 {end}"


def _period(meta: dict, zone: ZoneInfo) -> str:
    start, end = _span(meta, zone)
    if meta["lang"] == "en":
        return f"{meta['name']} · period {start} to {end} · ruleset {meta['ruleset']}"
    return f"{meta['name']} · 统计期间 {start} 至 {end} · 规则 {meta['ruleset']}"


@api("The compliance table as an Excel workbook", tags=TAGS, query=ComplianceQuery, media_type=XLSX)
async def compliance_xlsx(request: Request) -> Response:
    meta, rows = await _compliance(request)
    zone = request.app.state.settings.zone
    return Response(
        compliance_files.to_xlsx(rows, _title(meta, zone), meta["lang"], _period(meta, zone)),
        media_type=XLSX,
        headers={"Content-Disposition": _filename(meta, "xlsx")},
    )


@api(
    "瞒报 candidates and recorded verdicts in a subtree",
    tags=TAGS,
    query=VerdictQuery,
    response=VerdictList,
)
async def list_verdicts(request: Request) -> Response:
    principal = await require(request, "deadlines.read")
    query = parse_query(request, VerdictQuery)
    async with request.app.state.db.read() as session:
        root = await subtree_root(session, principal, query.unit)
        if query.incident is not None:
            path = await incident_unit_path(session, query.incident)
            ensure_filter_sees(
                principal, path, f"incident {query.incident}", field="query.incident"
            )
        found, total = await verdicts.list_verdicts(
            session,
            within=root.path,
            state=query.state,
            kind=query.kind,
            incident_id=query.incident,
            limit=query.limit,
            offset=query.offset,
        )
        items = await name_subjects(
            session,
            [verdicts.verdict_view(verdict, code) for verdict, code in found],
            "flagged_by",
            "decided_by",
        )
    return respond({"items": items, "total": total})


@api(
    "Confirm or dismiss a 瞒报 candidate, with a reason",
    tags=TAGS,
    request=VerdictDecision,
    response=VerdictOut,
    errors=JUDGE_ERRORS,
)
async def decide_verdict(request: Request) -> Response:
    principal = await require(request, "deadlines.judge")
    verdict_id = path_id(request, "id", "verdict")
    data = await read_model(request, VerdictDecision)
    async with request.app.state.db.write() as session:
        verdict = await verdicts.get_verdict(session, verdict_id)
        ensure_sees(principal, verdict.unit_path, f"verdict {verdict_id}")
        verdict = await verdicts.decide(
            session,
            verdict=verdict,
            confirm=data.decision == "confirm",
            reason=data.reason,
            actor=principal.subject,
        )
        unit = await session.get_one(Unit, verdict.unit_id)
    return respond(verdicts.verdict_view(verdict, unit.code))


@api(
    "Record a 谎报 (or an unflagged 瞒报) about a unit's reporting, with a reason",
    tags=TAGS,
    request=VerdictIn,
    response=VerdictOut,
    status=201,
    errors=JUDGE_ERRORS,
)
async def record_verdict(request: Request) -> Response:
    principal = await require(request, "deadlines.judge")
    incident_id = path_id(request, "id", "incident")
    data = await read_model(request, VerdictIn)
    async with request.app.state.db.write() as session:
        incident = await _incident(session, principal, incident_id)
        unit = await get_unit(session, data.unit)
        ensure_sees(principal, unit.path, f"unit {unit.code}")
        verdict = await verdicts.record(
            session,
            incident=incident,
            unit=unit,
            kind=data.kind,
            reason=data.reason,
            report_id=data.report,
            actor=principal.subject,
            correction_id=data.correction,
        )
    return respond(verdicts.verdict_view(verdict, unit.code), status=201)


@api("The reporting limits in force (the active ruleset)", tags=TAGS, response=RulesetOut)
async def active_ruleset(request: Request) -> Response:
    await require(request, "deadlines.read")
    async with request.app.state.db.read() as session:
        ruleset = runtime.ruleset_for(session)
    return respond(ruleset_view(ruleset))


routes = [
    Route("/api/incidents/{id:int}/obligations", incident_obligations, methods=["GET"]),
    Route("/api/incidents/{id:int}/verdicts", record_verdict, methods=["POST"]),
    Route("/api/obligations", list_obligations, methods=["GET"]),
    Route("/api/compliance", compliance_table, methods=["GET"]),
    Route("/api/compliance.csv", compliance_csv, methods=["GET"]),
    Route("/api/compliance.xlsx", compliance_xlsx, methods=["GET"]),
    Route("/api/verdicts", list_verdicts, methods=["GET"]),
    Route("/api/verdicts/{id:int}/decision", decide_verdict, methods=["POST"]),
    Route("/api/deadlines/ruleset", active_ruleset, methods=["GET"]),
]
