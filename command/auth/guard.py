"""Who is calling, and may they? Used by every view before it touches a service."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import HTTPConnection

from command.auth.cache import PrincipalCache
from command.auth.models import ApiToken
from command.auth.service import (
    Principal,
    hash_token,
    principal_for_token,
    principal_for_user,
)
from command.errors import ApiError
from command.units.models import Unit

SESSION_KEY = "uid"
# A kiosk screen signed in with a display token (`/wall?token=…`) keeps the token's id, not
# the token: each request looks the token up again, so revoking it ends the session.
KIOSK_KEY = "kiosk"


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
        conn.scope["watchfloor.principal"] = principal
        return principal
    async with conn.app.state.db.read() as session:
        if "session" in conn.scope:
            principal = await principal_for_session(session, conn.session)
        else:
            principal = None
    conn.scope["watchfloor.principal"] = principal
    return principal


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
    """The caller a session cookie names: a signed-in user, or a kiosk's display token."""
    user_id = cookie.get(SESSION_KEY)
    if isinstance(user_id, int):
        return await principal_for_user(session, user_id)
    token_id = cookie.get(KIOSK_KEY)
    if isinstance(token_id, int):
        return await principal_for_token_id(session, token_id)
    return None


async def principal_for_token_id(session: AsyncSession, token_id: int) -> Principal | None:
    """The principal of a token known by its id; None once it is revoked."""
    found = (
        await session.execute(
            select(ApiToken, Unit)
            .join(Unit, Unit.id == ApiToken.unit_id)
            .where(ApiToken.id == token_id, ApiToken.revoked_at.is_(None))
        )
    ).first()
    if found is None:
        return None
    token, unit = found
    return Principal(
        subject=f"token:{token.id}",
        role=token.role,
        unit_id=unit.id,
        unit_code=unit.code,
        unit_path=unit.path,
        name=token.label or f"token {token.prefix}…",
    )


async def require(conn: HTTPConnection, capability: str) -> Principal:
    principal = await resolve_principal(conn)
    if principal is None:
        raise ApiError(401, "authentication required: send 'Authorization: Bearer <token>'")
    if not principal.can(capability):
        raise ApiError(403, f"role {principal.role} may not do this ({capability})")
    return principal


def ensure_sees(principal: Principal, unit_path: str, what: str = "this unit") -> None:
    if not principal.sees(unit_path):
        raise ApiError(403, f"{what} lies outside the subtree of unit {principal.unit_code}")
