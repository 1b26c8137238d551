"""Bad input and faults of the notification loop: a channel URL apprise cannot use (left in
a unit's contacts by an older release or written past the API) and a ladder that cannot
be used are reported by `watchfloor rules check`, `watchfloor notify check` and
`/api/health`, never by their secret; the worker goes on, the unit's other channels
still get their mail, and the deadline engine still marks the next clock."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
from sqlalchemy import select, update

from command.notify import worker
from command.notify.ladder import LADDER_FILE
from command.notify.models import Delivery
from command.units.models import Unit
from tests.deadlines_fixtures import (
    T0,
    TOWNSHIP,
    VILLAGE,
    create_incident,
    deadline_app,
    minutes,
    run_engine,
)
from tests.servers import ROOT, free_port
from tests.test_notifications import _contacts, _deliveries, mailbox  # noqa: F401

SECRET_PART = "tok-9f8e7d6c5b4a"
BAD_URL = f"nosuchscheme://{SECRET_PART}@hook.example/{SECRET_PART}"


def _cli(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("WATCHFLOOR_")}
    return subprocess.run(
        [sys.executable, "-m", "command.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        env={**clean, **env},
    )


async def _bad_contact(app) -> None:
    """The township's contacts with a URL apprise cannot use beside its mail address,
    written to the table directly (the API refuses such a URL)."""
    async with app.state.db.write() as session:
        await session.execute(
            update(Unit)
            .where(Unit.code == TOWNSHIP)
            .values(
                contacts=[
                    {"kind": "email", "address": "duty@town.example"},
                    {"kind": "apprise", "address": BAD_URL},
                ]
            )
        )


async def test_a_bad_channel_url_is_reported_and_never_stops_the_loop(settings, mailbox, demo):  # noqa: F811
    box, port = mailbox
    async with deadline_app(settings, smtp_url=f"smtp://127.0.0.1:{port}") as app:
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
        await worker.run_once(app)
        await _bad_contact(app)
        health = await client.get("/api/health")
        assert health.status_code == 200 and health.json()["status"] == "ok"
        notify = health.json()["domains"]["notify"]
        assert notify["ok"] is False
        assert notify["bad_channels"] == [
            f"unit {TOWNSHIP}: contact 1 is not a URL apprise can use"
        ]
        assert SECRET_PART not in health.text

        incident = await create_incident(app, unit=VILLAGE, learned_at=T0)
        await run_engine(app, T0 + minutes(50))
        await worker.run_once(app)  # the bad URL fails its attempt; the round goes on
        assert len(box.to("duty@town.example")) == 1
        log = await _deliveries(client, demo, incident=incident)
        failed = [d for d in log if d["channel"] == "apprise"]
        assert [d["state"] for d in failed] == ["pending"] and failed[0]["attempts"] == 1
        assert "apprise" in failed[0]["last_error"]
        assert SECRET_PART not in str(log)
        # The engine still marks the next clock, and the worker still sends its message.
        assert await run_engine(app, T0 + minutes(61)) >= 1
        await worker.run_once(app)
        assert len(box.to("duty@town.example")) == 2
        # Every retry due at once: the bad one is parked with its error, nothing else is.
        for _ in range(6):
            async with app.state.db.write() as session:
                await session.execute(
                    update(Delivery).where(Delivery.state == "pending").values(next_attempt_at=T0)
                )
            await worker.run_once(app)
        async with app.state.db.read() as session:
            states = {(d.channel, d.state) for d in await session.scalars(select(Delivery))}
        assert states == {("email", "sent"), ("apprise", "parked")}
        await client.aclose()


async def test_rules_check_and_notify_check_name_the_unit_not_the_url(settings, database_url):
    async with deadline_app(settings) as app:
        await _bad_contact(app)
    dead = free_port()
    env = {
        "WATCHFLOOR_DATABASE_URL": database_url,
        "WATCHFLOOR_SMTP_URL": f"smtp://relay:pw-{SECRET_PART}@127.0.0.1:{dead}",
    }
    for args in (("rules", "check", "cn-national"), ("notify", "check")):
        done = _cli(*args, **env)
        assert done.returncode == 0, done.stderr  # warnings: the files themselves are good
        assert "ladder ok: reminder (deadline.warning → owing_unit)" in done.stdout
        assert f"unit {TOWNSHIP}: contact 1 is not a URL apprise can use" in done.stderr
        assert f"127.0.0.1:{dead} cannot be reached" in done.stderr
        assert SECRET_PART not in done.stdout + done.stderr


def test_rules_check_refuses_a_ladder_that_cannot_be_used(tmp_path: Path):
    ladder = tmp_path / "ladder.toml"
    text = LADDER_FILE.read_text(encoding="utf-8")
    ladder.write_text(text.replace('to = ["owing_unit"]', 'to = ["the_moon"]', 1), "utf-8")
    env = {"WATCHFLOOR_NOTIFY_LADDER": str(ladder), "WATCHFLOOR_VAR_DIR": str(tmp_path)}
    done = _cli("rules", "check", "cn-national", **env)
    assert done.returncode == 1
    assert "ruleset 'cn-national'" in done.stdout  # the ruleset itself is fine
    assert f"{ladder}: rule.0.to.0" in done.stderr
    # Without a database to read the contacts from, the check says so and creates none.
    good = _cli("rules", "check", "cn-national", WATCHFLOOR_VAR_DIR=str(tmp_path))
    assert good.returncode == 0, good.stderr
    assert "channel URLs were not checked" in good.stderr
    assert not (tmp_path / "watchfloor.db").exists()
