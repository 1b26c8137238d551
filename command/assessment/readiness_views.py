"""The readiness registries' API and the year-end readiness view."""

from __future__ import annotations

from datetime import date
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from command.assessment import readiness, registry_files, targets
from command.assessment.schemas import SubtreeQuery, TrainingsQuery
from command.auth.guard import require, subtree_root
from command.db import utcnow
from command.http import parse_query, read_body, read_model, respond
from command.openapi import api
from command.units.models import Unit

TAGS = ["assessment"]
ERRORS = (400, 401, 403, 404, 413, 422)
IMPORT_LIMIT = 5 * 1024 * 1024


class TrainingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[readiness.TrainingIn] = Field(min_length=1, max_length=1000)


@api(
    "机构建设 of the subtree: each area unit's office and each department's liaison",
    tags=TAGS,
    query=SubtreeQuery,
)
async def list_offices(request: Request) -> Response:
    principal = await require(request, "assessment.read")
    query = parse_query(request, SubtreeQuery)
    async with request.app.state.db.read() as session:
        root = await subtree_root(session, principal, query.unit)
        offices = await readiness.offices_in(session, root_path=root.path)
        items = [
            readiness.office_view(office, await session.get_one(Unit, office.unit_id))
            for office in offices.values()
        ]
    return respond({"unit": root.code, "items": items})


@api("Record a unit's 机构建设", tags=TAGS, request=readiness.OfficeIn, errors=ERRORS)
async def set_office(request: Request) -> Response:
    principal = await require(request, "assessment.submit")
    data = await read_model(request, readiness.OfficeIn)
    async with request.app.state.db.write() as session:
        unit = await subtree_root(session, principal, request.path_params["code"], field="code")
        view = await readiness.set_office(
            session, unit=unit, data=data, principal=principal, now=utcnow()
        )
    return respond(view)


@api(
    "Import 机构建设 records from a workbook (单位编码, 成立日期, 成立文件, 主任, 专职副主任, "
    "在岗人数, 信息联络员): all or none",
    tags=TAGS,
    errors=ERRORS,
)
async def import_offices(request: Request) -> Response:
    principal = await require(request, "assessment.submit")
    items = registry_files.read_offices(await read_body(request, limit=IMPORT_LIMIT))
    async with request.app.state.db.write() as session:
        views = await readiness.import_offices(
            session, items=items, principal=principal, now=utcnow()
        )
    return respond({"items": views}, status=201)


@api(
    "Upload an office's approval document (成立文件), a PDF or a scan, as the body",
    tags=TAGS,
    errors=ERRORS,
)
async def upload_office_document(request: Request) -> Response:
    principal = await require(request, "assessment.submit")
    content = await read_body(request, limit=readiness.DOCUMENT_LIMIT + 1)
    async with request.app.state.db.write() as session:
        unit = await subtree_root(session, principal, request.path_params["code"], field="code")
        view = await readiness.set_office_document(
            session, unit=unit, filename=request.query_params.get("filename", ""),
            content=content, principal=principal, now=utcnow(),
        )  # fmt: skip
    return respond(view)


@api("An office's approval document (成立文件) as uploaded", tags=TAGS)
async def office_document(request: Request) -> Response:
    principal = await require(request, "assessment.read")
    async with request.app.state.db.read() as session:
        unit = await subtree_root(session, principal, request.path_params["code"], field="code")
        filename, kind, content = await readiness.office_document(session, unit=unit)
    media = "image/png" if content.startswith(b"\x89PNG") else "image/jpeg"
    return Response(
        content,
        media_type=media if kind == "image" else "application/pdf",
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"},
    )


@api("宣传培训 sessions of the subtree in a year", tags=TAGS, query=TrainingsQuery)
async def list_trainings(request: Request) -> Response:
    principal = await require(request, "assessment.read")
    query = parse_query(request, TrainingsQuery)
    year = query.year or utcnow().astimezone(request.app.state.settings.zone).year
    async with request.app.state.db.read() as session:
        root = await subtree_root(session, principal, query.unit)
        rows = await readiness.trainings_in(
            session, root_path=root.path, start=date(year, 1, 1), end=date(year, 12, 31)
        )
        items = await readiness.training_views(session, rows)
    return respond({"unit": root.code, "year": year, "items": items})


@api("Record 宣传培训 sessions (all or none)", tags=TAGS, request=TrainingsIn, errors=ERRORS)
async def add_trainings(request: Request) -> Response:
    principal = await require(request, "assessment.submit")
    data = await read_model(request, TrainingsIn)
    async with request.app.state.db.write() as session:
        ids = await readiness.add_trainings(
            session, items=data.items, principal=principal, now=utcnow()
        )
    return respond({"ids": ids}, status=201)


@api(
    "Import 宣传培训 sessions from a workbook (日期, 单位编码, 类型, 对象, 参加人数, 领导干部人数)",
    tags=TAGS,
    errors=ERRORS,
)
async def import_trainings(request: Request) -> Response:
    principal = await require(request, "assessment.submit")
    items = registry_files.read_trainings(await read_body(request, limit=IMPORT_LIMIT))
    async with request.app.state.db.write() as session:
        ids = await readiness.add_trainings(
            session, items=items, principal=principal, now=utcnow(), field="rows"
        )
    return respond({"ids": ids}, status=201)


@api(
    "Year-end readiness against the targets, with the days left and the checklist",
    tags=TAGS,
    query=SubtreeQuery,
)
async def year_end_readiness(request: Request) -> Response:
    principal = await require(request, "assessment.read")
    query = parse_query(request, SubtreeQuery)
    settings = request.app.state.settings
    now = utcnow()
    async with request.app.state.db.read() as session:
        root = await subtree_root(session, principal, query.unit)
        view = await targets.readiness_view(
            session, root=root, today=now.astimezone(settings.zone).date(), now=now
        )
    return respond(view)


routes = [
    Route("/api/readiness/offices", list_offices, methods=["GET"]),
    Route("/api/readiness/offices.xlsx", import_offices, methods=["POST"]),
    Route("/api/readiness/offices/{code}", set_office, methods=["PUT"]),
    Route("/api/readiness/offices/{code}/document", upload_office_document, methods=["PUT"]),
    Route("/api/readiness/offices/{code}/document", office_document, methods=["GET"]),
    Route("/api/readiness/trainings", list_trainings, methods=["GET"]),
    Route("/api/readiness/trainings", add_trainings, methods=["POST"]),
    Route("/api/readiness/trainings.xlsx", import_trainings, methods=["POST"]),
    Route("/api/assessment/readiness", year_end_readiness, methods=["GET"]),
]
