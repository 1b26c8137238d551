"""The short form of `make chaos` (bench/chaos.py with small numbers): kill -9 of the server
under a report load on SQLite and on PostgreSQL + Redis with two workers, Redis restarted
empty, and the disk filling up; 0 acknowledged reports lost, 0 duplicates after retries,
503 and a health check that says so. The Redis scenarios need a private redis-server."""

from __future__ import annotations

import os
import shutil

import pytest

from bench import chaos


async def test_chaos_short_kill_and_disk_full(capsys):
    only = {"kill-sqlite"}
    if os.geteuid() == 0 and shutil.which("mount"):
        only.add("disk")
    outcomes = await chaos.run(short=True, only=only)
    chaos.show(outcomes)
    assert {o.scenario.split(",")[0].split(" (")[0] for o in outcomes} >= {"kill -9"}
    for outcome in outcomes:
        assert outcome.lost == 0 and outcome.duplicates == 0, outcome
        assert outcome.ok, outcome
    killed = next(o for o in outcomes if o.scenario.startswith("kill"))
    assert killed.acknowledged >= 20  # the kill came under load, after acknowledgements
    if "disk" in only:
        full = next(o for o in outcomes if o.scenario.startswith("disk"))
        assert full.refused_503 > 0 and full.notes["writes_ok"] is False
    assert "acknowledged" in capsys.readouterr().out


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server")
async def test_chaos_short_redis_restart():
    [outcome] = await chaos.run(short=True, only={"redis"})
    assert outcome.lost == 0 and outcome.notes["screen_closed_with"] == 4010, outcome
    assert outcome.recovery_seconds is not None and outcome.recovery_seconds < 30


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server")
async def test_chaos_short_kill_postgres_two_workers():
    [outcome] = await chaos.run(short=True, only={"kill-postgres"})
    assert outcome.lost == 0 and outcome.duplicates == 0, outcome
    assert outcome.acknowledged >= 20 and outcome.ok, outcome


def test_a_loss_a_duplicate_or_a_failed_check_fails_the_run(capsys):
    """`make chaos` exits 1 on any of them, and its table says which scenario."""
    fine = chaos.Outcome("kill -9, SQLite", sent=60, acknowledged=20)
    bad = [
        chaos.Outcome("kill -9, SQLite", sent=60, acknowledged=20, lost=1),
        chaos.Outcome("kill -9, SQLite", sent=60, acknowledged=20, duplicates=1),
        chaos.Outcome("disk full (tmpfs 8 MB)", notes={"failed": True}),
    ]
    assert chaos.exit_code([fine]) == 0
    for outcome in bad:
        assert chaos.exit_code([fine, outcome]) == 1, outcome
    chaos.show([fine, *bad])
    table = capsys.readouterr().out
    assert "acknowledged" in table and table.count(" NO") == 3 and "yes" in table
