"""Who is calling, and may they? Used by every view before it touches a service."""

from __future__ import annotations

from starlette.requests import HTTPConnection

from command.auth.service import Principal, principal_for_token, principal_for_user
from command.errors import ApiError

SESSION_KEY = "uid"


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
    async with conn.app.state.db.read() as session:
        if token is not None:
            principal = await principal_for_token(session, token)
            if principal is None:
                raise ApiError(401, "token is invalid or revoked")
        else:
            user_id = conn.session.get(SESSION_KEY) if "session" in conn.scope else None
            principal = await principal_for_user(session, user_id) if user_id else None
    conn.scope["watchfloor.principal"] = principal
    return principal


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
