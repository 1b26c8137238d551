"""The duty API (the call register, the roster): parse, authorize, call the service,
serialize."""

from __future__ import annotations

from datetime import timedelta

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from command.auth.guard import require
from command.db import utcnow
from command.duty import calls, duty_log, duty_log_files, editing, handover, roster, roster_files
from command.duty.schemas import (
    CallIn,
    CallList,
    CallQuery,
    CallRegistered,
    DutyNow,
    HandoverIn,
    HandoverList,
    HandoverOut,
    ImportResult,
    ShiftIn,
    ShiftList,
    ShiftLog,
    ShiftOut,
    ShiftQuery,
    SignInIn,
    UnitQuery,
)
from command.errors import ApiError
from command.http import parse_query, path_id, read_body, read_model, respond
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


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@api(
    "Add a shift to a duty unit's roster",
    tags=TAGS,
    request=ShiftIn,
    response=ShiftOut,
    status=201,
    errors=(400, 401, 403, 409, 413, 422),
)
async def create_shift(request: Request) -> Response:
    principal = await require(request, "duty.manage")
    data = await read_model(request, ShiftIn)
    async with request.app.state.db.write() as session:
        view = await roster.create_shift(session, data=data, principal=principal, now=utcnow())
    return respond(ShiftOut.model_validate(view), 201)


@api("The roster of the subtree's duty units", tags=TAGS, query=ShiftQuery, response=ShiftList)
async def list_shifts(request: Request) -> Response:
    principal = await require(request, "duty.read")
    query = parse_query(request, ShiftQuery)
    async with request.app.state.db.read() as session:
        items = await roster.list_shifts(session, query=query, principal=principal, now=utcnow())
    return respond(ShiftList.model_validate({"items": items}))


@api(
    "Import a roster workbook (the XLSX of the template): all rows or none",
    tags=TAGS,
    request_media={XLSX: {"type": "string", "format": "binary"}},
    response=ImportResult,
    status=201,
    errors=(400, 401, 403, 413, 415, 422),
)
async def import_shifts(request: Request) -> Response:
    principal = await require(request, "duty.manage")
    content_type = request.headers.get("content-type", "").split(";")[0].strip()
    if content_type != XLSX:
        raise ApiError(415, f"send the roster as {XLSX}")
    content = await read_body(request)
    zone = request.app.state.settings.zone
    try:
        rows, problems = roster_files.read_roster(content, zone)
    except roster_files.RosterFileError as exc:
        raise ApiError(
            422, f"file: {exc}", details=[{"field": "file", "message": str(exc), "type": "file"}]
        ) from None
    async with request.app.state.db.write() as session:
        items = await roster.import_roster(
            session, rows=rows, problems=problems, principal=principal, now=utcnow()
        )
    return respond(ImportResult.model_validate({"imported": len(items), "items": items}), 201)


@api(
    "The roster as a workbook in the office layout",
    tags=TAGS,
    query=ShiftQuery,
    media_type=XLSX,
)
async def export_shifts(request: Request) -> Response:
    principal = await require(request, "duty.read")
    query = parse_query(request, ShiftQuery)
    async with request.app.state.db.read() as session:
        items = await roster.list_shifts(session, query=query, principal=principal, now=utcnow())
    content = roster_files.write_roster(items, "值班表", request.app.state.settings.zone)
    return _xlsx(content, "roster.xlsx")


@api("A roster template to fill in and import", tags=TAGS, media_type=XLSX)
async def roster_template(request: Request) -> Response:
    principal = await require(request, "duty.read")
    content = roster_files.template(request.app.state.settings.zone, principal.unit_code)
    return _xlsx(content, "roster-template.xlsx")


def _xlsx(content: bytes, name: str) -> Response:
    return Response(
        content, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@api(
    "Who is on duty now at a unit, and the next shift", tags=TAGS, query=UnitQuery, response=DutyNow
)
async def duty_now(request: Request) -> Response:
    principal = await require(request, "duty.read")
    query = parse_query(request, UnitQuery)
    async with request.app.state.db.read() as session:
        now = await roster.on_duty(session, unit_code=query.unit, principal=principal, now=utcnow())
    return respond(DutyNow.model_validate(now))


@api(
    "Sign in to a shift (签到): the leader or an officer takes post",
    tags=TAGS,
    request=SignInIn,
    response=ShiftOut,
    errors=(400, 401, 403, 404, 409, 422),
)
async def sign_in(request: Request) -> Response:
    principal = await require(request, "duty.manage")
    shift_id = path_id(request, "id", "shift")
    data = await read_model(request, SignInIn)
    async with request.app.state.db.write() as session:
        view = await roster.sign_in(
            session, shift_id=shift_id, data=data, principal=principal, now=utcnow()
        )
    return respond(ShiftOut.model_validate(view))


@api(
    "Hand the duty over (交接班): a note and what is still open, for the next shift",
    tags=TAGS,
    request=HandoverIn,
    response=HandoverOut,
    status=201,
    errors=(400, 401, 403, 413, 422),
)
async def hand_over(request: Request) -> Response:
    principal = await require(request, "duty.manage")
    data = await read_model(request, HandoverIn)
    async with request.app.state.db.write() as session:
        view = await handover.hand_over(session, data=data, principal=principal, now=utcnow())
    return respond(HandoverOut.model_validate(view), 201)


@api(
    "The incoming officer accepts a handover",
    tags=TAGS,
    response=HandoverOut,
    errors=(401, 403, 404, 409),
)
async def accept_handover(request: Request) -> Response:
    principal = await require(request, "duty.manage")
    handover_id = path_id(request, "id", "handover")
    async with request.app.state.db.write() as session:
        view = await handover.accept(
            session, handover_id=handover_id, principal=principal, now=utcnow()
        )
    return respond(HandoverOut.model_validate(view))


@api(
    "The handovers of the subtree, newest first", tags=TAGS, query=UnitQuery, response=HandoverList
)
async def list_handovers(request: Request) -> Response:
    principal = await require(request, "duty.read")
    query = parse_query(request, UnitQuery)
    async with request.app.state.db.read() as session:
        items = await handover.list_handovers(session, unit_code=query.unit, principal=principal)
    return respond(HandoverList.model_validate({"items": items}))


@api("One shift of the roster", tags=TAGS, response=ShiftOut, errors=(401, 403, 404))
async def get_shift(request: Request) -> Response:
    principal = await require(request, "duty.read")
    shift_id = path_id(request, "id", "shift")
    async with request.app.state.db.read() as session:
        view = await editing.get_shift(
            session, shift_id=shift_id, principal=principal, now=utcnow()
        )
    return respond(ShiftOut.model_validate(view))


@api(
    "Change a shift (times, leader, officers, line): no overlap, no hole in the duty",
    tags=TAGS,
    request=ShiftIn,
    response=ShiftOut,
    errors=(400, 401, 403, 404, 409, 413, 422),
)
async def update_shift(request: Request) -> Response:
    principal = await require(request, "duty.manage")
    shift_id = path_id(request, "id", "shift")
    data = await read_model(request, ShiftIn)
    async with request.app.state.db.write() as session:
        view = await editing.update_shift(
            session, shift_id=shift_id, data=data, principal=principal, now=utcnow()
        )
    return respond(ShiftOut.model_validate(view))


@api(
    "Take a shift that has not begun off the roster",
    tags=TAGS,
    response=ShiftOut,
    errors=(401, 403, 404, 409, 422),
)
async def remove_shift(request: Request) -> Response:
    principal = await require(request, "duty.manage")
    shift_id = path_id(request, "id", "shift")
    async with request.app.state.db.write() as session:
        view = await editing.remove_shift(
            session, shift_id=shift_id, principal=principal, now=utcnow()
        )
    return respond(ShiftOut.model_validate(view))


async def _shift_log(request: Request) -> dict:
    principal = await require(request, "duty.read")
    shift_id = path_id(request, "id", "shift")
    async with request.app.state.db.read() as session:
        return await duty_log.shift_log(
            session, shift_id=shift_id, principal=principal, now=utcnow()
        )


@api(
    "The duty log (值班日志) of a shift: sign-ins, calls, desk actions, handovers in order",
    tags=TAGS,
    response=ShiftLog,
    errors=(401, 403, 404),
)
async def shift_log(request: Request) -> Response:
    return respond(ShiftLog.model_validate(await _shift_log(request)))


@api("The duty log of a shift as a workbook", tags=TAGS, media_type=XLSX, errors=(401, 403, 404))
async def shift_log_xlsx(request: Request) -> Response:
    log = await _shift_log(request)
    content = duty_log_files.write_log(log, request.app.state.settings.zone)
    return _xlsx(content, f"duty-log-{log['shift']['id']}.xlsx")


routes = [
    Route("/api/duty/handovers", hand_over, methods=["POST"]),
    Route("/api/duty/handovers", list_handovers, methods=["GET"]),
    Route("/api/duty/handovers/{id:int}/accept", accept_handover, methods=["POST"]),
    Route("/api/calls", register_call, methods=["POST"]),
    Route("/api/calls", list_calls, methods=["GET"]),
    Route("/api/duty/shifts", create_shift, methods=["POST"]),
    Route("/api/duty/shifts", list_shifts, methods=["GET"]),
    Route("/api/duty/shifts.xlsx", export_shifts, methods=["GET"]),
    Route("/api/duty/shifts/template.xlsx", roster_template, methods=["GET"]),
    Route("/api/duty/shifts/import", import_shifts, methods=["POST"]),
    Route("/api/duty/shifts/{id:int}/sign-in", sign_in, methods=["POST"]),
    Route("/api/duty/shifts/{id:int}", get_shift, methods=["GET"]),
    Route("/api/duty/shifts/{id:int}", update_shift, methods=["PUT"]),
    Route("/api/duty/shifts/{id:int}", remove_shift, methods=["DELETE"]),
    Route("/api/duty/shifts/{id:int}/log", shift_log, methods=["GET"]),
    Route("/api/duty/shifts/{id:int}/log.xlsx", shift_log_xlsx, methods=["GET"]),
    Route("/api/duty/now", duty_now, methods=["GET"]),
]
