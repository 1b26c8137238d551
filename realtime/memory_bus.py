"""The in-process bus: the embedded default, one process.

`MemoryBus` keeps the stream in this process's memory and gets a new epoch at every
start. The Redis Streams backend, shared by every process and machine, is
realtime/redis_bus.py; both implement `Bus` (realtime/bus.py), and
realtime/backends.py picks one from the settings.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any

from realtime.bus import (
    CURSOR_EXPIRED,
    CURSOR_UNKNOWN,
    EPOCH_CHANGED,
    STREAM_MAXLEN,
    Entry,
    StreamId,
    entry_of,
    new_epoch,
)


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
            # Not asyncio.wait_for: on Python 3.11 it swallows a cancellation that lands
            # while an entry arrives, and the reader then outlives the server's shutdown.
            async with asyncio.timeout(block):
                await self._arrived.wait()
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
