"""Which bus a server process uses: Redis Streams when a URL is configured, else memory."""

from __future__ import annotations

from realtime.bus import Bus
from realtime.memory_bus import MemoryBus


def create_bus(redis_url: str | None) -> Bus:
    if redis_url:
        from realtime.redis_bus import RedisBus  # redis is only loaded when configured

        return RedisBus(redis_url)
    return MemoryBus()
