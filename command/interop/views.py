"""The interop API: CAP alerts out and in, early warnings, incident exports."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import TypeVar

import anyio
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from command.auth.guard import require, subtree_root
from command.db import utcnow
from command.errors import ApiError
from command.http import parse_query, path_id, read_body, read_model, respond
from command.incidents.schemas import IncidentOut
from command.incidents.service import incident_dict
from command.interop import alerts, atom, cap, cap_import, early_warnings, exports, promotion
from command.interop.schemas import (
    AlertQuery,
    ExportQuery,
    FeedQuery,
    PromoteIn,
    WarningFilters,
    WarningList,
    WarningOut,
)
from command.openapi import api

T = TypeVar("T")
TAGS = ["interop"]
CAP_TYPE = "application/cap+xml"
ATOM_TYPE = "application/atom+xml"
XML_TYPES = ("application/xml", "text/xml", CAP_TYPE)
CAP_BODY = {
    "type": "string",
    "description": "a CAP 1.2 <alert> (urn:oasis:names:tc:emergency:cap:1.2), UTF-8 XML",
}
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
READ_ERRORS = (400, 401, 403, 404, 422)


async def _off_loop(request: Request, work: Callable[[], T]) -> T:
    """CAP areas (buffered lines) computed in a worker thread within the geometry budget,
    so that no read freezes the process; 503 past it."""
    budget = request.app.state.settings.geometry_budget_seconds
    try:
        with anyio.fail_after(budget):
            return await anyio.to_thread.run_sync(work, abandon_on_cancel=True)
    except TimeoutError:
        raise ApiError(
            503, f"rendering took over {budget:g} s; try again", code="geometry_over_budget"
        ) from None


def _xml(body: bytes, media_type: str) -> Response:
    return Response(body, media_type=media_type)


@api(
    "An incident as a CAP 1.2 alert (latest message, or ?event= an earlier one)",
    tags=TAGS,
    query=AlertQuery,
    media_type=CAP_TYPE,
    errors=READ_ERRORS,
)
async def incident_cap(request: Request) -> Response:
    principal = await require(request, "incidents.read")
    incident_id = path_id(request, "id", "incident")
    query = parse_query(request, AlertQuery)
    async with request.app.state.db.read() as session:
        alert = await alerts.incident_alert(
            session=session, incident_id=incident_id, principal=principal, event_id=query.event
        )
    settings = request.app.state.settings
    element = await _off_loop(request, partial(alert.element, settings.zone, settings.cap_sender))
    return _xml(cap.to_bytes(element), CAP_TYPE)


@api(
    "Atom feed of the current CAP alerts in the caller's subtree",
    tags=TAGS,
    query=FeedQuery,
    media_type=ATOM_TYPE,
    errors=READ_ERRORS,
)
async def cap_feed(request: Request) -> Response:
    principal = await require(request, "incidents.read")
    query = parse_query(request, FeedQuery)
    now = utcnow()
    async with request.app.state.db.read() as session:
        root = await subtree_root(session, principal, query.unit)
        current = await alerts.current_alerts(
            session=session, root=root, now=now, exercise=query.exercise
        )
    render = partial(
        atom.render,
        current,
        root=root,
        self_url=str(request.url),
        base_url=str(request.base_url),
        zone=request.app.state.settings.zone,
        now=now,
        sender=request.app.state.settings.cap_sender,
    )
    return _xml(await _off_loop(request, render), ATOM_TYPE)


def _require_xml(request: Request) -> None:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in XML_TYPES:
        raise ApiError(415, f"send the CAP alert as {', '.join(XML_TYPES)}")


@api(
    "Receive a CAP 1.2 alert from another agency as an early warning (commanders)",
    tags=TAGS,
    response=WarningOut,
    status=201,
    errors=(400, 401, 403, 409, 413, 415, 422, 503),
    extra_responses={200: "the same message was received before; nothing changed"},
    request_media={media: CAP_BODY for media in XML_TYPES},
)
async def receive_cap(request: Request) -> Response:
    principal = await require(request, "incidents.manage")
    _require_xml(request)
    body = await read_body(request)
    if not body.strip():
        raise ApiError(400, "request body is empty; send a CAP 1.2 alert")
    settings = request.app.state.settings
    read = partial(cap_import.read_alert, body, max_pairs=settings.max_geometry_vertices)
    alert = await anyio.to_thread.run_sync(read)
    warning, created = await early_warnings.receive(
        db=request.app.state.db,
        alert=alert,
        principal=principal,
        budget=settings.geometry_budget_seconds,
    )
    return respond(warning, 201 if created else 200)


@api("Early warnings (预警) received as CAP", tags=TAGS, query=WarningFilters, response=WarningList)
async def list_warnings(request: Request) -> Response:
    principal = await require(request, "incidents.read")
    filters = parse_query(request, WarningFilters)
    async with request.app.state.db.read() as session:
        root = await subtree_root(session, principal, filters.unit)
        items, total = await early_warnings.list_warnings(
            session=session, filters=filters, root_path=root.path
        )
        body = {
            "items": [early_warnings.warning_dict(w, principal) for w in items],
            "total": total,
            "limit": filters.limit,
            "offset": filters.offset,
        }
    return respond(body)


@api("One early warning", tags=TAGS, response=WarningOut, errors=READ_ERRORS)
async def get_warning(request: Request) -> Response:
    principal = await require(request, "incidents.read")
    warning_id = path_id(request, "id", "warning")
    async with request.app.state.db.read() as session:
        warning = await early_warnings.get_warning(
            session=session, warning_id=warning_id, principal=principal
        )
        body = early_warnings.warning_dict(warning, principal)
    return respond(body)


@api("The CAP alert of an early warning as received", tags=TAGS, media_type=CAP_TYPE)
async def warning_document(request: Request) -> Response:
    principal = await require(request, "incidents.read")
    warning_id = path_id(request, "id", "warning")
    async with request.app.state.db.read() as session:
        warning = await early_warnings.get_warning(
            session=session, warning_id=warning_id, principal=principal
        )
    declaration = '<?xml version="1.0" encoding="UTF-8"?>\n'
    return _xml((declaration + warning.document).encode(), CAP_TYPE)


@api(
    "Record an early warning as an incident once it happens (commanders)",
    tags=TAGS,
    request=PromoteIn,
    response=IncidentOut,
    status=201,
    errors=(400, 401, 403, 404, 409, 413, 422),
)
async def promote_warning(request: Request) -> Response:
    principal = await require(request, "incidents.manage")
    warning_id = path_id(request, "id", "warning")
    data = await read_model(request, PromoteIn)
    skew = timedelta(seconds=request.app.state.settings.clock_skew_seconds)
    async with request.app.state.db.write() as session:
        incident = await promotion.promote(
            session=session,
            warning_id=warning_id,
            data=data,
            principal=principal,
            clock_skew=skew,
        )
        body = incident_dict(incident)
    return respond(body, 201)


async def _export(request: Request) -> exports.Export:
    principal = await require(request, "incidents.read")
    query = parse_query(request, ExportQuery)
    settings = request.app.state.settings
    async with request.app.state.db.read() as session:
        return await exports.collect(
            session=session,
            query=query,
            principal=principal,
            zone_name=settings.timezone,
            filters=request.url.query,
        )


def _attachment(body: bytes, media_type: str, export: exports.Export, suffix: str) -> Response:
    stamp = export.now.astimezone(export.zone).strftime("%Y%m%d-%H%M")
    headers = {
        "Content-Disposition": f'attachment; filename="incidents-{stamp}.{suffix}"',
        "X-Total-Count": str(export.total),
    }
    return Response(body, media_type=media_type, headers=headers)


@api(
    "Incidents as CSV (UTF-8 with BOM; same filters as the list; ?lang=en)",
    tags=TAGS,
    query=ExportQuery,
    media_type="text/csv",
)
async def incidents_csv(request: Request) -> Response:
    export = await _export(request)
    return _attachment(exports.to_csv(export), "text/csv; charset=utf-8", export, "csv")


@api(
    "Incidents as an Excel workbook (same filters as the list; ?lang=en)",
    tags=TAGS,
    query=ExportQuery,
    media_type=XLSX_TYPE,
)
async def incidents_xlsx(request: Request) -> Response:
    export = await _export(request)
    body = await anyio.to_thread.run_sync(exports.to_xlsx, export)
    return _attachment(body, XLSX_TYPE, export, "xlsx")


routes = [
    Route("/api/incidents/{id:int}/cap", incident_cap, methods=["GET"]),
    Route("/api/incidents.csv", incidents_csv, methods=["GET"]),
    Route("/api/incidents.xlsx", incidents_xlsx, methods=["GET"]),
    Route("/api/cap", receive_cap, methods=["POST"]),
    Route("/api/cap/feed.atom", cap_feed, methods=["GET"]),
    Route("/api/warnings", list_warnings, methods=["GET"]),
    Route("/api/warnings/{id:int}", get_warning, methods=["GET"]),
    Route("/api/warnings/{id:int}/cap", warning_document, methods=["GET"]),
    Route("/api/warnings/{id:int}/incident", promote_warning, methods=["POST"]),
]
