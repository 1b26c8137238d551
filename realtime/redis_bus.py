"""The bus on Redis Streams: one stream shared by every server process and machine.

Publishing is XADD with an approximate MAXLEN. Every process runs one blocking XREAD loop
(realtime/service.py) and fans out locally. The epoch is a Redis key created with SET NX
beside the stream: if Redis restarts empty, both are gone, the next process to look
creates a new epoch, and clients holding cursors of the old stream get a fresh snapshot.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError, ResponseError

from realtime.bus import (
    CURSOR_EXPIRED,
    CURSOR_UNKNOWN,
    EPOCH_CHANGED,
    ORIGIN,
    STREAM_MAXLEN,
    BusUnavailable,
    Entry,
    StreamId,
    dumps,
    format_id,
    new_epoch,
    parse_id,
)

STREAM_KEY = "watchfloor:events"
EPOCH_KEY = "watchfloor:epoch"
# How long one XREAD waits; the reader loop checks the epoch between waits.
BLOCK_LIMIT_SECONDS = 5.0
T = TypeVar("T")


class RedisBus:
    backend = "redis"

    def __init__(self, url: str, *, maxlen: int = STREAM_MAXLEN) -> None:
        self.url = url
        self.maxlen = maxlen
        self.epoch = ""
        # One retry without delay: a pooled connection left over from before a Redis
        # restart fails once and is replaced; a Redis that is really down fails fast.
        options: dict[str, Any] = {
            "socket_connect_timeout": 2,
            "retry": Retry(NoBackoff(), 1),
        }
        self._client = Redis.from_url(url, socket_timeout=2, **options)
        self._blocking = Redis.from_url(url, socket_timeout=BLOCK_LIMIT_SECONDS + 5, **options)

    async def start(self) -> None:
        try:
            await self.current_epoch()
        except BusUnavailable:
            return None  # the reader loop keeps trying; /api/health reports the bus down

    async def stop(self) -> None:
        await self._client.aclose()
        await self._blocking.aclose()

    async def publish(self, messages: list[dict[str, Any]]) -> None:
        pipe = self._client.pipeline(transaction=False)
        for message in messages:
            pipe.xadd(STREAM_KEY, _fields(message), maxlen=self.maxlen, approximate=True)
        await _call(pipe.execute())

    async def current_epoch(self) -> str:
        epoch, _ = await self._with_epoch()
        return epoch

    async def head(self) -> tuple[str, StreamId]:
        epoch, (newest,) = await self._with_epoch(lambda pipe: pipe.xrevrange(STREAM_KEY, count=1))
        return epoch, (_entry_id(newest[0][0]) if newest else ORIGIN)

    async def check_cursor(self, epoch: str, after: StreamId) -> str | None:
        current, (info,) = await self._with_epoch(lambda pipe: pipe.xinfo_stream(STREAM_KEY))
        if current != epoch:
            return EPOCH_CHANGED
        if isinstance(info, ResponseError):  # no stream yet: only the origin is a position
            return None if after == ORIGIN else CURSOR_UNKNOWN
        if isinstance(info, Exception):
            raise BusUnavailable(f"Redis: {info}")
        if after > _entry_id(info["last-generated-id"]):
            return CURSOR_UNKNOWN
        trimmed = info["entries-added"] - info["length"]
        first = info.get("first-entry")
        # Trimming removes the oldest entries: while the cursor's own entry is still held,
        # nothing after it is gone. Conservative at the boundary, never wrong.
        if trimmed and (first is None or after < _entry_id(first[0])):
            return CURSOR_EXPIRED
        return None

    async def _with_epoch(self, *queue: Callable[[Pipeline], Any]) -> tuple[str, list[Any]]:
        """The epoch (created if Redis lost it) and the results of `queue`, in one round trip."""
        pipe = self._client.pipeline(transaction=False)
        pipe.set(EPOCH_KEY, new_epoch(), nx=True)
        pipe.get(EPOCH_KEY)
        for command in queue:
            command(pipe)
        _, epoch, *results = await _call(pipe.execute(raise_on_error=False))
        if not isinstance(epoch, bytes):
            raise BusUnavailable(f"Redis: cannot read the epoch ({epoch!r})")
        self.epoch = epoch.decode()
        return self.epoch, results

    async def read(self, after: StreamId, *, count: int, block: float | None = None) -> list[Entry]:
        if block is None:
            found = await _call(
                self._client.xrange(STREAM_KEY, min="(" + format_id(after), count=count)
            )
            return [_entry(entry_id, fields) for entry_id, fields in found]
        wait_ms = int(min(block, BLOCK_LIMIT_SECONDS) * 1000)
        streams = {STREAM_KEY: format_id(after)}
        found = await _call(self._blocking.xread(streams, count=count, block=wait_ms))
        return [_entry(entry_id, fields) for _key, entries in found for entry_id, fields in entries]

    async def health(self) -> dict[str, Any]:
        try:
            epoch = await self.current_epoch()
            length = await _call(self._client.xlen(STREAM_KEY))
        except BusUnavailable as exc:
            return {"backend": self.backend, "ok": False, "error": str(exc)}
        return {"backend": self.backend, "ok": True, "epoch": epoch, "length": length}


async def _call(awaitable: Awaitable[T]) -> T:
    try:
        return await awaitable
    except (RedisError, OSError) as exc:
        raise BusUnavailable(f"Redis: {type(exc).__name__}: {exc}") from exc


def _fields(message: dict[str, Any]) -> dict[str, str | int]:
    fields: dict[str, str | int] = {
        "i": message["id"],
        "t": message["topic"],
        "u": message["unit_path"],
        "e": dumps(message),
    }
    if message.get("reach"):
        fields["r"] = " ".join(message["reach"])  # unit paths hold no spaces
    return fields


def _entry_id(raw: bytes | str) -> StreamId:
    text = raw.decode() if isinstance(raw, bytes) else raw
    position = parse_id(text)
    if position is None:
        raise BusUnavailable(f"Redis returned a malformed stream id {text!r}")
    return position


def _entry(raw_id: bytes, fields: dict[bytes, bytes]) -> Entry:
    return Entry(
        id=_entry_id(raw_id),
        event_id=int(fields[b"i"]),
        topic=fields[b"t"].decode(),
        unit_path=fields[b"u"].decode(),
        body=fields[b"e"].decode(),
        reach=tuple(fields[b"r"].decode().split()) if b"r" in fields else (),
    )
