"""The incident API: parse, authorize the capability, call the service, serialize."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import anyio
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from command.auth.guard import ensure_sees, require
from command.auth.service import name_subjects
from command.errors import Invalid
from command.http import parse_query, path_id, read_model, respond, submit_once
from command.idempotency import request_key
from command.incidents import corrections, geometry, service
from command.incidents.models import Incident
from command.incidents.schemas import (
    CorrectionIn,
    CorrectionList,
    CorrectionOut,
    IncidentFeatureCollection,
    IncidentFilters,
    IncidentHistory,
    IncidentIn,
    IncidentList,
    IncidentOut,
    IncidentPatch,
    NamedIncidentOut,
    ReportIn,
    ReportOut,
)
from command.incidents.shapes import correction_dict, etag, incident_fields
from command.openapi import api

TAGS = ["incidents"]
WRITE_ERRORS = (400, 401, 403, 404, 409, 413, 422)


def _incident_id(request: Request) -> int:
    return path_id(request, "id", "incident")


async def _placed(request: Request, value: dict[str, Any] | None) -> geometry.Placed | None:
    """The geometry's anchor and outline, computed in a worker thread within the geometry
    budget before any transaction opens: a big geometry never holds the event loop or the
    write lock. 422 geometry_over_budget past it, nothing written."""
    if value is None:
        return None
    budget = request.app.state.settings.geometry_budget_seconds
    try:
        with anyio.fail_after(budget):
            return await anyio.to_thread.run_sync(geometry.place, value, abandon_on_cancel=True)
    except TimeoutError:
        message = f"the geometry is too complex to place within {budget:g} s; simplify it"
        raise Invalid("geometry", message, code="geometry_over_budget") from None


@api(
    "Log an incident; from the field, its initial report (初报)",
    tags=TAGS,
    request=IncidentIn,
    response=IncidentOut,
    status=201,
    errors=WRITE_ERRORS,
)
async def create_incident(request: Request) -> Response:
    principal = await require(request, "incidents.report")
    key = request_key(request)
    data = await read_model(request, IncidentIn)
    skew = timedelta(seconds=request.app.state.settings.clock_skew_seconds)
    placed = await _placed(request, data.geometry)

    async def work(session: AsyncSession) -> tuple[int, Any]:
        incident = await service.create_incident(
            session=session, data=data, principal=principal, clock_skew=skew, placed=placed
        )
        return 201, service.incident_dict(incident)

    return await submit_once(request, owner=principal.subject, key=key, data=data, work=work)


@api(
    "File a report (初报, 续报 or 终报) on an incident",
    tags=TAGS,
    request=ReportIn,
    response=ReportOut,
    status=201,
    errors=WRITE_ERRORS,
)
async def add_report(request: Request) -> Response:
    principal = await require(request, "incidents.report")
    incident_id = _incident_id(request)
    key = request_key(request)
    data = await read_model(request, ReportIn)
    skew = timedelta(seconds=request.app.state.settings.clock_skew_seconds)

    async def work(session: AsyncSession) -> tuple[int, Any]:
        _, report = await service.add_report(
            session=session,
            incident_id=incident_id,
            data=data,
            principal=principal,
            clock_skew=skew,
        )
        return 201, service.report_dict(report)

    return await submit_once(request, owner=principal.subject, key=key, data=data, work=work)


@api(
    "Change level, status or verified facts (commanders)",
    tags=TAGS,
    request=IncidentPatch,
    response=IncidentOut,
    errors=WRITE_ERRORS,
    if_match=True,
)
async def update_incident(request: Request) -> Response:
    principal = await require(request, "incidents.manage")
    incident_id = _incident_id(request)
    patch = await read_model(request, IncidentPatch)
    placed = await _placed(request, patch.geometry)
    async with request.app.state.db.write() as session:
        incident = await service.update_incident(
            session=session,
            incident_id=incident_id,
            patch=patch,
            principal=principal,
            if_match=request.headers.get("if-match"),
            placed=placed,
        )
        body, tag = service.incident_dict(incident), etag(incident)
    return respond(body, headers={"ETag": tag})


@api(
    "Acknowledge an incident at the centre (签收); a repeat answers the first one",
    tags=TAGS,
    response=IncidentOut,
    errors=(401, 403, 404),
    etag=True,
)
async def acknowledge_incident(request: Request) -> Response:
    principal = await require(request, "incidents.manage")
    incident_id = _incident_id(request)
    async with request.app.state.db.write() as session:
        incident, _first = await service.acknowledge(
            session=session, incident_id=incident_id, principal=principal
        )
        body, tag = service.incident_dict(incident), etag(incident)
    return respond(body, headers={"ETag": tag})


@api(
    "One incident with its reports, and who wrote them by name",
    tags=TAGS,
    response=NamedIncidentOut,
    etag=True,
)
async def get_incident(request: Request) -> Response:
    principal = await require(request, "incidents.read")
    incident_id = _incident_id(request)
    async with request.app.state.db.read() as session:
        incident = await service.get_incident(session=session, incident_id=incident_id)
        ensure_sees(principal, incident.unit_path, f"incident {incident_id}")
        body = await named_incident(session, service.incident_dict(incident))
    return respond(body, headers={"ETag": etag(incident)})


async def named_incident(session: AsyncSession, body: dict[str, Any]) -> dict[str, Any]:
    """The incident with the names of who created, acknowledged and reported it."""
    await name_subjects(session, [body], "created_by", "acknowledged_by")
    await name_subjects(session, body["reports"], "submitted_by", "logged_by")
    return body


@api("Who changed what when", tags=TAGS, response=IncidentHistory)
async def incident_history(request: Request) -> Response:
    principal = await require(request, "incidents.read")
    incident_id = _incident_id(request)
    async with request.app.state.db.read() as session:
        incident = await service.get_incident(session=session, incident_id=incident_id)
        ensure_sees(principal, incident.unit_path, f"incident {incident_id}")
        items = await name_subjects(
            session,
            await service.incident_history(session=session, incident_id=incident_id),
            "actor",
        )
    return respond({"incident_id": incident_id, "items": items})


@api("Incidents in the caller's subtree", tags=TAGS, query=IncidentFilters, response=IncidentList)
async def list_incidents(request: Request) -> Response:
    principal = await require(request, "incidents.read")
    filters = parse_query(request, IncidentFilters)
    async with request.app.state.db.read() as session:
        items, total = await service.list_incidents(
            session=session, filters=filters, principal=principal
        )
    body = {
        "items": [service.incident_dict(incident) for incident in items],
        "total": total,
        "limit": filters.limit,
        "offset": filters.offset,
    }
    return respond(body)


@api(
    "Incidents as a GeoJSON FeatureCollection (same filters)",
    tags=TAGS,
    query=IncidentFilters,
    response=IncidentFeatureCollection,
    media_type="application/geo+json",
)
async def incidents_geojson(request: Request) -> Response:
    principal = await require(request, "incidents.read")
    filters = parse_query(request, IncidentFilters)
    async with request.app.state.db.read() as session:
        items, _ = await service.list_incidents(
            session=session, filters=filters, principal=principal
        )
    features = [(i.id, i.geometry, _properties(i)) for i in items]
    return Response(geometry.feature_collection(features), media_type="application/geo+json")


@api(
    "Correct a report (更正): the fields changed and why",
    tags=TAGS,
    request=CorrectionIn,
    response=CorrectionOut,
    status=201,
    errors=WRITE_ERRORS,
)
async def correct_report(request: Request) -> Response:
    principal = await require(request, "incidents.report")
    incident_id = _incident_id(request)
    report_id = path_id(request, "report", "report")
    data = await read_model(request, CorrectionIn)
    async with request.app.state.db.write() as session:
        correction = await corrections.correct_report(
            session=session,
            incident_id=incident_id,
            report_id=report_id,
            data=data,
            principal=principal,
        )
        body = correction_dict(correction)
    return respond(body, 201)


@api("An incident's corrections (更正, 补报)", tags=TAGS, response=CorrectionList)
async def list_corrections(request: Request) -> Response:
    principal = await require(request, "incidents.read")
    incident_id = _incident_id(request)
    async with request.app.state.db.read() as session:
        incident = await service.get_incident(session=session, incident_id=incident_id)
        ensure_sees(principal, incident.unit_path, f"incident {incident_id}")
        found = await corrections.list_corrections(session, incident_id=incident_id)
        items = await name_subjects(session, [correction_dict(c) for c in found], "actor")
    return respond({"items": items, "total": len(items)})


def _properties(incident: Incident) -> dict[str, Any]:
    properties = incident_fields(incident)
    del properties["geometry"]
    return properties


routes = [
    Route("/api/incidents", list_incidents, methods=["GET"]),
    Route("/api/incidents", create_incident, methods=["POST"]),
    Route("/api/incidents.geojson", incidents_geojson, methods=["GET"]),
    Route("/api/incidents/{id:int}", get_incident, methods=["GET"]),
    Route("/api/incidents/{id:int}", update_incident, methods=["PATCH"]),
    Route("/api/incidents/{id:int}/reports", add_report, methods=["POST"]),
    Route("/api/incidents/{id:int}/ack", acknowledge_incident, methods=["POST"]),
    Route("/api/incidents/{id:int}/history", incident_history, methods=["GET"]),
    Route(
        "/api/incidents/{id:int}/reports/{report:int}/corrections",
        correct_report,
        methods=["POST"],
    ),
    Route("/api/incidents/{id:int}/corrections", list_corrections, methods=["GET"]),
]
