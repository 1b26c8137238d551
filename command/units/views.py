"""GET /api/units, GET /api/units/{code}, POST /api/units."""

from __future__ import annotations

from starlette.requests import Request
from starlette.routing import Route

from command.auth.guard import ensure_sees, require, subtree_root
from command.http import parse_query, read_model, respond
from command.openapi import api
from command.units import service
from command.units.schemas import UnitIn, UnitList, UnitOut, UnitQuery


@api("Units in the caller's subtree", tags=["units"], query=UnitQuery, response=UnitList)
async def list_units(request: Request):
    principal = await require(request, "units.read")
    query = parse_query(request, UnitQuery)
    async with request.app.state.db.read() as session:
        root = await subtree_root(session, principal, query.within, field="query.within")
        units = await service.subtree(session, root, kind=query.kind, tier=query.tier)
    items = [service.to_out(u) for u in units]
    return respond(UnitList(items=items, total=len(items)))


@api("One unit", tags=["units"], response=UnitOut)
async def get_unit(request: Request):
    principal = await require(request, "units.read")
    async with request.app.state.db.read() as session:
        unit = await service.get_unit(session, request.path_params["code"])
    ensure_sees(principal, unit.path, f"unit {unit.code}")
    return respond(service.to_out(unit))


@api(
    "Add a unit under one in the caller's subtree",
    tags=["units"],
    request=UnitIn,
    response=UnitOut,
    status=201,
    errors=(400, 401, 403, 404, 409, 422),
)
async def create_unit(request: Request):
    principal = await require(request, "units.manage")
    data = await read_model(request, UnitIn)
    async with request.app.state.db.write() as session:
        if data.parent is None:
            ensure_sees(principal, "/", "the root of the tree")
        else:
            parent = await service.get_unit(session, data.parent)
            ensure_sees(principal, parent.path, f"unit {parent.code}")
        unit = await service.create_unit(session, data=data, actor=principal.subject)
    return respond(service.to_out(unit), status=201)


routes = [
    Route("/api/units", list_units, methods=["GET"]),
    Route("/api/units", create_unit, methods=["POST"]),
    Route("/api/units/{code}", get_unit, methods=["GET"]),
]
