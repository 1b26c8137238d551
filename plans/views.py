"""Plan endpoints; `routes` also carries the drill endpoints of plans/drill_views.py."""

from __future__ import annotations

from datetime import date
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from command.auth.guard import ensure_sees, require, subtree_root
from command.auth.service import Principal
from command.http import MAX_NUMBER, parse_query, path_id, read_model, respond, submit_once
from command.idempotency import request_key
from command.openapi import api
from command.units.service import get_unit
from plans import agenda, coverage, drill_views, reviews, service, versions
from plans.clock import Clock
from plans.documents import document_limit
from plans.due import due_window
from plans.forms import VERSION_FORM, read_version
from plans.models import Plan
from plans.schemas import (
    CoverageOut,
    CoverageQuery,
    DueList,
    DueQuery,
    FilingIn,
    FilingOut,
    PlanDetail,
    PlanIn,
    PlanList,
    PlanListItem,
    PlanOut,
    PlanPatch,
    PlanQuery,
    ReviewIn,
    ReviewOut,
    RevisionIn,
    RevisionOut,
    VersionIn,
    VersionOut,
)

TAGS = ["plans"]
WRITE_ERRORS = (400, 401, 403, 404, 409, 422)


async def _plan(session, principal: Principal, request: Request, *, write: bool = False) -> Plan:
    plan_id = path_id(request, "plan_id", "plan")
    plan = await service.get_plan(session, plan_id, for_update=write)
    ensure_sees(principal, plan.unit_path, f"plan {plan.id}")
    return plan


@api(
    "Register a plan (draft until its first version)",
    tags=TAGS,
    request=PlanIn,
    response=PlanOut,
    status=201,
    errors=WRITE_ERRORS,
)
async def create_plan(request: Request):
    principal = await require(request, "plans.manage")
    key = request_key(request)
    data = await read_model(request, PlanIn)

    async def work(session):
        unit = await get_unit(session, data.unit)
        ensure_sees(principal, unit.path, f"unit {unit.code}")
        plan = await service.create_plan(session, data=data, unit=unit, actor=principal.subject)
        return 201, (await service.plan_out(session, plan)).model_dump(mode="json")

    return await submit_once(request, owner=principal.subject, key=key, data=data, work=work)


@api("Plans of the caller's subtree", tags=TAGS, query=PlanQuery, response=PlanList)
async def list_plans(request: Request):
    principal = await require(request, "plans.read")
    query = parse_query(request, PlanQuery)
    today = Clock.of(request.app.state.settings).today
    async with request.app.state.db.read() as session:
        root = await subtree_root(session, principal, query.within, field="query.within")
        rows, total = await service.list_plans(session, root=root, query=query)
        filings = await versions.current_filings(session, [plan for plan, _ in rows], today)
    items = [_list_item(plan, unit, filings.get(plan.id)) for plan, unit in rows]
    return respond(PlanList(items=items, total=total))


def _list_item(plan: Plan, unit, filing: tuple[str, date] | None) -> PlanListItem:
    status, due_on = filing or (None, None)
    return PlanListItem(**service.to_out(plan, unit).model_dump(), filing=status, filing_due=due_on)


@api(
    "Reviews, drills and filings due (and overdue) in the subtree",
    tags=TAGS,
    query=DueQuery,
    response=DueList,
)
async def due(request: Request):
    principal = await require(request, "plans.read")
    query = parse_query(request, DueQuery)
    clock = Clock.of(request.app.state.settings)
    until = due_window(clock.today, query.days)
    async with request.app.state.db.read() as session:
        root = await subtree_root(session, principal, query.within, field="query.within")
        lists = await agenda.due_list(session, root_path=root.path, today=clock.today, until=until)
    return respond(lists)


@api(
    "Units that must have a plan and have none in force by the target date",
    tags=TAGS,
    query=CoverageQuery,
    response=CoverageOut,
)
async def plan_coverage(request: Request):
    principal = await require(request, "plans.read")
    query = parse_query(request, CoverageQuery)
    target = query.target or coverage.year_end(Clock.of(request.app.state.settings).today)
    async with request.app.state.db.read() as session:
        root = await subtree_root(session, principal, query.within, field="query.within")
        table = await coverage.coverage_table(session, root=root, target=target)
    return respond(table)


@api(
    "One plan with its versions, filings, reviews and revision tasks",
    tags=TAGS,
    response=PlanDetail,
)
async def get_plan(request: Request):
    principal = await require(request, "plans.read")
    today = Clock.of(request.app.state.settings).today
    async with request.app.state.db.read() as session:
        plan = await _plan(session, principal, request)
        detail = await versions.plan_detail(session, plan, today)
    return respond(detail)


@api(
    "Change a plan's description, or retire it",
    tags=TAGS,
    request=PlanPatch,
    response=PlanOut,
    errors=WRITE_ERRORS,
)
async def update_plan(request: Request):
    principal = await require(request, "plans.manage")
    data = await read_model(request, PlanPatch)
    async with request.app.state.db.write() as session:
        plan = await _plan(session, principal, request, write=True)
        await service.update_plan(session, plan=plan, data=data, actor=principal.subject)
        out = await service.plan_out(session, plan)
    return respond(out)


@api(
    "Issue a new version: JSON with `text`, or multipart/form-data with the fields and a "
    "PDF/DOCX `document` file",
    tags=TAGS,
    request=VersionIn,
    request_media={"multipart/form-data": VERSION_FORM},
    response=VersionOut,
    status=201,
    errors=(*WRITE_ERRORS, 413, 415),
)
async def add_version(request: Request):
    principal = await require(request, "plans.manage")
    settings = request.app.state.settings
    data, upload = await read_version(request, document_limit(settings.max_document_bytes))
    today = Clock.of(settings).today
    async with request.app.state.db.write() as session:
        plan = await _plan(session, principal, request, write=True)
        version = await versions.add_version(
            session, plan=plan, data=data, upload=upload, actor=principal.subject, today=today
        )
        filing = await versions.filing_of(session, version, today)
        out = versions.version_out(version, filing)
    return respond(out, status=201)


@api(
    "The document of a version (PDF or DOCX), with its sha256",
    tags=TAGS,
    media_type="application/octet-stream",
)
async def get_document(request: Request):
    principal = await require(request, "plans.read")
    async with request.app.state.db.read() as session:
        plan = await _plan(session, principal, request)
        number = path_id(request, "number", f"version of plan {plan.id}", maximum=MAX_NUMBER)
        version, content = await versions.get_document(session, plan, number)
    headers = {
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(version.filename or '')}",
        "ETag": f'"{version.sha256}"',
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, max-age=3600",
    }
    return Response(content, media_type=version.media_type, headers=headers)


@api(
    "Record the filing (备案) of the current version with the unit above",
    tags=TAGS,
    request=FilingIn,
    response=FilingOut,
    status=201,
    errors=WRITE_ERRORS,
)
async def file_plan(request: Request):
    principal = await require(request, "plans.manage")
    data = await read_model(request, FilingIn)
    today = Clock.of(request.app.state.settings).today
    async with request.app.state.db.write() as session:
        plan = await _plan(session, principal, request, write=True)
        filing = await versions.file_plan(
            session, plan=plan, data=data, actor=principal.subject, today=today
        )
        out = await versions.filing_view(session, filing, today)
    return respond(out, status=201)


@api(
    "Record a periodic review (评估); outcome 'revise' opens a revision task",
    tags=TAGS,
    request=ReviewIn,
    response=ReviewOut,
    status=201,
    errors=WRITE_ERRORS,
)
async def review_plan(request: Request):
    principal = await require(request, "plans.manage")
    data = await read_model(request, ReviewIn)
    today = Clock.of(request.app.state.settings).today
    async with request.app.state.db.write() as session:
        plan = await _plan(session, principal, request, write=True)
        review = await reviews.add_review(
            session, plan=plan, data=data, actor=principal.subject, today=today
        )
    return respond(reviews.review_out(review), status=201)


@api(
    "Record a revision trigger with its reason (opens a revision task)",
    tags=TAGS,
    request=RevisionIn,
    response=RevisionOut,
    status=201,
    errors=WRITE_ERRORS,
)
async def open_revision(request: Request):
    principal = await require(request, "plans.manage")
    data = await read_model(request, RevisionIn)
    async with request.app.state.db.write() as session:
        plan = await _plan(session, principal, request, write=True)
        task = await reviews.open_revision(session, plan=plan, data=data, actor=principal.subject)
    return respond(service.revision_out(task), status=201)


PLAN = "/api/plans/{plan_id:int}"
routes = [
    Route("/api/plans", create_plan, methods=["POST"]),
    Route("/api/plans", list_plans, methods=["GET"]),
    Route("/api/plans/due", due, methods=["GET"]),
    Route("/api/plans/coverage", plan_coverage, methods=["GET"]),
    Route(PLAN, get_plan, methods=["GET"]),
    Route(PLAN, update_plan, methods=["PATCH"]),
    Route(PLAN + "/versions", add_version, methods=["POST"]),
    Route(PLAN + "/versions/{number:int}/document", get_document, methods=["GET"]),
    Route(PLAN + "/filing", file_plan, methods=["POST"]),
    Route(PLAN + "/reviews", review_plan, methods=["POST"]),
    Route(PLAN + "/revisions", open_revision, methods=["POST"]),
    *drill_views.routes,
]
