"""The desk's API (leaders' instructions, change previews): parse, authorize the capability,
call the service, serialize."""

from __future__ import annotations

from datetime import timedelta

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from command.auth.guard import ensure_filter_sees, require
from command.db import utcnow
from command.desk import instructions
from command.desk.preview import preview_change as preview_change_of
from command.desk.schemas import (
    ChangePreview,
    FeedbackIn,
    InstructionIn,
    InstructionList,
    InstructionOut,
    InstructionQuery,
)
from command.http import parse_query, path_id, read_model, respond
from command.incidents.queries import incident_unit_path
from command.incidents.schemas import IncidentPatch
from command.openapi import api

TAGS = ["desk"]
WRITE_ERRORS = (400, 401, 403, 404, 413, 422)


@api(
    "Log a leader's instruction (领导批示) on an incident, addressed to units",
    tags=TAGS,
    request=InstructionIn,
    response=InstructionOut,
    status=201,
    errors=WRITE_ERRORS,
)
async def give_instruction(request: Request) -> Response:
    principal = await require(request, "incidents.manage")
    incident_id = path_id(request, "id", "incident")
    data = await read_model(request, InstructionIn)
    skew = timedelta(seconds=request.app.state.settings.clock_skew_seconds)
    async with request.app.state.db.write() as session:
        view = await instructions.give(
            session,
            incident_id=incident_id,
            data=data,
            principal=principal,
            now=utcnow(),
            clock_skew=skew,
        )
    return respond(InstructionOut.model_validate(view), status=201)


@api(
    "A unit reports back what it did (落实情况); the last one closes the instruction",
    tags=TAGS,
    request=FeedbackIn,
    response=InstructionOut,
    status=201,
    errors=WRITE_ERRORS,
)
async def give_feedback(request: Request) -> Response:
    principal = await require(request, "incidents.report")
    instruction_id = path_id(request, "id", "instruction")
    data = await read_model(request, FeedbackIn)
    async with request.app.state.db.write() as session:
        view = await instructions.feedback(
            session, instruction_id=instruction_id, data=data, principal=principal, now=utcnow()
        )
    return respond(InstructionOut.model_validate(view), status=201)


@api(
    "Instructions of the subtree: open, overdue or done",
    tags=TAGS,
    query=InstructionQuery,
    response=InstructionList,
)
async def list_instructions(request: Request) -> Response:
    principal = await require(request, "incidents.read")
    query = parse_query(request, InstructionQuery)
    async with request.app.state.db.read() as session:
        if query.incident is not None:
            path = await incident_unit_path(session, query.incident)
            ensure_filter_sees(
                principal, path, f"incident {query.incident}", field="query.incident"
            )
        listing = await instructions.list_instructions(
            session, query=query, principal=principal, now=utcnow()
        )
    return respond(InstructionList.model_validate(listing))


@api(
    "What a change of level, status or facts would do to the reporting obligations",
    tags=TAGS,
    request=IncidentPatch,
    response=ChangePreview,
    errors=(400, 401, 403, 404, 409, 413, 422),
)
async def preview_change(request: Request) -> Response:
    principal = await require(request, "incidents.manage")
    incident_id = path_id(request, "id", "incident")
    patch = await read_model(request, IncidentPatch)
    async with request.app.state.db.rehearse() as session:
        preview = await preview_change_of(
            session, incident_id=incident_id, patch=patch, principal=principal
        )
    return respond(ChangePreview.model_validate(preview))


routes = [
    Route("/api/incidents/{id:int}/preview", preview_change, methods=["POST"]),
    Route("/api/incidents/{id:int}/instructions", give_instruction, methods=["POST"]),
    Route("/api/instructions/{id:int}/feedback", give_feedback, methods=["POST"]),
    Route("/api/instructions", list_instructions, methods=["GET"]),
]
