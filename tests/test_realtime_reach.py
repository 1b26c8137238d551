"""An event reaches every screen whose subtree it concerns: an early warning over units of
the city and a county is delivered live to the county's screens, not only to the city's
(the warning's common ancestor), and not to a sibling county's."""

from __future__ import annotations

import shutil

import httpx
import pytest

from command.demo import DEMO_ACCOUNTS, demo_token
from command.events import deepest
from realtime.bus import entry_of
from realtime.hub import Subscriber
from realtime.protocol import Limits
from realtime.redis_bus import RedisBus
from tests.conftest import REDIS_URL, SECRET, bearer, need_redis
from tests.interop_fixtures import foreign_alert
from tests.realtime_fixtures import Screen, forget_streams
from tests.servers import ServerProcess, server_env

TOKENS = {role: demo_token(SECRET, role, unit) for role, unit in DEMO_ACCOUNTS}
AIHUI, XUNKE = "/231100/231102/", "/231100/231123/"


def _warning_message(reach: list[str] | None) -> dict:
    message = {"id": 7, "topic": "incidents", "unit_path": "/231100/", "kind": "k", "payload": {}}
    return {**message, "reach": reach} if reach else message


def test_only_the_deepest_paths_are_kept():
    paths = ["/231100/", "/231100/231102/", "/231100/231102/231102003/", "/231100/231123/"]
    assert deepest(paths) == ["/231100/231102/231102003/", "/231100/231123/"]


def test_a_screen_wants_an_event_whose_reach_is_in_its_subtree():
    entry = entry_of((1, 0), _warning_message(["/231100/231102/231102003/"]))
    county, sibling, city = (
        Subscriber(unit_path=path, topics=["incidents"], limits=Limits())
        for path in (AIHUI, XUNKE, "/231100/")
    )
    assert (county.wants(entry), sibling.wants(entry), city.wants(entry)) == (True, False, True)
    plain = entry_of((2, 0), _warning_message(None))
    assert (county.wants(plain), city.wants(plain)) == (False, True)


async def test_the_reach_travels_through_redis():
    need_redis()
    await forget_streams(REDIS_URL)
    bus = RedisBus(REDIS_URL)
    try:
        await bus.start()
        await bus.publish([_warning_message([AIHUI]), {**_warning_message(None), "id": 8}])
        first, second = await bus.read((0, 0), count=10)
        assert (first.reach, second.reach) == ((AIHUI,), ())
    finally:
        await bus.stop()
        await forget_streams(REDIS_URL)


@pytest.fixture
def server(sqlite_template, tmp_path):
    path = tmp_path / "watchfloor.db"
    shutil.copy(sqlite_template, path)
    process = ServerProcess(
        server_env(f"sqlite+aiosqlite:///{path}", tmp_path), log=tmp_path / "server.log"
    ).start()
    yield process
    process.stop()


async def _display_token(client: httpx.AsyncClient, unit: str) -> str:
    response = await client.post(
        "/api/tokens", json={"unit": unit, "role": "display"}, headers=bearer(TOKENS["admin"])
    )
    assert response.status_code == 201, response.text
    return response.json()["token"]


async def test_a_county_screen_receives_a_warning_over_the_city_live(server):
    async with httpx.AsyncClient(base_url=server.url) as client:
        county = await Screen.join(server.ws_url, await _display_token(client, "231102"))
        sibling = await Screen.join(server.ws_url, await _display_token(client, "231123"))
        posted = await client.post(
            "/api/cap",
            content=foreign_alert(),
            headers={**bearer(TOKENS["commander"]), "Content-Type": "application/cap+xml"},
        )
        assert posted.status_code == 201, posted.text
        entity = f"warning:{posted.json()['id']}"
        received = await county.event(kind="warning.received", entity=entity)
        assert received["event"]["unit_path"].endswith("/231100/")  # the common ancestor
        assert any("/231102/" in path for path in received["event"]["reach"])
        marker = await client.post(
            "/api/cap",
            content=foreign_alert(identifier="C-2", polygon="", circle="49.58,128.48 2"),
            headers={**bearer(TOKENS["commander"]), "Content-Type": "application/cap+xml"},
        )
        # The sibling's first warning event is the one over itself, never the other.
        first = await sibling.event(kind="warning.received")
        assert first["event"]["entity"] == f"warning:{marker.json()['id']}"
        await county.close()
        await sibling.close()
