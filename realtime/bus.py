"""The bus every server process publishes committed events to.

Foundation version: an in-process ring buffer. The realtime channel builds the Redis
Streams backend, the fan-out hub and the websocket endpoint on this interface.
"""

from __future__ import annotations

import uuid
from collections import deque
from typing import Any


class MemoryBus:
    backend = "memory"

    def __init__(self, *, maxlen: int = 100_000) -> None:
        self.epoch = uuid.uuid4().hex
        self._log: deque[tuple[int, dict[str, Any]]] = deque(maxlen=maxlen)
        self._seq = 0

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def publish(self, messages: list[dict[str, Any]]) -> None:
        for message in messages:
            self._seq += 1
            self._log.append((self._seq, message))

    async def health(self) -> dict[str, Any]:
        return {"backend": self.backend, "ok": True, "epoch": self.epoch}


def create_bus(redis_url: str | None) -> MemoryBus:
    return MemoryBus()
