"""Helpers of the realtime tests: a websocket screen, units to create, a private Redis."""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
from datetime import datetime, timedelta
from itertools import count
from pathlib import Path
from typing import Any

import httpx
import redis.asyncio as aioredis
from sqlalchemy import func, select
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from command.db import Database, utcnow
from command.events import Event, record_event
from tests.conftest import REDIS_URL, bearer
from tests.servers import free_port

ALL_TOPICS = ["incidents", "deadlines", "drills", "plans", "units"]
_codes = count(1)


class Closed(Exception):
    def __init__(self, code: int | None, reason: str) -> None:
        super().__init__(f"closed {code}: {reason}")
        self.code = code
        self.reason = reason


class Screen:
    """A wall display as the server sees it: one real websocket client."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.welcome: dict[str, Any] = {}
        self.snapshot: dict[str, Any] | None = None
        self.cursor: str | None = None
        self.received: list[dict[str, Any]] = []

    @classmethod
    async def open(cls, url: str, **options: Any) -> Screen:
        options.setdefault("max_size", 8 * 1024 * 1024)
        return cls(await connect(url, open_timeout=10, **options))

    @classmethod
    async def join(
        cls,
        url: str,
        token: str | None,
        topics: list[str] | None = None,
        max_queue: int = 16,
        **hello: Any,
    ) -> Screen:
        """Connect, say hello and read the welcome (and the snapshot, unless resuming)."""
        screen = await cls.open(url, max_queue=max_queue)
        await screen.send(
            {"type": "hello", "token": token, "topics": topics or ALL_TOPICS, **hello}
        )
        screen.welcome = await screen.next()
        assert screen.welcome["type"] == "welcome", screen.welcome
        screen.cursor = screen.welcome["cursor"]
        if not screen.welcome["resumed"]:
            screen.snapshot = await screen.next()
            assert screen.snapshot["type"] == "snapshot", screen.snapshot
            screen.cursor = screen.snapshot["cursor"]
        return screen

    async def send(self, message: Any) -> None:
        await self.ws.send(message if isinstance(message, str | bytes) else json.dumps(message))

    async def next(self, within: float = 5.0) -> dict[str, Any]:
        try:
            raw = await asyncio.wait_for(self.ws.recv(), within)
        except ConnectionClosed as exc:
            rcvd = exc.rcvd
            raise Closed(rcvd.code if rcvd else None, rcvd.reason if rcvd else "") from None
        message = json.loads(raw)
        self.received.append(message)
        return message

    async def event(self, within: float = 5.0, **match: Any) -> dict[str, Any]:
        """The next event message whose event has these fields (others are skipped)."""
        deadline = time.monotonic() + within
        while True:
            message = await self.next(max(deadline - time.monotonic(), 0.01))
            if message["type"] != "event":
                continue
            self.cursor = message["cursor"]
            if all(message["event"].get(k) == v for k, v in match.items()):
                return message

    async def events_until(self, entity: str, within: float = 5.0) -> list[dict[str, Any]]:
        """Every event message up to and including the one about `entity`."""
        found = []
        deadline = time.monotonic() + within
        while True:
            message = await self.next(max(deadline - time.monotonic(), 0.01))
            if message["type"] == "event":
                self.cursor = message["cursor"]
                found.append(message)
                if message["event"]["entity"] == entity:
                    return found

    async def closed(self, within: float = 5.0) -> Closed:
        """Read until the server closes; the close code and reason."""
        deadline = time.monotonic() + within
        try:
            while True:
                await self.next(max(deadline - time.monotonic(), 0.01))
        except Closed as closed:
            return closed

    async def close(self) -> None:
        await self.ws.close()

    def abort(self) -> None:
        """Drop the TCP connection without a close handshake, as a lost network does."""
        self.ws.transport.abort()


def unit_code() -> str:
    return f"RT{time.time_ns() % 10**9:09d}{next(_codes):03d}"


async def create_unit(
    client: httpx.AsyncClient, admin_token: str, parent: str = "231102001", code: str | None = None
) -> str:
    code = code or unit_code()
    body = {"code": code, "name": f"测试单位 {code}", "kind": "enterprise", "tier": "village"}
    response = await client.post(
        "/api/units", json={**body, "parent": parent}, headers=bearer(admin_token)
    )
    assert response.status_code == 201, response.text
    return code


def entity(code: str) -> str:
    return f"unit:{code}"


async def forget_streams(url: str = REDIS_URL) -> None:
    """Remove the stream and epoch of earlier tests from this test run's Redis database."""
    client = aioredis.Redis.from_url(url)
    try:
        await client.delete("watchfloor:events", "watchfloor:epoch")
    finally:
        await client.aclose()


class PrivateRedis:
    """A redis-server of our own on a free port, which tests may stop and restart."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> PrivateRedis:
        args = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        args += ["--save", "", "--appendonly", "no", "--dir", str(self.workdir)]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            ping = subprocess.run(
                ["redis-cli", "-p", str(self.port), "ping"], capture_output=True, text=True
            )
            if ping.stdout.strip() == "PONG":
                return self
            time.sleep(0.05)
        raise RuntimeError("private redis-server did not start")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)

    def restart(self) -> None:
        """Stop and start empty, as a Redis without persistence does after a crash."""
        self.stop()
        self.start()


async def commit_unpublished(database_url: str, entity: str, *, age: timedelta) -> int:
    """An event committed without publication (as by the CLI), recorded `age` ago."""
    db = Database(database_url)
    try:
        async with db.write() as session:
            record_event(
                session,
                topic="units",
                kind="unit.updated",
                entity=entity,
                unit_path="/000000/230000/231100/",
                payload={},
                actor="test",
                at=utcnow() - age,
            )
        async with db.read() as session:
            return await session.scalar(select(func.max(Event.id)).where(Event.entity == entity))
    finally:
        await db.dispose()


async def published_at(database_url: str, event_id: int) -> datetime | None:
    db = Database(database_url)
    try:
        async with db.read() as session:
            return await session.scalar(select(Event.published_at).where(Event.id == event_id))
    finally:
        await db.dispose()


async def new_token(client: httpx.AsyncClient, admin_token: str, role: str = "display") -> dict:
    """A fresh token of the city (its id and secret), made through the API."""
    response = await client.post(
        "/api/tokens", json={"unit": "231100", "role": role}, headers=bearer(admin_token)
    )
    assert response.status_code == 201, response.text
    return response.json()


async def revoke(client: httpx.AsyncClient, admin_token: str, token_id: int) -> None:
    response = await client.delete(f"/api/tokens/{token_id}", headers=bearer(admin_token))
    assert response.status_code == 200, response.text
