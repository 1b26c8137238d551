"""Fan-out inside one process: each event is framed once and offered to every subscriber.

The hub never waits for a client. A connection that can take the frame now gets it now;
otherwise the frame joins that connection's bounded queue, drained by its own sender task
(realtime/channel.py). A subscriber whose queue overflows is closed with TOO_SLOW, so one
stalled screen can neither delay the others nor hold unbounded memory. Queues share the
frame objects: a frame costs one string however many screens get it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterable
from typing import Any

import structlog

from command import jsontext
from command.events import ACCESS
from command.metrics import WS_CLOSED_SLOW, WS_MESSAGES
from realtime.bus import ORIGIN, Entry, StreamId
from realtime.eager import Rest, run_until_wait
from realtime.protocol import (
    DEGRADED,
    LIVE,
    CloseCode,
    Limits,
    clip_reason,
    event_frame,
    format_cursor,
    heartbeat_frame,
    status_frame,
)

log = structlog.get_logger("watchfloor.realtime")


class Frame:
    """Text to send; stream frames carry their position and event id for de-duplication."""

    __slots__ = ("event_id", "position", "text")

    def __init__(self, text: str, position: StreamId | None = None, event_id: int = 0) -> None:
        self.text = text
        self.position = position
        self.event_id = event_id


class PeerGone(Exception):
    """The client went away while we were sending."""


Sink = Callable[[str], Coroutine[Any, Any, None]]


class Subscriber:
    """One connection as the hub sees it: what it may see, what it has sent, what waits.

    While the connection's sender task is parked with nothing queued, `offer` writes the
    frame at once, in the caller, as a bare broadcast loop would (realtime/eager.py). Only
    a write that has to wait for the socket, or a frame arriving behind queued ones, goes
    through the sender task (`pump`). Frames go out in stream order, one write at a time.
    """

    __slots__ = (
        "_chars",
        "_frames",
        "_rest",
        "_waiter",
        "close_code",
        "close_reason",
        "closed",
        "limits",
        "on_close",
        "reflected",
        "sent_through",
        "sink",
        "subject",
        "topics",
        "unit_path",
    )

    def __init__(
        self, *, unit_path: str, topics: Iterable[str], limits: Limits, subject: str = ""
    ) -> None:
        self.subject = subject  # whose credential opened it ("token:7", "user:li")
        self.unit_path = unit_path
        self.topics = frozenset(topics)
        self.limits = limits
        # A list, not a deque: an idle screen's empty deque costs 760 bytes, a list 56, and
        # the queue is only ever appended to and drained whole.
        self._frames: list[Frame] = []
        self._chars = 0
        self._waiter: asyncio.Future[None] | None = None
        self._rest: Rest | None = None
        self.closed = False
        self.close_code: CloseCode | None = None
        self.close_reason = ""
        self.on_close: Callable[[], None] | None = None
        # Set by the connection once it has sent its snapshot or replay:
        self.sink: Sink | None = None
        self.sent_through: StreamId = ORIGIN
        self.reflected: set[int] = set()

    def wants(self, entry: Entry) -> bool:
        return entry.topic in self.topics and entry.concerns(self.unit_path)

    def offer(self, frame: Frame) -> None:
        if self.closed:
            return
        if self._idle():
            self._send_now(frame)
        else:
            self._enqueue(frame)

    def _idle(self) -> bool:
        waiter = self._waiter
        return (
            self.sink is not None
            and self._rest is None
            and not self._frames
            and waiter is not None
            and not waiter.done()
        )

    def _send_now(self, frame: Frame) -> None:
        if not self._fresh(frame):
            return
        try:
            self._rest = run_until_wait(self.sink(frame.text))  # type: ignore[misc]
        except PeerGone:
            self.close(None)
            return
        if self._rest is not None:
            self._wake()

    def _enqueue(self, frame: Frame) -> None:
        limits = self.limits
        if len(self._frames) >= limits.queue_frames or (
            self._chars + len(frame.text) > limits.queue_chars
        ):
            WS_CLOSED_SLOW.inc()
            self.close(CloseCode.TOO_SLOW, f"fell {len(self._frames)} messages behind")
            return
        self._frames.append(frame)
        self._chars += len(frame.text)
        self._wake()

    def _fresh(self, frame: Frame) -> bool:
        """False for a stream frame already sent or reflected in the snapshot."""
        position = frame.position
        if position is None:
            return True
        if position <= self.sent_through or frame.event_id in self.reflected:
            return False
        self.sent_through = position
        return True

    async def pump(self) -> bool:
        """Send what is pending, waiting for something if nothing is; False once closed.

        Raises PeerGone when the client is gone.
        """
        while self._rest is None and not self._frames and not self.closed:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        if self.closed:
            return False
        rest, self._rest = self._rest, None
        if rest is not None:
            await rest
        frames, self._frames = self._frames, []
        self._chars = 0
        for frame in frames:
            if self._fresh(frame):
                await self.sink(frame.text)  # type: ignore[misc]
        return True

    def queued_event_ids(self) -> set[int]:
        return {frame.event_id for frame in self._frames if frame.position is not None}

    def close(self, code: CloseCode | None, reason: str = "") -> None:
        """Stop this subscriber; `code` None means the peer is already gone."""
        if self.closed:
            return
        self.closed = True
        self.close_code = code
        self.close_reason = clip_reason(reason)
        self._frames.clear()
        self._chars = 0
        self._wake()
        if self.on_close is not None:
            self.on_close()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)


GroupKey = tuple[str, frozenset[str]]


class Hub:
    """The subscribers of this process, grouped by what they see, and the stream position."""

    def __init__(
        self,
        *,
        epoch: str = "",
        position: StreamId = ORIGIN,
        on_revoked: Callable[[str], None] | None = None,
    ) -> None:
        self.epoch = epoch
        self.position = position
        self.on_revoked = on_revoked
        self._groups: dict[GroupKey, set[Subscriber]] = {}
        # Why the channel is degraded (the bus is unreachable), or None while it is live.
        self.degraded: str | None = None

    def subscribe(self, subscriber: Subscriber) -> None:
        key = (subscriber.unit_path, subscriber.topics)
        self._groups.setdefault(key, set()).add(subscriber)

    def unsubscribe(self, subscriber: Subscriber) -> None:
        key = (subscriber.unit_path, subscriber.topics)
        members = self._groups.get(key)
        if members is not None:
            members.discard(subscriber)
            if not members:
                del self._groups[key]

    def dispatch(self, entries: list[Entry]) -> None:
        for entry in entries:
            if entry.topic == ACCESS:
                self._revoke(entry)
                self.position = entry.id
                continue
            frame = Frame(event_frame(self.epoch, entry), entry.id, entry.event_id)
            for (unit_path, topics), members in list(self._groups.items()):
                if entry.topic in topics and entry.concerns(unit_path):
                    _offer_all(members, frame)
            self.position = entry.id

    def _revoke(self, entry: Entry) -> None:
        """A revoked credential: its screens close as unauthenticated, as a reconnection
        with it would be, and the process forgets what it cached of it."""
        subject = jsontext.loads(entry.body)["payload"]["subject"]
        for subscriber in self.subscribers():
            if subscriber.subject == subject:
                subscriber.close(CloseCode.UNAUTHENTICATED, "credential revoked")
        if self.on_revoked is not None:
            self.on_revoked(subject)

    def beat(self) -> None:
        """One heartbeat frame (server time, current cursor, the channel's health) for
        every subscriber."""
        channel = DEGRADED if self.degraded else LIVE
        frame = Frame(heartbeat_frame(format_cursor(self.epoch, self.position), channel))
        _offer_all(self.subscribers(), frame)

    def set_degraded(self, reason: str | None) -> None:
        """Tell every screen at once when the channel degrades or recovers: during a bus
        outage heartbeats still arrive, and a screen must not look live."""
        if (reason is None) == (self.degraded is None):
            return
        self.degraded = reason
        frame = Frame(status_frame(DEGRADED, reason) if reason else status_frame(LIVE))
        _offer_all(self.subscribers(), frame)

    def reset(self, epoch: str, position: StreamId) -> None:
        """The stream restarted: cursors of the old epoch mean nothing any more."""
        if self.epoch:
            self.close_all(CloseCode.STREAM_RESET, "the event stream restarted; reconnect")
        self.epoch = epoch
        self.position = position

    def close_all(self, code: CloseCode, reason: str) -> None:
        for subscriber in self.subscribers():
            subscriber.close(code, reason)

    def subscribers(self) -> list[Subscriber]:
        return [member for members in self._groups.values() for member in members]


def _offer_all(subscribers: Iterable[Subscriber], frame: Frame) -> None:
    count = 0
    for subscriber in list(subscribers):
        count += 1
        try:
            subscriber.offer(frame)
        except Exception:  # a bug must cost one connection, never the fan-out
            log.exception("websocket send failed")
            subscriber.close(CloseCode.INTERNAL_ERROR, "internal error")
    WS_MESSAGES.inc(count)
