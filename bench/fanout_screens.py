"""The screens of bench/fanout.py: one process holding thousands of websocket clients.

Each client is the websockets sans-I/O protocol on an asyncio transport: no task per
connection, so one process holds thousands and timestamps each message as it arrives.
The driver talks to the process over a pipe: ("ready",), ("wait", n, seconds),
("results",), ("stop",).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import defaultdict
from typing import Any
from urllib.parse import urlsplit

from websockets.client import ClientProtocol
from websockets.frames import Opcode
from websockets.http11 import Response
from websockets.uri import parse_uri

MARKER = re.compile(rb"fanout-(-?\d+)")
EVENT_ID = re.compile(rb'^\{"type":"event","cursor":"[^"]*","event":\{"id":(\d+)')
CONNECTING_AT_ONCE = 100


class Fleet:
    """What all screens of this process received: first arrival per report and screen."""

    def __init__(self) -> None:
        self.screens: list[Screen] = []
        self.times: dict[int, list[float]] = defaultdict(list)
        self.duplicates = 0
        self._complete: dict[int, asyncio.Event] = defaultdict(asyncio.Event)

    def arrived(self, screen: Screen, payload: bytes, at: float) -> None:
        marker = MARKER.search(payload)
        if marker is None:
            return  # welcome, snapshot, heartbeat
        number = int(marker.group(1))
        event_id = EVENT_ID.match(payload)
        key = int(event_id.group(1)) if event_id else number
        if key in screen.seen or number in screen.reports:
            self.duplicates += key in screen.seen
            return
        screen.seen.add(key)
        screen.reports.add(number)
        self.times[number].append(at)
        if len(self.times[number]) == len(self.screens):
            self._complete[number].set()

    async def wait(self, number: int, seconds: float) -> int:
        try:
            await asyncio.wait_for(self._complete[number].wait(), seconds)
        except TimeoutError:
            pass
        return len(self.times[number])


class Screen(asyncio.Protocol):
    def __init__(self, uri: str, hello: str | None, fleet: Fleet) -> None:
        self.protocol = ClientProtocol(parse_uri(uri), max_size=None)
        self.hello = hello
        self.fleet = fleet
        self.ready = asyncio.get_running_loop().create_future()
        self.seen: set[int] = set()
        self.reports: set[int] = set()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.fleet.screens.append(self)
        self.protocol.send_request(self.protocol.connect())
        self._flush()

    def data_received(self, data: bytes) -> None:
        at = time.monotonic()
        self.protocol.receive_data(data)
        for event in self.protocol.events_received():
            if isinstance(event, Response):
                self._opened()
            elif event.opcode is Opcode.TEXT:
                payload = bytes(event.data)
                if not self.ready.done() and b'"type":"snapshot"' in payload[:40]:
                    self.ready.set_result(True)
                self.fleet.arrived(self, payload, at)
        self._flush()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.ready.done():
            self.ready.set_result(False)

    def _opened(self) -> None:
        if self.hello is None:
            self.ready.set_result(True)
        else:
            self.protocol.send_text(self.hello.encode())

    def _flush(self) -> None:
        for chunk in self.protocol.data_to_send():
            if chunk and self.transport is not None:
                self.transport.write(chunk)


async def _connect(fleet: Fleet, uri: str, hello: str | None, count: int) -> int:
    loop = asyncio.get_running_loop()
    parts = urlsplit(uri)
    gate = asyncio.Semaphore(CONNECTING_AT_ONCE)

    async def one() -> bool:
        async with gate:
            _, screen = await loop.create_connection(
                lambda: Screen(uri, hello, fleet), parts.hostname, parts.port
            )
            return await asyncio.wait_for(screen.ready, 60)

    screens_ready = await asyncio.gather(*(one() for _ in range(count)), return_exceptions=True)
    return sum(1 for ok in screens_ready if ok is True)


async def _serve(pipe: Any, uri: str, hello: str | None, count: int) -> None:
    fleet = Fleet()
    connecting = asyncio.create_task(_connect(fleet, uri, hello, count))
    while True:
        command = await asyncio.to_thread(pipe.recv)
        if command[0] == "ready":
            pipe.send(await connecting)
        elif command[0] == "wait":
            pipe.send(await fleet.wait(command[1], command[2]))
        elif command[0] == "results":
            pipe.send({"times": dict(fleet.times), "duplicates": fleet.duplicates})
        elif command[0] == "stop":
            for screen in fleet.screens:
                if screen.transport is not None:
                    screen.transport.abort()
            return


def screens_process(pipe: Any, uri: str, hello: str | None, count: int) -> None:
    asyncio.run(_serve(pipe, uri, hello, count))
