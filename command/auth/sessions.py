"""Server-side sessions of the bundled pages: opened at sign-in, looked up on every request,
revoked by logout or an admin, expiring after `session_hours`.

The cookie (signed by Starlette's SessionMiddleware) carries only a random session id; the
table keeps its sha256, so neither a stolen database nor an old cookie opens a session once
it is revoked or expired.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from command.auth.models import ApiToken, AuthSession, User
from command.auth.service import Principal, principal_for_token_id, principal_for_user
from command.db import utcnow
from command.errors import Forbidden, Invalid, NotFound
from command.events import ACCESS, record_event
from command.units.models import Unit

COOKIE_KEY = "sid"


def _digest(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


async def open_session(
    session: AsyncSession,
    *,
    hours: float,
    user_id: int | None = None,
    token_id: int | None = None,
    address: str = "",
    user_agent: str = "",
) -> str:
    """A new session for a user (or a kiosk's display token); returns the id for the cookie."""
    sid = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        AuthSession(
            id_hash=_digest(sid),
            user_id=user_id,
            token_id=token_id,
            created_at=now,
            expires_at=now + timedelta(hours=hours),
            address=address[:64],
            user_agent=user_agent[:256],
        )
    )
    await session.flush()
    return sid


def _live(now: datetime) -> ColumnElement[bool]:
    return (AuthSession.revoked_at.is_(None)) & (AuthSession.expires_at > now)


async def principal_for_sid(session: AsyncSession, sid: str) -> Principal | None:
    """The caller of a live session; None once it is revoked, expired or unknown."""
    if not isinstance(sid, str) or len(sid) > 128:
        return None
    row = await session.scalar(
        select(AuthSession).where(AuthSession.id_hash == _digest(sid), _live(utcnow()))
    )
    if row is None:
        return None
    if row.token_id is not None:
        return await principal_for_token_id(session, row.token_id)
    return await principal_for_user(session, row.user_id)  # type: ignore[arg-type]


async def revoke_sid(session: AsyncSession, sid: str) -> None:
    """Logout: the session of this cookie ends (nothing happens for an unknown one)."""
    await session.execute(
        update(AuthSession)
        .where(AuthSession.id_hash == _digest(sid), AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def _in_subtree(within: str) -> Select:
    """Sessions with their username (None for a kiosk) whose holder's unit — the user's,
    or the kiosk token's — lies in the subtree `within`."""
    return (
        select(AuthSession, User.username)
        .outerjoin(User, User.id == AuthSession.user_id)
        .outerjoin(ApiToken, ApiToken.id == AuthSession.token_id)
        .join(Unit, Unit.id == func.coalesce(User.unit_id, ApiToken.unit_id))
        .where(Unit.path.startswith(within, autoescape=True))
    )


async def list_sessions(
    session: AsyncSession, *, within: str, username: str | None = None, live_only: bool = True
) -> list[tuple[AuthSession, str | None]]:
    """The sessions in the subtree `within` (of one user, if named), newest first. A user
    named of another county answers 403, one unknown 422 naming `query.user`, as `?unit=`
    does (never an empty list that hides which)."""
    query = _in_subtree(within).order_by(AuthSession.id.desc())
    if username is not None:
        path = await session.scalar(
            select(Unit.path).join(User, User.unit_id == Unit.id).where(User.username == username)
        )
        if path is None:
            raise Invalid("query.user", f"user {username!r} does not exist")
        if not path.startswith(within):
            raise Forbidden(f"user {username!r} lies outside the subtree")
        query = query.where(User.username == username)
    if live_only:
        query = query.where(_live(utcnow()))
    return [(row, name) for row, name in (await session.execute(query)).all()]


async def revoke_session(
    session: AsyncSession, *, session_id: int, within: str
) -> tuple[AuthSession, str | None]:
    """An admin ends one session in its subtree; 404 for any other."""
    found = (await session.execute(_in_subtree(within).where(AuthSession.id == session_id))).first()
    if found is None:
        raise NotFound("session", session_id)
    row, name = found
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    return row, name


async def revoke_user_sessions(
    session: AsyncSession, *, username: str, within: str, actor: str
) -> int:
    """An admin ends every live session of one user in its subtree; how many ended. The
    user's open screens close too, on every process (the credential.revoked event)."""
    user_path = select(Unit.path).join(User, User.unit_id == Unit.id)
    path = await session.scalar(user_path.where(User.username == username))
    if path is None or not path.startswith(within):
        raise NotFound("user", username)
    rows = await list_sessions(session, within=within, username=username)
    now = utcnow()
    for row, _name in rows:
        row.revoked_at = now
    if rows:
        subject = f"user:{username}"
        record_event(
            session,
            topic=ACCESS,
            kind="credential.revoked",
            entity=subject,
            unit_path=path,
            payload={"subject": subject},
            actor=actor,
        )
    return len(rows)
