"""Smoke runs of the resume, scale-out and year benchmarks, end to end with real servers.

Redis is the test Redis (WATCHFLOOR_TEST_REDIS_URL). The scale-out run empties its
PostgreSQL database (so does the year's), so it never uses the test database the other
tests share: it takes
WATCHFLOOR_BENCH_POSTGRES_URL, or else `<test database>_bench`, created when missing.
"""

from __future__ import annotations

import argparse
import asyncio
import os

import asyncpg

from bench import resume, scaleout, year
from tests.conftest import PG_URL, REDIS_URL, need_postgres, need_redis


async def bench_postgres_url() -> str:
    """The benchmark's own database on the test server (created when missing)."""
    url = os.environ.get("WATCHFLOOR_BENCH_POSTGRES_URL")
    if url:
        return url
    base, _, name = PG_URL.rpartition("/")
    bench_name = f"{name}_bench"
    connection = await asyncpg.connect(PG_URL.replace("postgresql+asyncpg", "postgresql"))
    try:
        exists = await connection.fetchval(
            "SELECT 1 FROM pg_database WHERE datname = $1", bench_name
        )
        if not exists:
            await connection.execute(f'CREATE DATABASE "{bench_name}"')
    finally:
        await connection.close()
    return f"{base}/{bench_name}"


def _args(add_arguments, argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser.parse_args(argv)


async def test_resume_quick_catches_up_without_loss_on_both_buses() -> None:
    need_redis()
    argv = ["--events", "600", "--offline", "2", "--redis", REDIS_URL, "--catch-up-timeout", "20"]
    # resume.run drives its own event loops, so it runs beside the test's loop.
    rows = await asyncio.to_thread(resume.run, _args(resume.add_arguments, argv))
    assert [row["bus"] for row in rows] == ["memory", "redis"]
    for row in rows:
        assert row["resumed"] is True
        assert row["events"] == 600
        assert (row["missed"], row["duplicates"]) == (0, 0)


async def test_scaleout_quick_reaches_every_screen_on_both_processes() -> None:
    need_postgres()
    need_redis()
    postgres = await bench_postgres_url()
    argv = ["--levels", "40", "--writes", "4", "--postgres", postgres, "--redis", REDIS_URL]
    # scaleout.run drives its own event loops, so it runs beside the test's loop.
    [row] = await asyncio.to_thread(scaleout.run, _args(scaleout.add_arguments, argv))
    assert row["screens"] == 40 and row["reports"] == 4 and row["processes"] == 2
    assert row["lost"] == 0
    assert row["duplicates"] == 0


async def test_year_tiny_loads_every_month_and_times_every_read(tmp_path) -> None:
    need_postgres()
    postgres = await bench_postgres_url()
    argv = ["--scale", "0.01", "--repeat", "2", "--checkpoints", "1,12", "--sample", "4"]
    args = _args(year.add_arguments, [*argv, "--postgres", postgres])
    data = await year.run(args, tmp_path)
    first, last = data["checkpoints"]
    per_month = year.OPEN_INCIDENTS + 1  # the least a month holds
    copied = last["load"]["rows"]["incidents"] + first["load"]["rows"]["incidents"]
    assert copied == 12 * per_month
    # The open ones arrive with the first month and stay as the closed history grows.
    assert first["counts"]["open"] == last["counts"]["open"] >= year.OPEN_INCIDENTS
    assert last["counts"]["incidents"] - first["counts"]["incidents"] == 11 * per_month
    for name in ("reports", "obligations", "events"):
        assert last["counts"][name] > first["counts"][name] > 0
    assert last["counts"]["plans"] > 0 and last["counts"]["drills"] > 0
    assert set(data["growth"]) == set(last["reads"])
    assert all(figure["kib"] > 0 for figure in last["reads"].values())
