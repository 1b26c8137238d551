"""Secrets never in logs or API answers: a real server process mails through a relay that
demands a password and posts to webhooks whose URLs carry tokens (one live, one dead);
after the reminders went out and the dead one failed, neither the password nor any token
is in the server's log, in any answer of the API a caller can read, or in the event log
that feeds the screens."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import httpx
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import text

from command.db import Database
from tests.browser_helpers import incident_body, post_incident, unique
from tests.conftest import bearer
from tests.servers import free_port, webhook_server
from tests.test_notifications import Mailbox
from tests.test_notifications_processes import _env, _wait

pytest_plugins = ("tests.browser_fixtures",)

COUNTY = "231102"  # owes the city the initial report of an incident in 花园街道
PASSWORD = "pw-3c1d0e2f7a"
LIVE_TOKEN, DEAD_TOKEN, PATH_TOKEN = "live-8b7a6f5e4d", "dead-1a2b3c4d5e", "path-0f9e8d7c6b"
SECRETS = (PASSWORD, LIVE_TOKEN, DEAD_TOKEN, PATH_TOKEN)


def _login(_server, _session, _envelope, _mechanism, data) -> AuthResult:
    ok = isinstance(data, LoginPassword) and data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False)


def _rows(path: Path, query: str) -> list[tuple]:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    try:
        return connection.execute(query).fetchall()
    finally:
        connection.close()


async def test_no_secret_in_the_log_the_answers_or_the_events(
    sqlite_url, start_server, tmp_path, demo
):
    box, port = Mailbox(), free_port()
    relay = Controller(
        box,
        hostname="127.0.0.1",
        port=port,
        authenticator=_login,
        auth_required=True,
        auth_require_tls=False,
    )
    relay.start()
    hook, received = webhook_server()
    dead = free_port()
    try:
        env = _env(tmp_path, port)
        env["WATCHFLOOR_SMTP_URL"] = f"smtp://relay:{PASSWORD}@127.0.0.1:{port}"
        server = start_server(sqlite_url, **env)
        contacts = [
            {"kind": "email", "address": "duty@county.example"},
            {
                "kind": "apprise",
                "address": f"json://127.0.0.1:{hook.server_address[1]}/h/{PATH_TOKEN}"
                f"?token={LIVE_TOKEN}",
            },
            {"kind": "apprise", "address": f"json://127.0.0.1:{dead}/h?token={DEAD_TOKEN}"},
        ]
        async with httpx.AsyncClient(base_url=server.url) as client:
            admin, commander = bearer(demo["admin"]), bearer(demo["commander"])
            patched = await client.patch(
                f"/api/units/{COUNTY}", json={"contacts": contacts}, headers=admin
            )
            assert patched.status_code == 200, patched.text
            await asyncio.sleep(1.5)  # the worker has taken its place at the end of the log
            await post_incident(server.url, demo["reporter"], incident_body(unique("仓库火情")))
            database = Path(sqlite_url.removeprefix("sqlite+aiosqlite:///"))
            query = "SELECT count(*) FROM deliveries WHERE channel = 'apprise' AND last_error != ''"
            await _wait(
                lambda: box.messages and received and _rows(database, query)[0][0],
                30,
                "the reminders and a failure",
            )
            assert box.messages and received, "the reminders did not arrive"
            assert _rows(database, query)[0][0] >= 1, "the dead webhook did not fail yet"
            answers = []
            for headers in (admin, commander):
                listing = await client.get("/api/notifications", headers=headers)
                assert listing.status_code == 200
                answers.append(listing.text)
                first = listing.json()["items"][-1]["id"]
                answers.append(
                    (await client.post(f"/api/notifications/{first}/ack", headers=headers)).text
                )
            answers.append((await client.get("/api/health")).text)
            answers.append((await client.get(f"/api/units/{COUNTY}", headers=commander)).text)
            answers.append((await client.get("/api/units", headers=commander)).text)
            failed = [
                item
                for item in (await client.get("/api/notifications", headers=admin)).json()["items"]
                if item["last_error"]
            ]
            assert failed and all(item["address"] == "json://…" for item in failed)
        events = _rows(database, "SELECT payload FROM events")
        server.stop()
        log = server.log.read_text(encoding="utf-8", errors="replace")
        for secret in SECRETS:
            assert secret not in log, f"{secret} in the server's log"
            for answer in answers:
                assert secret not in answer, f"{secret} in an answer: {answer[:300]}"
            assert not [p for (p,) in events if secret in p], f"{secret} in an event"
    finally:
        relay.stop()
        hook.shutdown()


async def test_a_failed_statement_names_no_value(tmp_path):
    """A database error's text (what a log line repeats) carries the statement, never the
    values bound to it: a delivery's address may hold a channel's token."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"
    db = Database(url)
    try:
        async with db.writer.connect() as connection:
            try:
                await connection.execute(
                    text("INSERT INTO no_such_table (address) VALUES (:address)"),
                    {"address": f"dingtalk://{LIVE_TOKEN}/"},
                )
            except Exception as exc:  # the error a worker's round would log
                said = f"{exc!r} {exc}"
            else:
                raise AssertionError("the insert should have failed")
        assert "no_such_table" in said and LIVE_TOKEN not in said
    finally:
        await db.dispose()
