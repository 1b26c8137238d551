"""The duty API (the call register, the roster): parse, authorize, call the service,
serialize."""

from __future__ import annotations

from datetime import timedelta

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from command.auth.guard import require
from command.db import utcnow
from command.duty import calls
from command.duty.schemas import CallIn, CallList, CallQuery, CallRegistered
from command.http import parse_query, read_model, respond
from command.openapi import api

TAGS = ["duty"]


@api(
    "Register a call or document received (来电来文登记), optionally logging its incident",
    tags=TAGS,
    request=CallIn,
    response=CallRegistered,
    status=201,
    errors=(400, 401, 403, 404, 409, 413, 422),
)
async def register_call(request: Request) -> Response:
    principal = await require(request, "incidents.manage")
    data = await read_model(request, CallIn)
    skew = timedelta(seconds=request.app.state.settings.clock_skew_seconds)
    async with request.app.state.db.write() as session:
        call, incident = await calls.register(
            session, data=data, principal=principal, now=utcnow(), clock_skew=skew
        )
    return respond(CallRegistered.model_validate({"call": call, "incident": incident}), 201)


@api(
    "The call register of the subtree, newest first", tags=TAGS, query=CallQuery, response=CallList
)
async def list_calls(request: Request) -> Response:
    principal = await require(request, "incidents.manage")
    query = parse_query(request, CallQuery)
    async with request.app.state.db.read() as session:
        items = await calls.list_calls(session, query=query, principal=principal)
    return respond(CallList.model_validate({"items": items}))


routes = [
    Route("/api/calls", register_call, methods=["POST"]),
    Route("/api/calls", list_calls, methods=["GET"]),
]
