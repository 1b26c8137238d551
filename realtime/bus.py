"""The bus every server process publishes committed events to and reads them back from.

Two backends behind one small interface: `MemoryBus` (the embedded default, one process)
and `RedisBus` (Redis Streams, shared by every process and machine; realtime/redis_bus.py).

A position in the stream is a Redis stream id, `"<ms>-<seq>"`, compared as a pair of
integers; the memory bus numbers its entries `"<n>-0"`. An epoch names one incarnation of
the stream: a process restart (memory) or a Redis that restarted empty gets a new epoch,
so positions taken from the old stream are recognised as meaningless instead of being
replayed wrongly.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import deque
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
    if not (sep and major.isdigit() and minor.isdigit()) or len(text) > 41:
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


class MemoryBus:
    """The stream in this process's memory: one process, a new epoch at every start."""

    backend = "memory"

    def __init__(self, *, maxlen: int = STREAM_MAXLEN) -> None:
        self.epoch = new_epoch()
        self._log: deque[Entry] = deque(maxlen=maxlen)
        self._seq = 0
        self._arrived = asyncio.Event()

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def publish(self, messages: list[dict[str, Any]]) -> None:
        for message in messages:
            self._seq += 1
            self._log.append(entry_of((self._seq, 0), message))
        self._arrived.set()

    async def current_epoch(self) -> str:
        return self.epoch

    async def head(self) -> tuple[str, StreamId]:
        return self.epoch, (self._seq, 0)

    async def check_cursor(self, epoch: str, after: StreamId) -> str | None:
        if epoch != self.epoch:
            return EPOCH_CHANGED
        if after[1] != 0 or after[0] > self._seq:
            return CURSOR_UNKNOWN
        oldest = self._log[0].id[0] if self._log else self._seq + 1
        return CURSOR_EXPIRED if after[0] < oldest - 1 else None

    async def read(self, after: StreamId, *, count: int, block: float | None = None) -> list[Entry]:
        entries = self._entries_after(after, count)
        if entries or block is None:
            return entries
        self._arrived.clear()
        try:
            await asyncio.wait_for(self._arrived.wait(), block)
        except TimeoutError:
            return []
        return self._entries_after(after, count)

    def _entries_after(self, after: StreamId, count: int) -> list[Entry]:
        if not self._log:
            return []
        start = max(after[0] - self._log[0].id[0] + 1, 0)
        stop = min(start + count, len(self._log))
        # Index from the nearer end: readers almost always ask for the newest entries.
        return [self._log[index] for index in range(start, stop)]

    async def health(self) -> dict[str, Any]:
        return {"backend": self.backend, "ok": True, "epoch": self.epoch, "length": len(self._log)}


def entry_of(position: StreamId, message: dict[str, Any]) -> Entry:
    return Entry(
        id=position,
        event_id=message["id"],
        topic=message["topic"],
        unit_path=message["unit_path"],
        body=dumps(message),
    )


def create_bus(redis_url: str | None) -> Bus:
    if redis_url:
        from realtime.redis_bus import RedisBus

        return RedisBus(redis_url)
    return MemoryBus()
