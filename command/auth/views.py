"""Login, logout, who-am-I and token management."""

from __future__ import annotations

from urllib.parse import urlencode

import anyio
import segno
from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from command.auth import service, sessions, throttle, user_views
from command.auth.csrf import ensure_same_origin
from command.auth.guard import KIOSK_ROLE, ensure_sees, require, resolve_principal
from command.auth.models import ApiToken, AuthSession
from command.auth.schemas import (
    LoginIn,
    PrincipalOut,
    RevokedCount,
    SessionList,
    SessionOut,
    SessionQuery,
    TokenIn,
    TokenList,
    TokenOut,
)
from command.config import Settings
from command.errors import ApiError
from command.http import MAX_NUMBER, parse_query, path_id, read_model, refuse_nul, respond
from command.openapi import api
from command.units.models import Unit
from command.units.service import get_unit


def _address(request: Request) -> str:
    return request.client.host if request.client else ""


def _budget(settings: Settings) -> throttle.Budget:
    return throttle.Budget(
        account_failures=settings.login_account_failures,
        address_failures=settings.login_address_failures,
        window_seconds=settings.login_window_seconds,
        lockout_seconds=settings.login_lockout_seconds,
    )


def _ensure_hashing_room(request: Request) -> anyio.CapacityLimiter:
    limiter: anyio.CapacityLimiter = request.app.state.password_limiter
    if limiter.statistics().tasks_waiting >= request.app.state.settings.login_hash_queue:
        raise ApiError(
            503,
            "too many sign-ins at once; try again",
            code="login_busy",
            headers={"Retry-After": "1"},
        )
    return limiter


@api(
    "Sign in with a password; opens a server-side session and sets its cookie",
    tags=["auth"],
    request=LoginIn,
    response=PrincipalOut,
    public=True,
    errors=(400, 401, 413, 415, 422, 429, 503),
)
async def login(request: Request):
    data = await read_model(request, LoginIn)
    db, settings, address = request.app.state.db, request.app.state.settings, _address(request)
    async with db.read() as session:
        await throttle.ensure_allowed(session, username=data.username, address=address)
        user = await service.active_user(session, data.username)
    limiter = _ensure_hashing_room(request)
    matches = await service.password_matches(user, data.password, limiter=limiter)
    async with db.write() as session:
        principal = await service.principal_for_user(session, user.id) if matches else None
        if principal is None:
            await throttle.record_failure(
                session, username=data.username, address=address, budget=_budget(settings)
            )
        else:
            await throttle.record_success(session, username=data.username)
            sid = await sessions.open_session(
                session,
                hours=settings.session_hours,
                user_id=user.id,
                address=address,
                user_agent=request.headers.get("user-agent", ""),
            )
    if principal is None:
        raise ApiError(401, "wrong username or password")
    request.session.clear()
    request.session[sessions.COOKIE_KEY] = sid
    return respond(principal.as_dict())


@api(
    "Sign out: ends the server-side session and clears its cookie",
    tags=["auth"],
    public=True,
    status=204,
)
async def logout(request: Request):
    sid = request.session.get(sessions.COOKIE_KEY)
    if isinstance(sid, str):
        ensure_same_origin(request)
        async with request.app.state.db.write() as session:
            await sessions.revoke_sid(session, sid)
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
    token_id = path_id(request, "token_id", "token", maximum=MAX_NUMBER)
    async with request.app.state.db.write() as session:
        token = await service.revoke_token(
            session, token_id=token_id, within=principal.unit_path, actor=principal.subject
        )
        unit = await session.get(Unit, token.unit_id)
    request.app.state.principals.clear()
    return respond(_token_out(token, unit))


def _session_out(row: AuthSession, username: str | None) -> SessionOut:
    return SessionOut(
        id=row.id,
        user=username,
        kiosk_token=row.token_id,
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        address=row.address,
        user_agent=row.user_agent,
    )


@api(
    "Page sessions in the caller's subtree (of one user with ?user=), newest first",
    tags=["auth"],
    query=SessionQuery,
    response=SessionList,
)
async def list_sessions(request: Request):
    principal = await require(request, "accounts.manage")
    query = parse_query(request, SessionQuery)
    async with request.app.state.db.read() as session:
        rows = await sessions.list_sessions(
            session, within=principal.unit_path, username=query.user, live_only=not query.ended
        )
    return respond(SessionList(items=[_session_out(row, name) for row, name in rows]))


@api("End one page session (its cookie stops working at once)", tags=["auth"], response=SessionOut)
async def revoke_session(request: Request):
    principal = await require(request, "accounts.manage")
    session_id = path_id(request, "session_id", "session", maximum=MAX_NUMBER)
    async with request.app.state.db.write() as session:
        row, name = await sessions.revoke_session(
            session, session_id=session_id, within=principal.unit_path
        )
    return respond(_session_out(row, name))


@api("End every live page session of one user", tags=["auth"], response=RevokedCount)
async def revoke_user_sessions(request: Request):
    principal = await require(request, "accounts.manage")
    username = request.path_params["username"]
    refuse_nul("username", username)
    async with request.app.state.db.write() as session:
        count = await sessions.revoke_user_sessions(
            session, username=username[:64], within=principal.unit_path, actor=principal.subject
        )
    return respond(RevokedCount(revoked=count))


routes = [
    *user_views.routes,
    Route("/api/auth/login", login, methods=["POST"]),
    Route("/api/auth/logout", logout, methods=["POST"]),
    Route("/api/auth/me", me, methods=["GET"]),
    Route("/api/tokens", create_token, methods=["POST"]),
    Route("/api/tokens", list_tokens, methods=["GET"]),
    Route("/api/tokens/{token_id:int}", revoke_token, methods=["DELETE"]),
    Route("/api/sessions", list_sessions, methods=["GET"]),
    Route("/api/sessions/{session_id:int}", revoke_session, methods=["DELETE"]),
    Route("/api/users/{username}/sessions", revoke_user_sessions, methods=["DELETE"]),
]
