"""One websocket connection: hello, credentials, then a snapshot or a replay, then live events.

After the hello, a sender task and a receiver task run side by side in a task group. The
sender sends the welcome and the snapshot or replay, then whatever the hub could not write
at once (realtime/hub.py); the receiver watches for disconnects and for bad or excessive
client messages. Either ends the connection by closing its subscriber, which cancels both
tasks; the close frame is then sent with a bounded wait, so a stalled peer cannot hold the
handler for long.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import structlog
from starlette.websockets import WebSocket, WebSocketDisconnect

from command.domain import Partial
from realtime.auth import Scope, authenticate, authorize
from realtime.bus import CURSOR_UNKNOWN, Bus, BusUnavailable, StreamId
from realtime.hub import Frame, Hub, PeerGone, Subscriber
from realtime.protocol import (
    ChannelClosed,
    CloseCode,
    Hello,
    Limits,
    event_frame,
    format_cursor,
    parse_cursor,
    parse_hello,
    pong_frame,
    read_client_message,
    snapshot_frame,
    welcome_frame,
)
from realtime.snapshots import read_snapshot

log = structlog.get_logger("watchfloor.realtime")
REPLAY_PAGE = 500


class Channel:
    def __init__(self, websocket: WebSocket, *, limits: Limits | None = None) -> None:
        state = websocket.app.state
        self.websocket = websocket
        self.db = state.db
        self.bus: Bus = state.bus
        self.hub: Hub = state.hub
        self.settings = state.settings
        # The subscribable topics and their snapshot providers, from the domain registry.
        self.topics = state.topics
        self.heartbeat = state.settings.heartbeat_seconds
        self.limits = limits or Limits()

    async def run(self) -> None:
        await self.websocket.accept()
        try:
            hello = await self._receive_hello()
            principal = await authenticate(self.websocket, self.db, hello)
            scope = await authorize(self.db, principal, hello, self.topics)
            await self._serve(hello, scope, principal.subject)
        except ChannelClosed as closed:
            await self._close(closed.code, closed.reason)
        except WebSocketDisconnect:
            return

    async def _receive_hello(self) -> Hello:
        try:
            async with asyncio.timeout(self.limits.hello_seconds):
                message = await self.websocket.receive()
        except TimeoutError:
            raise ChannelClosed(CloseCode.HELLO_EXPECTED, "no hello in time") from None
        if message["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(message.get("code", 1000))
        return parse_hello(read_client_message(message, self.limits))

    async def _serve(self, hello: Hello, scope: Scope, subject: str) -> None:
        subscriber = Subscriber(
            unit_path=scope.unit_path, topics=scope.topics, limits=self.limits, subject=subject
        )
        # Subscribe before looking at the stream: nothing published from here on is missed.
        self.hub.subscribe(subscriber)
        try:
            async with asyncio.TaskGroup() as group:
                sender = group.create_task(self._send_loop(subscriber, hello, scope))
                receiver = group.create_task(self._receive_loop(subscriber))
                subscriber.on_close = lambda: (sender.cancel(), receiver.cancel())
                if subscriber.closed:  # closed by the hub before the tasks existed
                    subscriber.on_close()
        except* Exception as failures:
            log.error("websocket channel failed", exc_info=failures.exceptions[0])
            subscriber.close(CloseCode.INTERNAL_ERROR, "internal error")
        finally:
            self.hub.unsubscribe(subscriber)
        if subscriber.close_code is not None:
            await self._close(subscriber.close_code, subscriber.close_reason)

    async def _close(self, code: CloseCode, reason: str) -> None:
        try:
            async with asyncio.timeout(self.limits.close_seconds):
                await self.websocket.close(int(code), reason)
        except (TimeoutError, WebSocketDisconnect, RuntimeError):
            return  # the peer is gone or not reading; the server drops the socket

    # -- sending ---------------------------------------------------------------------

    async def _send_loop(self, subscriber: Subscriber, hello: Hello, scope: Scope) -> None:
        try:
            await self._bootstrap(subscriber, hello, scope)
            subscriber.sink = self._send
            while await subscriber.pump():
                pass
        except PeerGone:
            subscriber.close(None)
        except BusUnavailable:
            subscriber.close(CloseCode.TRY_AGAIN_LATER, "event bus unavailable; reconnect soon")
        except ChannelClosed as closed:
            subscriber.close(closed.code, closed.reason)

    async def _send(self, text: str) -> None:
        try:
            await self.websocket.send_text(text)
        except (WebSocketDisconnect, RuntimeError) as exc:
            raise PeerGone from exc

    async def _bootstrap(self, subscriber: Subscriber, hello: Hello, scope: Scope) -> None:
        reset = None
        if hello.cursor is not None:
            cursor = parse_cursor(hello.cursor)
            reset = CURSOR_UNKNOWN if cursor is None else await self.bus.check_cursor(*cursor)
            if reset is None and cursor is not None:
                await self._replay(subscriber, scope, cursor[1])
                return
        await self._snapshot(subscriber, scope, reset)

    async def _replay(self, subscriber: Subscriber, scope: Scope, after: StreamId) -> None:
        """Resume: the entries the client missed, in stream order, then the live queue."""
        await self._send(self._welcome(scope, after, resumed=True))
        subscriber.sent_through = after
        while True:
            entries = await self.bus.read(subscriber.sent_through, count=REPLAY_PAGE)
            for entry in entries:
                if subscriber.wants(entry):
                    await self._send(event_frame(self.hub.epoch, entry))
                subscriber.sent_through = entry.id
            if len(entries) < REPLAY_PAGE:
                return

    async def _snapshot(self, subscriber: Subscriber, scope: Scope, reset: str | None) -> None:
        """Take the stream position first, then read the state: nothing falls in between."""
        epoch, head = await self.bus.head()
        if epoch != self.hub.epoch:
            raise ChannelClosed(CloseCode.STREAM_RESET, "the event stream restarted; reconnect")
        await self._send(self._welcome(scope, head, resumed=False))
        state, subscriber.reflected = await read_snapshot(
            self.db,
            providers=self.topics,
            topics=scope.topics,
            unit_path=scope.unit_path,
            settings=self.settings,
            queued_event_ids=subscriber.queued_event_ids,
        )
        cursor = format_cursor(epoch, head)
        truncated = {
            name: {"shown": len(items), "more": items.more}
            for name, items in state.items()
            if isinstance(items, Partial)
        }
        frame = snapshot_frame(cursor=cursor, reset=reset, topics=state, truncated=truncated)
        await self._send(frame)
        subscriber.sent_through = head

    def _welcome(self, scope: Scope, position: StreamId, *, resumed: bool) -> str:
        return welcome_frame(
            epoch=self.hub.epoch,
            cursor=format_cursor(self.hub.epoch, position),
            resumed=resumed,
            topics=list(scope.topics),
            unit=scope.unit_code,
            heartbeat=self.heartbeat,
        )

    # -- receiving -------------------------------------------------------------------

    async def _receive_loop(self, subscriber: Subscriber) -> None:
        bucket = TokenBucket(self.limits.messages_per_second, self.limits.message_burst)
        while True:
            message = await self.websocket.receive()
            if message["type"] == "websocket.disconnect":
                subscriber.close(None)
                return
            try:
                if not bucket.take():
                    raise ChannelClosed(CloseCode.RATE_LIMITED, "too many messages")
                self._answer(subscriber, read_client_message(message, self.limits))
            except ChannelClosed as closed:
                subscriber.close(closed.code, closed.reason)
                return

    def _answer(self, subscriber: Subscriber, data: dict[str, Any]) -> None:
        if data["type"] == "ping":
            subscriber.offer(Frame(pong_frame(data.get("echo"))))
            return
        raise ChannelClosed(
            CloseCode.MALFORMED, f"unexpected message type {data['type']!r} after hello"
        )


class TokenBucket:
    """Allows `rate` messages a second on average, `burst` at once."""

    __slots__ = ("burst", "rate", "tokens", "updated")

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = burst
        self.tokens = float(burst)
        self.updated = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True
