"""The deadline engine under 100,000 pending obligations.

    .venv/bin/python -m bench.engine [--count N] [--window S] [--postgres URL]

1. Lateness: N pending obligations whose due times are spread evenly over a window of S
   seconds; the engine's worker (the loop every server process runs) marks each overdue.
   Lateness is due → the commit of the pass that marked it (p50, p99, max).
2. Pass cost: N obligations all due at once, drained pass by pass (claim with FOR UPDATE
   SKIP LOCKED or BEGIN IMMEDIATE, one executemany UPDATE, one batched event INSERT),
   against the floor measured in the same run: one bare UPDATE of the same rows in a
   single statement, with no events. And an idle pass over N pending rows.

SQLite always (a scratch file); PostgreSQL too with --postgres, whose database is emptied
(DROP SCHEMA public CASCADE). Prints a table and writes JSON to bench/results/.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.ext.asyncio import create_async_engine

from bench.common import percentile, print_table, write_results
from command.db import Database, utcnow
from command.deadlines.engine import Worker
from command.deadlines.models import Obligation
from command.demo import load_demo
from command.events import Event
from command.incidents.models import Incident
from command.migrate import upgrade
from command.units.models import Unit

SECRET = "bench-secret-0123456789abcdef"
CHUNK = 10_000
LEAD = timedelta(seconds=3)  # setup slack before the first due time
DRAIN_LIMIT = 60.0  # seconds after the window before the run is abandoned


class TimedWorker(Worker):
    """The engine's worker, noting when each pass that marked rows committed."""

    def __init__(self, db: Database) -> None:
        super().__init__(db, max_sleep=5.0)
        self.commits: dict[datetime, datetime] = {}
        self.pass_seconds: list[float] = []

    async def pass_once(self, now: datetime | None = None) -> int:
        now = now or utcnow()
        started = time.perf_counter()
        claimed = await super().pass_once(now)
        if claimed:
            self.pass_seconds.append(time.perf_counter() - started)
            self.commits[now] = utcnow()
        return claimed


async def _prepare(url: str) -> tuple[Database, dict[str, Any]]:
    if url.startswith("postgresql"):
        engine = create_async_engine(url)
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
        await engine.dispose()
    db = Database(url)
    await upgrade(db.writer)
    await load_demo(db, SECRET, city_only=True)
    async with db.write() as session:
        units = await session.execute(
            select(Unit.code, Unit.id, Unit.path).where(
                Unit.code.in_(["231102003001", "231102003"])
            )
        )
        found = {code: (unit_id, path) for code, unit_id, path in units.all()}
        ids: dict[str, Any] = {code: unit_id for code, (unit_id, _) in found.items()}
        ids["path"] = found["231102003001"][1]
        incident = Incident(
            title="bench",
            category="natural",
            level="IV",
            occurred_at=utcnow(),
            learned_at=utcnow(),
            received_at=utcnow(),
            updated_at=utcnow(),
            unit_id=ids["231102003001"],
            unit_path=ids["path"],
            lon=127.5,
            lat=50.2,
            geometry={"type": "Point", "coordinates": [127.5, 50.2]},
            created_by="bench",
        )
        session.add(incident)
        await session.flush()
        ids["incident"] = incident.id
    return db, ids


def _rows(ids: dict[str, Any], dues: list[datetime]) -> list[dict[str, Any]]:
    """Pending rows already warned, so that the one mark each awaits is overdue at due."""
    return [
        {
            "incident_id": ids["incident"],
            "unit_id": ids["231102003001"],
            "unit_path": ids["path"],
            "to_unit_id": ids["231102003"],
            "kind": "initial",
            "channel": "written",
            "seq": number,
            "rule": "bench",
            "level": "IV",
            "link": "village>township",
            "starts_at": due - timedelta(hours=2),
            "due_at": due,
            "warn_at": due,
            "warned_at": due - timedelta(minutes=30),
            "miss_at": due + timedelta(hours=1),
            "next_at": due,
            "state": "pending",
            "missing_facts": [],
            "known_elsewhere": False,
            "exercise": False,
            "created_at": due,
        }
        for number, due in enumerate(dues)
    ]


async def _load(db: Database, ids: dict[str, Any], dues: list[datetime]) -> float:
    async with db.write() as session:
        await session.execute(delete(Event))
        await session.execute(delete(Obligation))
    started = time.perf_counter()
    rows = _rows(ids, dues)
    for offset in range(0, len(rows), CHUNK):
        async with db.write() as session:
            await session.execute(insert(Obligation), rows[offset : offset + CHUNK])
    return time.perf_counter() - started


async def _marked(db: Database) -> int:
    async with db.read() as session:
        return (
            await session.scalar(select(func.count()).where(Obligation.overdue_at.is_not(None)))
            or 0
        )


async def lateness(db: Database, ids: dict[str, Any], count: int, window: float) -> dict:
    first = utcnow() + LEAD
    dues = [first + timedelta(seconds=window * i / count) for i in range(count)]
    insert_seconds = await _load(db, ids, dues)
    worker = TimedWorker(db)
    worker.start()
    give_up = time.monotonic() + window + DRAIN_LIMIT
    try:
        while True:
            if await _marked(db) >= count:
                break
            if time.monotonic() > give_up:
                raise SystemExit(f"the engine had not marked {count} rows {DRAIN_LIMIT} s late")
            await asyncio.sleep(0.5)
    finally:
        await worker.stop()
    async with db.read() as session:
        marks = (await session.execute(select(Obligation.due_at, Obligation.overdue_at))).all()
    late = [(worker.commits[marked] - due).total_seconds() for due, marked in marks]
    return {
        "rows": count,
        "window_s": window,
        "insert_s": round(insert_seconds, 2),
        "passes": len(worker.pass_seconds),
        "p50_ms": round(percentile(late, 0.50) * 1000, 1),
        "p99_ms": round(percentile(late, 0.99) * 1000, 1),
        "max_ms": round(max(late) * 1000, 1),
    }


async def pass_cost(db: Database, ids: dict[str, Any], count: int) -> dict:
    due = utcnow() - timedelta(seconds=1)
    await _load(db, ids, [due] * count)
    worker = TimedWorker(db)
    started = time.perf_counter()
    while await worker.pass_once():
        pass
    drain = time.perf_counter() - started
    await _load(db, ids, [due] * count)
    started = time.perf_counter()
    async with db.write() as session:
        now = utcnow()
        await session.execute(
            update(Obligation).where(Obligation.next_at <= now).values(overdue_at=now, next_at=None)
        )
    floor = time.perf_counter() - started
    await _load(db, ids, [due + timedelta(days=1)] * count)  # pending, none due
    idle = []
    for _ in range(20):
        started = time.perf_counter()
        await worker.pass_once()
        idle.append(time.perf_counter() - started)
    full = worker.pass_seconds
    return {
        "rows": count,
        "batch": worker.batch,
        "passes": len(full),
        "pass_p50_ms": round(statistics.median(full) * 1000, 1),
        "pass_p99_ms": round(percentile(full, 0.99) * 1000, 1),
        "engine_rows_per_s": round(count / drain),
        "floor_rows_per_s": round(count / floor),
        "engine_vs_floor": round((count / drain) / (count / floor), 3),
        "idle_pass_ms": round(statistics.median(idle) * 1000, 2),
    }


async def run(label: str, url: str, args: argparse.Namespace) -> dict:
    db, ids = await _prepare(url)
    try:
        return {
            "backend": label,
            "lateness": await lateness(db, ids, args.count, args.window),
            "pass": await pass_cost(db, ids, args.count),
        }
    finally:
        await db.dispose()


def report(results: list[dict]) -> None:
    print("\nLateness: due → committed mark, due times spread over the window")
    print_table(
        ["backend", "rows", "window s", "passes", "p50 ms", "p99 ms", "max ms"],
        [
            [
                r["backend"],
                *(
                    r["lateness"][k]
                    for k in ("rows", "window_s", "passes", "p50_ms", "p99_ms", "max_ms")
                ),
            ]
            for r in results
        ],
    )
    print("\nOne pass (500 rows due) and draining all rows, against one bare UPDATE")
    print_table(
        [
            "backend",
            "pass p50 ms",
            "pass p99 ms",
            "engine rows/s",
            "floor rows/s",
            "ratio",
            "idle pass ms",
        ],
        [
            [
                r["backend"],
                *(
                    r["pass"][k]
                    for k in (
                        "pass_p50_ms",
                        "pass_p99_ms",
                        "engine_rows_per_s",
                        "floor_rows_per_s",
                        "engine_vs_floor",
                        "idle_pass_ms",
                    )
                ),
            ]
            for r in results
        ],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--window", type=float, default=30.0)
    parser.add_argument("--postgres", help="also measure on this (emptied) PostgreSQL database")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as workdir:
        sqlite = f"sqlite+aiosqlite:///{Path(workdir) / 'engine.db'}"
        results.append(asyncio.run(run("sqlite", sqlite, args)))
    if args.postgres:
        results.append(asyncio.run(run("postgres", args.postgres, args)))
    report(results)
    path = write_results(
        "engine", {"count": args.count, "window_s": args.window, "results": results}
    )
    print(f"\nresults: {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")


if __name__ == "__main__":
    main()
