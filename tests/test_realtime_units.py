"""The parts of the realtime channel on their own: buses, cursors, the subscriber queue."""

from __future__ import annotations

import asyncio

import pytest

from realtime.bus import (
    CURSOR_EXPIRED,
    CURSOR_UNKNOWN,
    EPOCH_CHANGED,
    ORIGIN,
    parse_id,
)
from realtime.eager import run_until_wait
from realtime.hub import Frame, Hub, PeerGone, Subscriber
from realtime.memory_bus import MemoryBus
from realtime.protocol import CloseCode, Limits, clip_reason, parse_cursor
from realtime.redis_bus import RedisBus
from tests.conftest import REDIS_URL, need_redis
from tests.realtime_fixtures import forget_streams


def message(number: int, topic: str = "incidents", path: str = "/1/2/") -> dict:
    return {"id": number, "topic": topic, "unit_path": path, "kind": "k", "payload": {}}


async def test_memory_bus_replays_what_it_holds_and_says_why_it_cannot():
    bus = MemoryBus(maxlen=5)
    await bus.publish([message(n) for n in range(1, 9)])
    epoch, head = await bus.head()
    assert head == (8, 0)
    assert [e.event_id for e in await bus.read((5, 0), count=10)] == [6, 7, 8]
    assert await bus.check_cursor(epoch, (3, 0)) is None  # entries 4..8 are all held
    assert await bus.check_cursor(epoch, (2, 0)) == CURSOR_EXPIRED
    assert await bus.check_cursor(epoch, (9, 0)) == CURSOR_UNKNOWN
    assert await bus.check_cursor("another", (8, 0)) == EPOCH_CHANGED


async def test_memory_bus_reader_wakes_on_publish():
    bus = MemoryBus()
    waiting = asyncio.create_task(bus.read(ORIGIN, count=10, block=5))
    await asyncio.sleep(0.01)
    await bus.publish([message(1)])
    assert [e.event_id for e in await asyncio.wait_for(waiting, 1)] == [1]


async def test_a_memory_bus_reader_cancelled_as_an_entry_arrives_stops():
    """The server's shutdown cancels the reader; an entry published in the same instant
    (the last write's event) must not swallow that cancellation, or the shutdown waits
    for the reader forever."""
    bus = MemoryBus()
    waiting = asyncio.create_task(bus.read(ORIGIN, count=10, block=30))
    await asyncio.sleep(0.01)
    await bus.publish([message(1)])  # wakes the reader's wait …
    waiting.cancel()  # … and the cancellation lands before it runs again
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(waiting, 2)


async def test_redis_bus_knows_a_trimmed_cursor_from_a_held_one():
    need_redis()
    await forget_streams(REDIS_URL)
    bus = RedisBus(REDIS_URL, maxlen=10)
    try:
        await bus.start()
        epoch, origin = await bus.head()
        assert origin == ORIGIN and await bus.check_cursor(epoch, ORIGIN) is None
        await bus.publish([message(n) for n in range(1, 501)])
        _, head = await bus.head()
        held = await bus.read(ORIGIN, count=1)
        assert held[0].event_id > 1  # the oldest entries were trimmed
        assert await bus.check_cursor(epoch, held[0].id) is None
        assert await bus.check_cursor(epoch, ORIGIN) == CURSOR_EXPIRED
        assert await bus.check_cursor(epoch, (head[0] + 1, 0)) == CURSOR_UNKNOWN
        assert await bus.check_cursor("0123456789abcdef", head) == EPOCH_CHANGED
        after = await bus.read(held[0].id, count=1000)
        assert [e.event_id for e in after] == list(range(held[0].event_id + 1, 501))
    finally:
        await bus.stop()
        await forget_streams(REDIS_URL)


def test_cursors_and_ids_parse_strictly():
    assert parse_cursor("abc:12-3") == ("abc", (12, 3))
    for bad in ("", "abc", ":1-0", "abc:1", "abc:x-1", "abc:-1-0", "abc:1-0-0"):
        assert parse_cursor(bad) is None, bad
    assert parse_id("9" * 50 + "-0") is None
    assert len(clip_reason("警" * 100).encode()) <= 123


async def test_a_send_that_never_waits_completes_in_the_caller():
    sent = []

    async def send(text: str) -> None:
        sent.append(text)

    assert run_until_wait(send("a")) is None and sent == ["a"]


async def test_the_rest_of_a_waiting_send_finishes_in_another_task():
    gate = asyncio.Event()

    async def send() -> str:
        await gate.wait()
        return "done"

    rest = run_until_wait(send())
    assert rest is not None
    finishing = asyncio.create_task(_await(rest))
    await asyncio.sleep(0.01)
    assert not finishing.done()
    gate.set()
    assert await finishing == "done"


async def test_cancelling_the_task_that_awaits_the_rest_cancels_the_send():
    cancelled = asyncio.Event()

    async def send() -> None:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    finishing = asyncio.create_task(_await(run_until_wait(send())))
    await asyncio.sleep(0.01)
    finishing.cancel()
    with pytest.raises(asyncio.CancelledError):
        await finishing
    assert cancelled.is_set()


async def _await(awaitable):
    return await awaitable


class Socket:
    """A websocket send that blocks while `open` is clear, as a full socket does."""

    def __init__(self) -> None:
        self.open = asyncio.Event()
        self.open.set()
        self.sent: list[str] = []

    async def send(self, text: str) -> None:
        await self.open.wait()
        self.sent.append(text)


async def _subscriber(socket: Socket, **limits) -> tuple[Subscriber, asyncio.Task]:
    subscriber = Subscriber(unit_path="/1/", topics=["incidents"], limits=Limits(**limits))
    subscriber.sink = socket.send

    async def sender() -> None:
        while await subscriber.pump():
            pass

    task = asyncio.create_task(sender())
    await asyncio.sleep(0)  # parked, waiting for frames
    return subscriber, task


def frame(number: int) -> Frame:
    return Frame(f"event {number}", (number, 0), number)


async def test_an_idle_connection_gets_a_frame_at_once_in_order_and_once():
    socket = Socket()
    subscriber, sender = await _subscriber(socket)
    subscriber.offer(frame(1))
    assert socket.sent == ["event 1"]  # written by offer itself, no task switch
    for number in (2, 2, 1, 3):
        subscriber.offer(frame(number))
    assert socket.sent == ["event 1", "event 2", "event 3"]
    subscriber.close(None)
    await sender


async def test_a_blocked_connection_queues_then_catches_up_in_order():
    socket = Socket()
    subscriber, sender = await _subscriber(socket)
    socket.open.clear()
    for number in range(1, 6):
        subscriber.offer(frame(number))
    await asyncio.sleep(0.01)
    assert socket.sent == []
    socket.open.set()
    await asyncio.sleep(0.01)
    assert socket.sent == [f"event {n}" for n in range(1, 6)]
    subscriber.close(None)
    await sender


async def test_a_connection_that_falls_too_far_behind_is_closed_as_too_slow():
    socket = Socket()
    subscriber, sender = await _subscriber(socket, queue_frames=3)
    socket.open.clear()
    closed = []
    subscriber.on_close = lambda: closed.append(subscriber.close_code)
    for number in range(1, 7):
        subscriber.offer(frame(number))
    assert closed == [CloseCode.TOO_SLOW] and "behind" in subscriber.close_reason
    assert await sender is None


async def test_a_peer_gone_during_an_immediate_send_closes_only_that_subscriber():
    async def gone(_text: str) -> None:
        raise PeerGone

    healthy = Socket()
    hub = Hub(epoch="e")
    broken, _ = await _subscriber(Socket())
    broken.sink = gone
    fine, sender = await _subscriber(healthy)
    hub.subscribe(broken)
    hub.subscribe(fine)
    hub.beat()
    assert broken.closed and broken.close_code is None
    assert len(healthy.sent) == 1 and '"type":"heartbeat"' in healthy.sent[0]
    fine.close(None)
    await sender
