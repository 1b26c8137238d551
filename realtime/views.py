"""GET /ws: the realtime channel (protocol in docs/websocket-protocol.md)."""

from __future__ import annotations

from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket

from realtime.channel import Channel


async def realtime_channel(websocket: WebSocket) -> None:
    # An embedding application (or a test) may set its own per-connection limits.
    limits = getattr(websocket.app.state, "realtime_limits", None)
    await Channel(websocket, limits=limits).run()


routes = [WebSocketRoute("/ws", realtime_channel)]
