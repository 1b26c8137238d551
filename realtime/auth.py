"""Who is on the other end of a websocket, and what may they subscribe to?

The token travels in the hello (browsers cannot set websocket headers, and query strings
end up in logs). The bundled pages may rely on their session cookie instead, accepted
only from a same-origin page so that another site cannot ride on it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.websockets import WebSocket

from command.auth.guard import principal_for_session
from command.auth.service import Principal, principal_for_token
from command.db import Database
from command.domain import Topic
from command.units.service import find_unit
from realtime.protocol import ChannelClosed, CloseCode, Hello


@dataclass(frozen=True)
class Scope:
    """What one connection receives: these topics, for this unit's subtree."""

    unit_code: str
    unit_path: str
    topics: tuple[str, ...]


async def authenticate(websocket: WebSocket, db: Database, hello: Hello) -> Principal:
    async with db.read() as session:
        if hello.token is not None:
            principal = await principal_for_token(session, hello.token)
            if principal is None:
                raise ChannelClosed(CloseCode.UNAUTHENTICATED, "token is invalid or revoked")
        else:
            principal = await _session_principal(websocket, session)
            if principal is None:
                raise ChannelClosed(
                    CloseCode.UNAUTHENTICATED, "send a token in the hello, or sign in first"
                )
    if not principal.can("realtime"):
        raise ChannelClosed(CloseCode.FORBIDDEN, f"role {principal.role} may not subscribe")
    return principal


async def _session_principal(websocket: WebSocket, session: AsyncSession) -> Principal | None:
    """A signed-in user's or a kiosk screen's session, from a page of this very site."""
    if "session" not in websocket.scope or not _same_origin(websocket):
        return None
    return await principal_for_session(session, websocket.session)


def _same_origin(websocket: WebSocket) -> bool:
    """Browsers always send Origin on websockets; it must name this very host."""
    origin = websocket.headers.get("origin")
    if origin is None:
        return True  # not a browser, so not a page of another site riding on a cookie
    return urlsplit(origin).netloc.lower() == websocket.headers.get("host", "").lower()


async def authorize(
    db: Database, principal: Principal, hello: Hello, topics: Mapping[str, Topic]
) -> Scope:
    """The scope of the connection; `topics` are the subscribable topics by name."""
    unknown = [topic for topic in hello.topics if topic not in topics]
    if unknown:
        raise ChannelClosed(
            CloseCode.UNKNOWN_TOPIC,
            f"unknown topic {unknown[0]!r}; topics are {', '.join(sorted(topics))}",
        )
    denied = [topic for topic in hello.topics if not _may_read(principal, topics[topic])]
    if denied:
        raise ChannelClosed(
            CloseCode.FORBIDDEN, f"role {principal.role} may not read {denied[0]!r}"
        )
    wanted = tuple(dict.fromkeys(hello.topics))
    if hello.unit is None or hello.unit == principal.unit_code:
        return Scope(principal.unit_code, principal.unit_path, wanted)
    async with db.read() as session:
        unit = await find_unit(session, hello.unit)
    # An unknown unit and a unit outside the subtree look the same: existence is not leaked.
    if unit is None or not principal.sees(unit.path):
        raise ChannelClosed(
            CloseCode.FORBIDDEN,
            f"unit {hello.unit!r} is outside the subtree of {principal.unit_code}",
        )
    return Scope(unit.code, unit.path, wanted)


def _may_read(principal: Principal, topic: Topic) -> bool:
    # A topic that names no capability is readable by no one: access is never implied.
    return topic.capability is not None and principal.can(topic.capability)
