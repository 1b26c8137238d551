"""The readiness registries' API and the year-end readiness view."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from command.assessment import readiness, targets
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


@api("宣传培训 sessions of the subtree in a year", tags=TAGS, query=TrainingsQuery)
async def list_trainings(request: Request) -> Response:
    principal = await require(request, "assessment.read")
    query = parse_query(request, TrainingsQuery)
    year = query.year or date.today().year
    async with request.app.state.db.read() as session:
        root = await subtree_root(session, principal, query.unit)
        rows = await readiness.trainings_in(
            session, root_path=root.path, start=date(year, 1, 1), end=date(year, 12, 31)
        )
    items = [
        {"id": t.id, "unit_path": t.unit_path, "held_on": t.held_on.isoformat(), "kind": t.kind,
         "audience": t.audience, "attendees": t.attendees, "leaders_trained": t.leaders_trained}
        for t in rows
    ]  # fmt: skip
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
    items = readiness.read_trainings(await read_body(request, limit=IMPORT_LIMIT))
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
    Route("/api/readiness/offices/{code}", set_office, methods=["PUT"]),
    Route("/api/readiness/trainings", list_trainings, methods=["GET"]),
    Route("/api/readiness/trainings", add_trainings, methods=["POST"]),
    Route("/api/readiness/trainings.xlsx", import_trainings, methods=["POST"]),
    Route("/api/assessment/readiness", year_end_readiness, methods=["GET"]),
]
