"""Login, logout, who-am-I and token management."""

from __future__ import annotations

from urllib.parse import urlencode

import segno
from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from command.auth import service, user_views
from command.auth.guard import KIOSK_ROLE, SESSION_KEY, ensure_sees, require, resolve_principal
from command.auth.models import ApiToken
from command.auth.schemas import LoginIn, PrincipalOut, TokenIn, TokenList, TokenOut
from command.errors import ApiError
from command.http import path_id, read_model, respond
from command.openapi import api
from command.units.models import Unit
from command.units.service import get_unit


@api(
    "Sign in with a password; sets the session cookie",
    tags=["auth"],
    request=LoginIn,
    response=PrincipalOut,
    public=True,
)
async def login(request: Request):
    data = await read_model(request, LoginIn)
    async with request.app.state.db.read() as session:
        user = await service.check_password(session, username=data.username, password=data.password)
        principal = await service.principal_for_user(session, user.id) if user else None
    if principal is None:
        raise ApiError(401, "wrong username or password")
    request.session.clear()
    request.session[SESSION_KEY] = user.id
    return respond(principal.as_dict())


@api("Sign out (clears the session cookie)", tags=["auth"], public=True, status=204)
async def logout(request: Request):
    request.session.clear()
    return Response(status_code=204)


@api("The caller's identity, role and unit", tags=["auth"], response=PrincipalOut)
async def me(request: Request):
    principal = await resolve_principal(request)
    if principal is None:
        raise ApiError(401, "not signed in")
    return respond(principal.as_dict())


def _token_out(token: ApiToken, unit: Unit, plain: str | None = None) -> TokenOut:
    return TokenOut(
        id=token.id,
        prefix=token.prefix,
        unit=unit.code,
        unit_name=unit.name,
        role=token.role,
        label=token.label,
        created_at=token.created_at,
        revoked_at=token.revoked_at,
        last_used_at=token.last_used_at,
        token=plain,
    )


@api(
    "Issue an API token for a unit in the caller's subtree",
    tags=["auth"],
    request=TokenIn,
    response=TokenOut,
    status=201,
)
async def create_token(request: Request):
    principal = await require(request, "accounts.manage")
    data = await read_model(request, TokenIn)
    async with request.app.state.db.write() as session:
        unit = await get_unit(session, data.unit)
        ensure_sees(principal, unit.path, f"unit {unit.code}")
        plain, token = await service.create_token(
            session, unit=unit, role=data.role, label=data.label
        )
    out = _token_out(token, unit, plain)
    if token.role == KIOSK_ROLE:
        out.kiosk_url = f"{str(request.base_url).rstrip('/')}/wall?{urlencode({'token': plain})}"
        out.kiosk_qr = segno.make(out.kiosk_url, error="m").svg_data_uri(scale=6, border=2)
    return respond(out, status=201)


@api(
    "Tokens of the caller's subtree (secrets are never shown again)",
    tags=["auth"],
    response=TokenList,
)
async def list_tokens(request: Request):
    principal = await require(request, "accounts.manage")
    async with request.app.state.db.read() as session:
        rows = await session.execute(
            select(ApiToken, Unit)
            .join(Unit, Unit.id == ApiToken.unit_id)
            .where(Unit.path.startswith(principal.unit_path, autoescape=True))
            .order_by(ApiToken.id)
        )
        items = [_token_out(token, unit) for token, unit in rows]
    return respond(TokenList(items=items))


@api("Revoke a token", tags=["auth"], response=TokenOut)
async def revoke_token(request: Request):
    principal = await require(request, "accounts.manage")
    token_id = path_id(request, "token_id", "token")
    async with request.app.state.db.write() as session:
        token = await service.revoke_token(
            session, token_id=token_id, within=principal.unit_path, actor=principal.subject
        )
        unit = await session.get(Unit, token.unit_id)
    request.app.state.principals.clear()
    return respond(_token_out(token, unit))


routes = [
    *user_views.routes,
    Route("/api/auth/login", login, methods=["POST"]),
    Route("/api/auth/logout", logout, methods=["POST"]),
    Route("/api/auth/me", me, methods=["GET"]),
    Route("/api/tokens", create_token, methods=["POST"]),
    Route("/api/tokens", list_tokens, methods=["GET"]),
    Route("/api/tokens/{token_id:int}", revoke_token, methods=["DELETE"]),
]
