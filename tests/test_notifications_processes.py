"""Notifications from real server processes: a kill -9 between the mark and the send still
delivers exactly one message after the restart, and two workers on PostgreSQL + Redis
send each message once. The mail server is aiosmtpd on loopback; the ruleset counts in
seconds (a report of level IV by phone is due within 3 s, warned at 1.5 s)."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

import httpx
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from command.notify.ladder import LADDER_FILE
from tests.browser_helpers import fast_ruleset, incident_body, post_incident, unique
from tests.conftest import PG_URL, REDIS_URL, bearer, need_postgres, need_redis
from tests.realtime_fixtures import forget_streams
from tests.servers import free_port
from tests.test_notifications import Mailbox

pytest_plugins = ("tests.browser_fixtures",)

COUNTY = "231102"  # owes the city the initial report of an incident in 花园街道


def quick_ladder(tmp_path: Path) -> Path:
    """The shipped ladder with a 5-second lease and 1-second retries."""
    text_ = LADDER_FILE.read_text(encoding="utf-8")
    text_ = text_.replace("lease_seconds = 60", "lease_seconds = 5")
    text_ = text_.replace("backoff_seconds = [5, 30, 120, 600]", "backoff_seconds = [1]")
    path = tmp_path / "ladder.toml"
    path.write_text(text_, encoding="utf-8")
    return path


class Stall:
    """An SMTP port that accepts connections and never answers: a send hangs there."""

    def __init__(self, port: int) -> None:
        self.port, self.server, self.held = port, None, []

    async def start(self) -> Stall:
        async def hold(reader, writer):
            self.held.append(writer)

        self.server = await asyncio.start_server(hold, "127.0.0.1", self.port)
        return self

    async def stop(self) -> None:
        for writer in self.held:
            writer.close()
        self.server.close()
        await self.server.wait_closed()


def _env(tmp_path: Path, smtp_port: int, **extra: str) -> dict[str, str]:
    return {
        "WATCHFLOOR_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
        "WATCHFLOOR_RULESET": str(fast_ruleset(tmp_path)),
        "WATCHFLOOR_NOTIFY_LADDER": str(quick_ladder(tmp_path)),
        "WATCHFLOOR_ENGINE_MAX_SLEEP": "0.5",
        **extra,
    }


async def _county_mail(base_url: str, demo: dict[str, str]) -> None:
    async with httpx.AsyncClient(base_url=base_url) as client:
        response = await client.patch(
            f"/api/units/{COUNTY}",
            json={"contacts": [{"kind": "email", "address": "duty@county.example"}]},
            headers=bearer(demo["admin"]),
        )
    assert response.status_code == 200, response.text


async def _wait(predicate, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if found := predicate():
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _sqlite_rows(path: Path, query: str) -> list[tuple]:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    try:
        return connection.execute(query).fetchall()
    finally:
        connection.close()


async def test_a_kill_between_the_mark_and_the_send_still_delivers_once(
    sqlite_url, start_server, tmp_path, demo
):
    port = free_port()
    stall = await Stall(port).start()
    server = start_server(sqlite_url, **_env(tmp_path, port))
    await _county_mail(server.url, demo)
    await asyncio.sleep(1.5)  # the worker has taken its place at the end of the log
    await post_incident(server.url, demo["reporter"], incident_body(unique("滨江小区火情")))
    database = Path(sqlite_url.removeprefix("sqlite+aiosqlite:///"))
    sending = await _wait(
        lambda: _sqlite_rows(database, "SELECT id FROM deliveries WHERE state = 'sending'"),
        15,
        "a delivery being sent",
    )
    server.kill()  # while apprise waits for the stalled mail server's greeting
    await stall.stop()
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        server.start()
        first = sending[0][0]
        await _wait(
            lambda: _sqlite_rows(
                database, f"SELECT state FROM deliveries WHERE id = {first} AND state = 'sent'"
            ),
            20,
            "the interrupted delivery to be sent after the restart",
        )
        # Every report of the incident has been warned, overdue and missed by now; once
        # nothing is left to send, each delivery sent must have arrived exactly once.
        await asyncio.sleep(3)
        await _wait(
            lambda: (
                not _sqlite_rows(
                    database, "SELECT id FROM deliveries WHERE state IN ('pending', 'sending')"
                )
            ),
            20,
            "nothing left to send",
        )
        await asyncio.sleep(1)
        sent = _sqlite_rows(database, "SELECT subject FROM deliveries WHERE state = 'sent'")
        subjects = sorted(str(message["subject"]) for _, message in box.messages)
        assert subjects == sorted(subject for (subject,) in sent)
        assert len(set(subjects)) == len(subjects), "a message arrived twice"
        attempts = _sqlite_rows(database, f"SELECT attempts FROM deliveries WHERE id = {first}")
        assert attempts[0][0] == 2
    finally:
        controller.stop()


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_two_workers_on_postgres_and_redis_send_each_message_once(
    database_url, start_server, tmp_path, demo
):
    need_postgres()
    need_redis()
    await forget_streams(REDIS_URL)
    box, port = Mailbox(), free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        env = _env(tmp_path, port, WATCHFLOOR_REDIS_URL=REDIS_URL)
        first, second = start_server(database_url, **env), start_server(database_url, **env)
        await _county_mail(first.url, demo)
        await asyncio.sleep(1.5)
        titles = [unique("国道货车侧翻") for _ in range(6)]
        for index, title in enumerate(titles):
            server = (first, second)[index % 2]
            await post_incident(server.url, demo["reporter"], incident_body(title))
        engine = create_async_engine(PG_URL)

        async def counts() -> tuple[int, int]:
            async with engine.connect() as conn:
                row = (
                    await conn.execute(
                        text(
                            "SELECT count(*) FILTER (WHERE state = 'sent'), count(*) "
                            "FROM deliveries WHERE rule = 'reminder'"
                        )
                    )
                ).one()
            return row[0], row[1]

        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            sent, total = await counts()
            if total >= 2 * len(titles) and sent == total:
                break
            await asyncio.sleep(0.2)
        sent, total = await counts()
        await engine.dispose()
        # One reminder for each of the county's two initial reports (phone, written).
        assert total == 2 * len(titles) and sent == total
        await asyncio.sleep(1.5)
        reminders = [
            (tuple(rcpt), str(message["subject"]))
            for rcpt, message in box.messages
            if "报送提醒" in str(message["subject"])
        ]
        assert len(reminders) == total
        assert len(set(reminders)) == len(reminders), "a reminder was sent twice"
        assert {title for title in titles if any(title in s for _, s in reminders)} == set(titles)
    finally:
        controller.stop()
