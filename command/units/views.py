"""GET /api/units, GET and PATCH /api/units/{code}, POST /api/units, POST
/api/units/{code}/move."""

from __future__ import annotations

from starlette.requests import Request
from starlette.routing import Route

from command.auth.guard import ensure_sees, require, subtree_root
from command.http import parse_query, read_model, respond
from command.openapi import api
from command.units import boundaries, moves, service
from command.units.schemas import (
    Contact,
    UnitDetail,
    UnitIn,
    UnitList,
    UnitMove,
    UnitOut,
    UnitPatch,
    UnitQuery,
)


@api("Units in the caller's subtree", tags=["units"], query=UnitQuery, response=UnitList)
async def list_units(request: Request):
    principal = await require(request, "units.read")
    query = parse_query(request, UnitQuery)
    async with request.app.state.db.read() as session:
        root = await subtree_root(session, principal, query.within, field="query.within")
        units = await service.subtree(session, root, kind=query.kind, tier=query.tier)
    items = [service.to_out(u) for u in units]
    return respond(UnitList(items=items, total=len(items)))


def _detail(unit, principal) -> UnitDetail:
    """The unit; with its contacts for administrators only (a URL may hold a secret)."""
    detail = UnitDetail(**service.to_out(unit).model_dump())
    if principal.can("units.manage"):
        detail.contacts = [Contact(**contact) for contact in unit.contacts or []]
    return detail


@api("One unit (its contacts for administrators)", tags=["units"], response=UnitDetail)
async def get_unit(request: Request):
    principal = await require(request, "units.read")
    async with request.app.state.db.read() as session:
        unit = await service.get_unit(session, request.path_params["code"])
    ensure_sees(principal, unit.path, f"unit {unit.code}")
    return respond(_detail(unit, principal))


@api(
    "Change a unit's names, position or contacts (administrators)",
    tags=["units"],
    request=UnitPatch,
    response=UnitDetail,
    errors=(400, 401, 403, 404, 413, 422),
)
async def update_unit(request: Request):
    principal = await require(request, "units.manage")
    patch = await read_model(request, UnitPatch)
    async with request.app.state.db.write() as session:
        unit = await service.get_unit(session, request.path_params["code"])
        ensure_sees(principal, unit.path, f"unit {unit.code}")
        unit = await service.update_unit(
            session, code=unit.code, patch=patch, actor=principal.subject
        )
        detail = _detail(unit, principal)
    return respond(detail)


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


@api(
    "Move a unit and its subtree under another parent (administrators; only while no "
    "record refers to the subtree)",
    tags=["units"],
    request=UnitMove,
    response=UnitOut,
    errors=(400, 401, 403, 404, 409, 413, 422, 503),
)
async def move_unit(request: Request):
    principal = await require(request, "units.manage")
    data = await read_model(request, UnitMove)
    async with request.app.state.db.write() as session:
        unit = await moves.move_unit(
            session,
            code=request.path_params["code"],
            parent_code=data.parent,
            actor=principal.subject,
            sees=principal.sees,
        )
        out = service.to_out(unit)
    return respond(out)


async def _outline_root(session, principal):
    """The area whose outline the caller's maps draw: its own unit, or, below a county,
    the county it is in (a township's reporter sees the outline around it)."""
    unit = await subtree_root(session, principal, None)
    if unit.tier in boundaries.AREA_TIERS or unit.tier in ("province",):
        return unit
    above = [u for u in await service.chain_up(session, unit) if u.tier in boundaries.AREA_TIERS]
    return above[0] if above else unit


@api("Administrative boundaries for the maps (GeoJSON)", tags=["units"])
async def get_boundaries(request: Request):
    """The deployment's boundaries file (WATCHFLOOR_BOUNDARIES), or a rough outline of
    each city and county drawn around its units' locations."""
    principal = await require(request, "units.read")
    path = request.app.state.settings.boundaries
    if path is not None:
        return respond(boundaries.supplied(path))
    async with request.app.state.db.read() as session:
        root = await _outline_root(session, principal)
        units = await service.subtree(session, root)
    return respond(boundaries.generated(units))


routes = [
    Route("/api/boundaries", get_boundaries, methods=["GET"]),
    Route("/api/units", list_units, methods=["GET"]),
    Route("/api/units", create_unit, methods=["POST"]),
    Route("/api/units/{code}", get_unit, methods=["GET"]),
    Route("/api/units/{code}", update_unit, methods=["PATCH"]),
    Route("/api/units/{code}/move", move_unit, methods=["POST"]),
]
