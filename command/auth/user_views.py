"""GET and POST /api/users, PATCH /api/users/{id}: people with passwords (administrators)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.routing import Route

from command.auth import service, users
from command.auth.guard import ensure_sees, require
from command.auth.schemas import UserIn, UserList, UserOut, UserPatch
from command.http import MAX_NUMBER, path_id, read_model, respond
from command.openapi import api
from command.units.service import get_unit

TAGS = ["auth"]
WRITE_ERRORS = (400, 401, 403, 404, 409, 422)


@api("Users of the caller's subtree", tags=TAGS, response=UserList)
async def list_users(request: Request):
    principal = await require(request, "accounts.manage")
    async with request.app.state.db.read() as session:
        items = await users.list_users(session, within=principal.unit_path)
    return respond(UserList(items=items))


@api(
    "Create a user with a password, bound to a unit of the caller's subtree",
    tags=TAGS,
    request=UserIn,
    response=UserOut,
    status=201,
    errors=WRITE_ERRORS,
)
async def create_user(request: Request):
    principal = await require(request, "accounts.manage")
    data = await read_model(request, UserIn)
    async with request.app.state.db.write() as session:
        unit = await get_unit(session, data.unit)
        ensure_sees(principal, unit.path, f"unit {unit.code}")
        user = await service.create_user(
            session,
            username=data.username,
            password=data.password,
            unit=unit,
            role=data.role,
            display_name=data.display_name,
        )
        users.record_user_event(
            session, user, kind="user.created", actor=principal.subject, changed=[]
        )
        out = users.user_out(user, unit)
    return respond(out, status=201)


@api(
    "Change a user's name, role or unit, reset the password, disable or enable",
    tags=TAGS,
    request=UserPatch,
    response=UserOut,
    errors=WRITE_ERRORS,
)
async def update_user(request: Request):
    principal = await require(request, "accounts.manage")
    user_id = path_id(request, "user_id", "user", maximum=MAX_NUMBER)
    patch = await read_model(request, UserPatch)
    async with request.app.state.db.write() as session:
        user, unit = await users.get_user(session, user_id, within=principal.unit_path)
        if patch.unit is not None:
            unit = await get_unit(session, patch.unit)
            ensure_sees(principal, unit.path, f"unit {unit.code}")
        await users.update_user(session, user=user, patch=patch, unit=unit, actor=principal.subject)
        out = users.user_out(user, unit)
    return respond(out)


routes = [
    Route("/api/users", list_users, methods=["GET"]),
    Route("/api/users", create_user, methods=["POST"]),
    Route("/api/users/{user_id:int}", update_user, methods=["PATCH"]),
]
