"""Who is calling, and may they? Used by every view before it touches a service."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import HTTPConnection

from command.auth.cache import PrincipalCache
from command.auth.csrf import ensure_same_origin
from command.auth.service import Principal, hash_token, principal_for_token
from command.auth.sessions import COOKIE_KEY, principal_for_sid
from command.auth.usage import mark_used, token_id_of
from command.errors import ApiError, Forbidden, Invalid
from command.units.models import Unit
from command.units.service import find_unit

# The only role whose token may sign a kiosk screen in.
KIOSK_ROLE = "display"


def bearer_token(conn: HTTPConnection) -> str | None:
    header = conn.headers.get("authorization")
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise ApiError(401, "Authorization header must be 'Bearer <token>'")
    return value.strip()


async def resolve_principal(conn: HTTPConnection) -> Principal | None:
    """The caller from a bearer token or, failing that, the session cookie."""
    cached = conn.scope.get("watchfloor.principal")
    if cached is not None:
        return cached
    token = bearer_token(conn)
    if token is not None:
        principal = await _principal_for_bearer(conn, token)
    else:
        async with conn.app.state.db.read() as session:
            if "session" in conn.scope:
                principal = await principal_for_session(session, conn.session)
            else:
                principal = None
        if principal is not None and conn.scope["type"] == "http":
            ensure_same_origin(conn)  # a cookie rides along on another site's request
    conn.scope["watchfloor.principal"] = principal
    if principal is not None:
        await _note_token_use(conn, principal)
    return principal


async def _note_token_use(conn: HTTPConnection, principal: Principal) -> None:
    """Stamp a token's last use (at most once a minute per process; see auth/usage.py)."""
    token_id = token_id_of(principal.subject)
    usage = getattr(conn.app.state, "token_use", None)
    if token_id is None or usage is None or not usage.due(token_id):
        return
    async with conn.app.state.db.write() as session:
        await mark_used(session, token_id)


async def _principal_for_bearer(conn: HTTPConnection, token: str) -> Principal:
    cache: PrincipalCache = conn.app.state.principals
    digest = hash_token(token)
    if (principal := cache.get(digest)) is not None:
        return principal
    async with conn.app.state.db.read() as session:
        principal = await principal_for_token(session, token)
    if principal is None:
        raise ApiError(401, "token is invalid or revoked")
    cache.put(digest, principal)
    return principal


async def principal_for_session(
    session: AsyncSession, cookie: Mapping[str, Any]
) -> Principal | None:
    """The caller a session cookie names (a signed-in user, or a kiosk's display token),
    while its server-side session is live."""
    sid = cookie.get(COOKIE_KEY)
    return await principal_for_sid(session, sid) if isinstance(sid, str) else None


async def require(conn: HTTPConnection, capability: str) -> Principal:
    principal = await resolve_principal(conn)
    if principal is None:
        raise ApiError(401, "authentication required: send 'Authorization: Bearer <token>'")
    if not principal.can(capability):
        raise Forbidden(f"role {principal.role} may not do this ({capability})")
    return principal


def ensure_sees(principal: Principal, unit_path: str, what: str = "this unit") -> None:
    if not principal.sees(unit_path):
        raise Forbidden(f"{what} lies outside the subtree of unit {principal.unit_code}")


def ensure_filter_sees(
    principal: Principal, unit_path: str | None, what: str, *, field: str
) -> None:
    """A query filter naming one resource (`?incident=7`, `?plan=3`) answers as `?unit=`
    does: 422 naming the field when there is no such resource (`unit_path` None), 403
    when it lies outside the caller's subtree; never an empty list that hides which."""
    if unit_path is None:
        raise Invalid(field, f"{what} does not exist")
    ensure_sees(principal, unit_path, what)


async def subtree_root(
    session: AsyncSession, principal: Principal, code: str | None, *, field: str = "query.unit"
) -> Unit:
    """The unit whose subtree a request is about: `code` (the request's `field`), or the
    caller's own unit; 422 naming the field when no unit has that code, 403 outside the
    caller's subtree."""
    unit = await named_unit(session, code or principal.unit_code, field=field)
    ensure_sees(principal, unit.path, f"unit {unit.code}")
    return unit


async def named_unit(session: AsyncSession, code: str, *, field: str) -> Unit:
    """The unit a request names in `field`; 422 naming the field when there is none."""
    unit = await find_unit(session, code)
    if unit is None:
        raise Invalid(field, f"unit {code} does not exist")
    return unit
