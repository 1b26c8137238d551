"""GET /ws: the realtime channel (protocol in docs/websocket-protocol.md)."""

from __future__ import annotations

from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket

from realtime.channel import Channel


async def realtime_channel(websocket: WebSocket) -> None:
    await Channel(websocket).run()


routes = [WebSocketRoute("/ws", realtime_channel)]
