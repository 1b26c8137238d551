"""Bad input on the websocket: each closes that one connection with a documented code and
reason, never the process and never another connection."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
import uvicorn

from command.demo import DEMO_ACCOUNTS, demo_token
from realtime.protocol import Limits
from tests.conftest import SECRET, bearer
from tests.realtime_fixtures import Screen, create_unit, entity
from tests.servers import ServerProcess, free_port, server_env

TOKENS = {role: demo_token(SECRET, role, unit) for role, unit in DEMO_ACCOUNTS}


@pytest.fixture(scope="module")
def server(sqlite_template, tmp_path_factory):
    """One server for the whole module: bad input must not disturb it."""
    root = tmp_path_factory.mktemp("realtime-bad-input")
    path = root / "watchfloor.db"
    shutil.copy(sqlite_template, path)
    process = ServerProcess(
        server_env(f"sqlite+aiosqlite:///{path}", root), log=root / "server.log"
    ).start()
    yield process
    process.stop()


@pytest.fixture(scope="module")
async def sentinel(server):
    """A screen connected through every bad input of the module."""
    screen = await Screen.join(server.ws_url, TOKENS["display"], ["units"])
    yield screen
    await screen.close()


def hello(**fields: Any) -> dict[str, Any]:
    return {"type": "hello", "token": TOKENS["display"], "topics": ["incidents"], **fields}


BAD_FIRST_MESSAGES = {
    "a ping before the hello": ({"type": "ping"}, 4002, "first message must be a hello"),
    "garbage JSON": ("{not json", 4000, "not valid JSON"),
    "a JSON array": ("[1, 2, 3]", 4000, 'JSON object with a "type"'),
    "an object without a type": ({"token": "x"}, 4000, 'JSON object with a "type"'),
    "a binary frame": (b"\x00\x01hello", 4000, "text frames"),
    "a forged token": (hello(token="wf_forged"), 4001, "invalid or revoked"),
    "a token that is not even ours": (hello(token="x" * 300), 4000, "token"),
    "no token and no session": (hello(token=None), 4001, "send a token"),
    "an unknown topic": (hello(topics=["weather"]), 4004, "unknown topic 'weather'"),
    "no topics": (hello(topics=[]), 4000, "topics"),
    "topics as a string": (hello(topics="incidents"), 4000, "topics"),
    "a cursor that is a number": (hello(cursor=12), 4000, "cursor"),
    "an unknown unit": (hello(unit="NOPE"), 4003, "outside the subtree"),
    "a unit above the credential": (
        hello(token=TOKENS["reporter"], unit="231100"),
        4003,
        "outside the subtree of 231102001",
    ),
    "an oversized hello": (hello(padding="x" * 5000), 4009, "over 4096 bytes"),
    "a hello nested 2,000 deep": (
        '{"type":"hello","topics":["incidents"],"x":' + "[" * 2000 + "]" * 2000 + "}",
        4000,
        "nested too deep",
    ),
}


@pytest.mark.parametrize("case", BAD_FIRST_MESSAGES, ids=list(BAD_FIRST_MESSAGES))
async def test_a_bad_first_message_closes_with_its_code(server, sentinel, case):
    message, code, reason = BAD_FIRST_MESSAGES[case]
    screen = await Screen.open(server.ws_url)
    await screen.send(message)
    closed = await screen.closed()
    assert (closed.code, reason in closed.reason) == (code, True), closed.reason
    assert len(closed.reason.encode()) <= 123
    await _still_serving(server, sentinel)


BAD_LATER_MESSAGES = {
    "a second hello": (hello(), 4000, "unexpected message type 'hello'"),
    "an unknown message type": ({"type": "subscribe"}, 4000, "unexpected message type"),
    "garbage JSON": ("]]", 4000, "not valid JSON"),
    "an oversized message": ({"type": "ping", "echo": "x" * 8000}, 4009, "over 4096 bytes"),
    "a ping echo nested 1,000 deep": (
        '{"type":"ping","echo":' + "[" * 1000 + "]" * 1000 + "}",
        4000,
        "nested too deep",
    ),
    "a ping echo nested 300 deep": (
        '{"type":"ping","echo":' + "[" * 300 + "]" * 300 + "}",
        4000,
        "nested too deep",
    ),
}


@pytest.mark.parametrize("case", BAD_LATER_MESSAGES, ids=list(BAD_LATER_MESSAGES))
async def test_a_bad_message_after_the_hello_closes_with_its_code(server, sentinel, case):
    message, code, reason = BAD_LATER_MESSAGES[case]
    screen = await Screen.join(server.ws_url, TOKENS["display"], ["incidents"])
    await screen.send(message)
    closed = await screen.closed()
    assert (closed.code, reason in closed.reason) == (code, True), closed.reason
    await _still_serving(server, sentinel)


@pytest.mark.parametrize("cursor", ["3f2a9c1e5b7d4e60:\u00b2-0", "3f2a9c1e5b7d4e60:1-\u00b9"])
async def test_a_cursor_with_digits_that_are_not_ascii_is_unknown(server, sentinel, cursor):
    # str.isdigit() holds for "²" and "¹", which int() refuses (once a 1011 close).
    screen = await Screen.join(server.ws_url, TOKENS["display"], ["units"], cursor=cursor)
    assert screen.snapshot["reset"] is True and screen.snapshot["reason"] == "cursor_unknown"
    await screen.close()
    await _still_serving(server, sentinel)


async def test_a_flood_of_messages_is_rate_limited(server, sentinel):
    screen = await Screen.join(server.ws_url, TOKENS["display"], ["incidents"])
    for number in range(200):
        await screen.send({"type": "ping", "echo": number})
    closed = await screen.closed()
    assert closed.code == 4029 and "too many messages" in closed.reason
    pongs = [m for m in screen.received if m["type"] == "pong"]
    assert 10 <= len(pongs) < 200
    await _still_serving(server, sentinel)


async def test_a_frame_over_the_protocol_limit_is_refused_by_the_server(server, sentinel):
    screen = await Screen.open(server.ws_url)
    await screen.send("x" * 200_000)
    closed = await screen.closed()
    assert closed.code == 1009
    await _still_serving(server, sentinel)


async def test_a_revoked_token_is_refused(server, sentinel):
    async with httpx.AsyncClient(base_url=server.url) as http:
        issued = await http.post(
            "/api/tokens",
            json={"unit": "231102", "role": "display"},
            headers=bearer(TOKENS["admin"]),
        )
        token = issued.json()["token"]
        accepted = await Screen.join(server.ws_url, token, ["incidents"])
        revoked = await http.delete(
            f"/api/tokens/{issued.json()['id']}", headers=bearer(TOKENS["admin"])
        )
    assert accepted.welcome["unit"] == "231102" and revoked.status_code == 200
    screen = await Screen.open(server.ws_url)
    await screen.send(hello(token=token))
    closed = await screen.closed()
    assert closed.code == 4001
    await _still_serving(server, sentinel)


async def test_a_client_that_vanishes_mid_stream_disturbs_nobody(server, sentinel):
    for _ in range(5):
        screen = await Screen.join(server.ws_url, TOKENS["display"], ["units"])
        screen.abort()
    await _still_serving(server, sentinel)


async def test_a_connection_that_never_says_hello_is_closed_in_time(app):
    app.state.realtime_limits = Limits(hello_seconds=0.3)
    async with serving(app) as url:
        screen = await Screen.open(url)
        closed = await screen.closed(within=3)
    assert closed.code == 4002 and closed.reason == "no hello in time"


@asynccontextmanager
async def serving(app) -> AsyncIterator[str]:
    """The test's app behind a real uvicorn server in this process; yields the /ws URL."""
    config = uvicorn.Config(
        app, host="127.0.0.1", port=free_port(), ws="websockets-sansio", lifespan="off"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    for _ in range(1000):
        if server.started:
            break
        await asyncio.sleep(0.01)
    try:
        yield f"ws://127.0.0.1:{config.port}/ws"
    finally:
        server.should_exit = True
        await task


async def _still_serving(server: ServerProcess, sentinel: Screen) -> None:
    """The process is up, and the long-lived screen still gets live events."""
    async with httpx.AsyncClient(base_url=server.url) as http:
        assert (await http.get("/api/health")).status_code == 200
        code = await create_unit(http, TOKENS["admin"])
    await sentinel.events_until(entity(code))
