"""The notifications API and the acknowledgement link."""

from __future__ import annotations

from html import escape

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from command.auth.guard import ensure_filter_sees, require
from command.db import utcnow
from command.errors import NotFound
from command.http import parse_query, path_id, respond
from command.incidents.queries import incident_unit_path
from command.notify import service
from command.notify.schemas import DeliveryList, DeliveryOut, DeliveryQuery
from command.notify.sender import delivery_of_token
from command.openapi import api

TAGS = ["notifications"]


@api(
    "The delivery log: who was told what, through which channel, and who acknowledged",
    tags=TAGS,
    query=DeliveryQuery,
    response=DeliveryList,
)
async def list_notifications(request: Request) -> Response:
    principal = await require(request, "deadlines.read")
    query = parse_query(request, DeliveryQuery)
    async with request.app.state.db.read() as session:
        if query.incident is not None:
            path = await incident_unit_path(session, query.incident)
            ensure_filter_sees(
                principal, path, f"incident {query.incident}", field="query.incident"
            )
        items = await service.list_deliveries(session, query=query, principal=principal)
    return respond(DeliveryList.model_validate({"items": items}))


@api(
    "Acknowledge a notification: stops its obligation's escalation",
    tags=TAGS,
    response=DeliveryOut,
    errors=(401, 403, 404),
)
async def acknowledge(request: Request) -> Response:
    principal = await require(request, "deadlines.read")
    delivery_id = path_id(request, "id", "notification")
    async with request.app.state.db.write() as session:
        view = await service.acknowledge(
            session,
            delivery_id=delivery_id,
            by=principal.subject,
            now=utcnow(),
            principal=principal,
        )
    return respond(DeliveryOut.model_validate(view))


PAGE = """<!doctype html><html lang="zh-CN"><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><body style="font-family:sans-serif;max-width:36em;margin:2em auto">
<h1>{title}</h1><p>{subject}</p><p>{when}</p></body></html>"""


@api("Acknowledge through the signed link a message carries", tags=TAGS, public=True)
async def acknowledge_link(request: Request) -> Response:
    delivery_id = delivery_of_token(request.app.state.settings, request.path_params["token"])
    if delivery_id is None:
        raise NotFound("notification link", "…")
    async with request.app.state.db.write() as session:
        view = await service.acknowledge(session, delivery_id=delivery_id, by=None, now=utcnow())
    page = PAGE.format(
        title="已确认收到 · Acknowledged",
        subject=escape(view["subject"]),
        when=escape(f"{view['acknowledged_by']} · {view['acknowledged_at'].isoformat()}"),
    )
    return HTMLResponse(
        page, headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
    )


routes = [
    Route("/api/notifications", list_notifications, methods=["GET"]),
    Route("/api/notifications/{id:int}/ack", acknowledge, methods=["POST"]),
    Route("/n/{token}", acknowledge_link, methods=["GET"]),
]
