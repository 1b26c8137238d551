"""Websocket fuzzing against a real server process (hypothesis): whatever a client sends
as its hello, and whatever it sends after a good one, the server answers or closes with
one of the close codes docs/websocket-protocol.md documents; never 1011 (a server error)
or a dropped connection (1006)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from command.demo import DEMO_ACCOUNTS, demo_token
from tests.conftest import SECRET
from tests.servers import ServerProcess, server_env

# docs/websocket-protocol.md, "Close codes"; 1000 is a normal close.
DOCUMENTED = {1000, 1001, 1013, 4000, 4001, 4002, 4003, 4004, 4008, 4009, 4010, 4029}
EXAMPLES = 150


@pytest.fixture(scope="module")
def server(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("fuzz")
    shutil.copy(sqlite_template, tmp / "fuzz.db")
    env = server_env(f"sqlite+aiosqlite:///{tmp / 'fuzz.db'}", tmp)
    process = ServerProcess(env, log=tmp / "server.log").start()
    yield process.ws_url
    process.stop()


DISPLAY = demo_token(SECRET, "display", dict(DEMO_ACCOUNTS)["display"])
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=5)
    ),
    max_leaves=30,
)
topics = st.lists(
    st.sampled_from(["incidents", "units", "drills", "nope", ""]) | st.text(max_size=12),
    max_size=20,
)
hellos = st.fixed_dictionaries(
    {"type": st.sampled_from(["hello", "HELLO", "ping", ""]) | st.text(max_size=8)},
    optional={
        "token": st.sampled_from([DISPLAY, "wf_bad", ""]) | json_values,
        "topics": topics | json_values,
        "cursor": st.text(max_size=60) | json_values,
        "unit": st.sampled_from(["231100", "231102", "000000", "x"]) | json_values,
    },
)
frames = (
    hellos.map(json.dumps)
    | json_values.map(json.dumps)
    | st.text(max_size=300)
    | st.binary(max_size=300)
    | st.just("x" * 5000)
)
client_messages = (
    st.fixed_dictionaries(
        {"type": st.sampled_from(["ping", "hello", "pong", "subscribe"]) | st.text(max_size=8)},
        optional={"echo": json_values, "topics": topics},
    ).map(json.dumps)
    | frames
)


def _outcome(url: str, messages: list[str | bytes]) -> int | None:
    """The close code the server ended with, or None if it is still open afterwards."""
    with connect(url, open_timeout=10, close_timeout=5, max_size=8 * 1024 * 1024) as ws:
        try:
            for message in messages:
                ws.send(message)
            while True:
                ws.recv(timeout=0.3)
        except TimeoutError:
            return None
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd is not None else 1006


def _good_hello() -> str:
    return json.dumps({"type": "hello", "token": DISPLAY, "topics": ["incidents"]})


FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@FUZZ
@given(frame=frames)
def test_any_hello_closes_only_with_a_documented_code(server, frame):
    code = _outcome(server, [frame])
    assert code is None or code in DOCUMENTED, code


@FUZZ
@given(messages=st.lists(client_messages, min_size=1, max_size=4))
def test_any_message_after_a_good_hello_closes_only_with_a_documented_code(server, messages):
    code = _outcome(server, [_good_hello(), *messages])
    assert code is None or code in DOCUMENTED, code


def _nested(depth: int, leaf: Any = 0) -> str:
    return "[" * depth + json.dumps(leaf) + "]" * depth


# Found by the probe of issue #21 (once 1006 and 1011); the bounded JSON parse answers 4000.
DEEP_CASES = [
    pytest.param([f'{{"type":"hello","topics":{_nested(2000)}}}'], id="hello nested 2000 deep"),
    pytest.param(
        ["HELLO", f'{{"type":"ping","echo":{_nested(1000)}}}'], id="ping echo nested 1000 deep"
    ),
    pytest.param([_nested(1900)], id="a bare array nested 1900 deep"),
]


@pytest.mark.parametrize("messages", DEEP_CASES)
def test_deeply_nested_messages_close_with_4000(server, messages):
    messages = [_good_hello() if m == "HELLO" else m for m in messages]
    assert _outcome(server, messages) == 4000
