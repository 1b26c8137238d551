"""The bus every server process publishes committed events to and reads them back from:
its interface, stream positions, entries and epochs, shared by every backend.

A position in the stream is a Redis stream id, `"<ms>-<seq>"`, compared as a pair of
integers; the memory bus numbers its entries `"<n>-0"`. An epoch names one incarnation of
the stream: a process restart (memory) or a Redis that restarted empty gets a new epoch,
so positions taken from the old stream are recognised as meaningless instead of being
replayed wrongly.

Two backends implement `Bus`: `MemoryBus` (realtime/memory_bus.py, the embedded default,
one process) and `RedisBus` (realtime/redis_bus.py, Redis Streams shared by every process
and machine). Both import this module and never each other; realtime/backends.py picks one.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Protocol

from command import jsontext

StreamId = tuple[int, int]
ORIGIN: StreamId = (0, 0)

# Entries kept for clients that reconnect: about a day of a busy city's events.
STREAM_MAXLEN = 100_000

# Why a cursor cannot be resumed; sent to the client with the fresh snapshot.
EPOCH_CHANGED = "epoch_changed"
CURSOR_EXPIRED = "cursor_expired"
CURSOR_UNKNOWN = "cursor_unknown"


def format_id(position: StreamId) -> str:
    return f"{position[0]}-{position[1]}"


def parse_id(text: str) -> StreamId | None:
    major, sep, minor = text.partition("-")
    # ASCII digits only: isdigit() alone lets "²" through, which int() refuses.
    if not (sep and text.isascii() and major.isdigit() and minor.isdigit()) or len(text) > 41:
        return None
    return int(major), int(minor)


def new_epoch() -> str:
    return uuid.uuid4().hex[:16]


def dumps(value: Any) -> str:
    """Compact JSON, UTF-8 text as is: the one serialization of a message."""
    return jsontext.dumps(value)


@dataclass(frozen=True, slots=True)
class Entry:
    """One event in the stream; `body` is the event message as JSON, serialized once."""

    id: StreamId
    event_id: int
    topic: str
    unit_path: str
    body: str
    # Further subtrees the event concerns (the event's `reach`), deepest paths only.
    reach: tuple[str, ...] = ()

    def concerns(self, unit_path: str) -> bool:
        """Whether a screen watching the subtree at `unit_path` is to receive it."""
        return self.unit_path.startswith(unit_path) or any(
            path.startswith(unit_path) for path in self.reach
        )


class BusUnavailable(Exception):
    """The bus cannot be reached right now (Redis down or restarting)."""


class Bus(Protocol):
    backend: str
    epoch: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def publish(self, messages: list[dict[str, Any]]) -> None:
        """Append event messages (`Event.message()`) in order; raises BusUnavailable."""

    async def current_epoch(self) -> str:
        """The epoch of the stream as it is now (Redis: read fresh, created if missing)."""

    async def head(self) -> tuple[str, StreamId]:
        """The epoch and the position of the newest entry (ORIGIN when empty)."""

    async def check_cursor(self, epoch: str, after: StreamId) -> str | None:
        """None when every entry after `after` is still held in this epoch, else why not."""

    async def read(self, after: StreamId, *, count: int, block: float | None = None) -> list[Entry]:
        """Up to `count` entries after `after`; with `block`, wait that long for one."""

    async def health(self) -> dict[str, Any]: ...


def entry_of(position: StreamId, message: dict[str, Any]) -> Entry:
    return Entry(
        id=position,
        event_id=message["id"],
        topic=message["topic"],
        unit_path=message["unit_path"],
        body=dumps(message),
        reach=tuple(message.get("reach") or ()),
    )
