"""The engine in running servers, on a ruleset measured in seconds: it wakes for a new
obligation, makes the marks that fell due while the server was down once the server is
back, and two server processes on one PostgreSQL never make a mark twice."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, insert, select

from command.app import create_app
from command.db import Database
from command.deadlines.models import Obligation
from command.events import Event
from command.incidents.models import Incident
from command.units.models import Unit
from tests.conftest import bearer, need_postgres
from tests.incidents_fixtures import incident_body
from tests.servers import ROOT

SECONDS = {
    '"PT30M"': '"PT2S"',
    '"PT1H"': '"PT3S"',
    '"PT2H"': '"PT4S"',
    '"PT10M"': '"PT1S"',
    "warning_fraction = 0.75": "warning_fraction = 0.9",
}


def seconds_ruleset(path: Path, phone: int, written: int) -> Path:
    """cn-national measured in seconds: 30 min → 2 s, 1 h → `phone` s, 2 h → `written` s
    (so IV's phone and written limits), grace 1 s, warning at 90 %; the follow-up cadence
    of IV stays a day."""
    text = (ROOT / "command" / "rules" / "cn-national.toml").read_text(encoding="utf-8")
    replace = SECONDS | {'"PT1H"': f'"PT{phone}S"', '"PT2H"': f'"PT{written}S"'}
    for old, new in replace.items():
        text = text.replace(old, new)
    path.write_text(text.replace('name = "cn-national"', 'name = "fast"'), encoding="utf-8")
    return path


@pytest.fixture
def fast_rules(tmp_path: Path) -> Path:
    return seconds_ruleset(tmp_path / "fast.toml", phone=3, written=4)


async def _marks(database_url: str) -> tuple[Counter, dict[int, str]]:
    """Engine events per (obligation, kind), and the state of every obligation."""
    db = Database(database_url)
    try:
        async with db.read() as session:
            events = await session.execute(
                select(Event.entity, Event.kind).where(Event.kind.like("deadline.%"))
            )
            states = await session.execute(select(Obligation.id, Obligation.state))
            return Counter(events.all()), dict(states.all())
    finally:
        await db.dispose()


async def _wait_until_missed(database_url: str, count: int, within: float = 60) -> dict:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        marks, states = await _marks(database_url)
        missed = [oid for oid, state in states.items() if state == "missed"]
        if len(missed) >= count:
            return states
        await asyncio.sleep(0.3)
    raise AssertionError(f"only {len(missed)} of {count} obligations were marked missed")


async def test_the_engine_wakes_for_a_new_obligation(settings, fast_rules, demo):
    """max_sleep is a minute: only the wake-up after the commit makes it mark in seconds."""
    fast = dataclasses.replace(settings, ruleset=str(fast_rules), engine_max_sleep=60.0)
    app = create_app(fast)
    async with app.router.lifespan_context(app):
        await asyncio.sleep(0.3)  # let the engine reach its long sleep
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            created = await client.post(
                "/api/incidents", json=incident_body(), headers=bearer(demo["reporter"])
            )
        assert created.status_code == 201, created.text
        started = time.monotonic()
        while time.monotonic() - started < 15:
            async with app.state.db.read() as session:
                overdue = await session.scalar(
                    select(func.count()).where(Event.kind == "deadline.overdue")
                )
            if overdue == 2:  # the county's phone and written reports
                break
            await asyncio.sleep(0.1)
        elapsed = time.monotonic() - started
    assert overdue == 2 and elapsed < 10


async def test_restart_marks_what_fell_due_while_down_exactly_once(
    database_url, start_server, tmp_path, demo
):
    # Limits long enough for the server to be down before any warning (at 5.4 s).
    rules = seconds_ruleset(tmp_path / "restart.toml", phone=6, written=8)
    server = start_server(database_url, WATCHFLOOR_RULESET=str(rules))
    async with httpx.AsyncClient(base_url=server.url) as client:
        for _ in range(3):
            created = await client.post(
                "/api/incidents", json=incident_body(), headers=bearer(demo["reporter"])
            )
            assert created.status_code == 201, created.text
    server.stop()
    stopped = datetime.now(UTC)
    marks, states = await _marks(database_url)
    assert not marks  # nothing fell due while it ran
    await asyncio.sleep(10)  # every county obligation passes due + grace meanwhile
    server.start()
    states = await _wait_until_missed(database_url, 6)
    await asyncio.sleep(1.5)  # a few more cycles: nothing is marked again
    marks, states = await _marks(database_url)
    server.stop()
    missed = {oid for oid, state in states.items() if state == "missed"}
    assert len(missed) == 6
    for oid in missed:
        entity = f"obligation:{oid}"
        # Down past due + grace: overdue and missed, each once; the stale warning skipped.
        assert marks[(entity, "deadline.overdue")] == 1
        assert marks[(entity, "deadline.missed")] == 1
        assert marks[(entity, "deadline.warning")] == 0
    assert set(marks.values()) == {1}
    db = Database(database_url)
    async with db.read() as session:
        first_mark = await session.scalar(select(func.min(Obligation.overdue_at)))
    await db.dispose()
    assert first_mark > stopped


async def _bulk_due(database_url: str, count: int, due: datetime) -> None:
    """`count` pending obligations of one incident, all due at the same instant."""
    db = Database(database_url)
    async with db.write() as session:
        units = await session.scalars(
            select(Unit).where(Unit.code.in_(["231102003001", "231102003"]))
        )
        by_code = {unit.code: unit for unit in units}
        village, township = by_code["231102003001"], by_code["231102003"]
        incident = Incident(
            title="批量",
            category="natural",
            level="IV",
            occurred_at=due,
            learned_at=due,
            received_at=due,
            updated_at=due,
            unit_id=village.id,
            unit_path=village.path,
            geometry={"type": "Point", "coordinates": [127.5, 50.2]},
            lon=127.5,
            lat=50.2,
            created_by="test",
        )
        session.add(incident)
        await session.flush()
        row = dict(
            incident_id=incident.id,
            unit_id=village.id,
            unit_path=village.path,
            to_unit_id=township.id,
            kind="initial",
            channel="written",
            rule="bulk",
            level="IV",
            link="village>township",
            starts_at=due - timedelta(seconds=4),
            due_at=due,
            warn_at=due,
            miss_at=due + timedelta(seconds=1),
            next_at=due,
            state="pending",
            missing_facts=[],
            known_elsewhere=False,
            exercise=False,
            created_at=due,
        )
        await session.execute(insert(Obligation), [dict(row, seq=i) for i in range(count)])
    await db.dispose()


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_two_servers_on_postgres_mark_each_obligation_once(
    database_url, start_server, fast_rules, demo
):
    need_postgres()
    due = datetime.now(UTC) + timedelta(seconds=4)
    await _bulk_due(database_url, 3000, due)
    env = {"WATCHFLOOR_RULESET": str(fast_rules), "WATCHFLOOR_ENGINE_MAX_SLEEP": "0.5"}
    servers = [start_server(database_url, **env), start_server(database_url, **env)]
    async with httpx.AsyncClient() as client:
        for server in servers:  # real incidents through each server as well
            created = await client.post(
                f"{server.url}/api/incidents",
                json=incident_body(),
                headers=bearer(demo["reporter"]),
            )
            assert created.status_code == 201, created.text
    states = await _wait_until_missed(database_url, 3000 + 4, within=90)
    await asyncio.sleep(1.5)
    marks, states = await _marks(database_url)
    for server in servers:
        server.stop()
    missed = [oid for oid, state in states.items() if state == "missed"]
    assert len(missed) == 3004
    for oid in missed:
        assert marks[(f"obligation:{oid}", "deadline.missed")] == 1
    # Warnings: the bulk rows have theirs at due (marked with overdue, so skipped); the
    # county obligations were warned at 3/4 of their window by one of the two servers.
    assert set(marks.values()) == {1}
    assert sum(1 for (_, kind) in marks if kind == "deadline.overdue") == 3004
