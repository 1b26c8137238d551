"""The deadline engine holding 100,000 pending obligations.

    .venv/bin/python -m bench.engine [--count N] [--rate R] [--measure M] [--postgres URL]

1. Lateness: N pending obligations bulk-inserted with Core (100,000: the first 10,000,
   whose insert times the rest, due after the run; the others due evenly at R per
   second, 1,000 by default, from just after the insert); the engine's worker (the loop
   every server process runs) runs for M seconds marking each overdue as it falls due.
   Lateness is due → the commit of the pass that marked it (p50, p99, max); a row due
   but not yet marked when the run stops counts with the time it has waited.
2. One pass: 500 rows due at once (claim with FOR UPDATE SKIP LOCKED or BEGIN IMMEDIATE,
   one UPDATE per kind of mark, one batched INSERT of the events), timed over 20 passes;
   against floors measured in the same run on the same 10,000 rows: one bare UPDATE in a
   single statement (the suggested floor), and that UPDATE plus an INSERT … SELECT of one
   bare event row each (the least database work the marks need). And an idle cycle's read
   of the next due time with N rows pending.

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

from sqlalchemy import delete, insert, literal, select, update

from bench.common import empty_postgres, percentile, print_table, write_results
from command.db import Database, utcnow
from command.deadlines.engine import Worker
from command.deadlines.marking import next_mark
from command.deadlines.models import Obligation
from command.demo import load_demo
from command.events import Event
from command.incidents.models import Incident
from command.migrate import upgrade
from command.units.models import Unit

SECRET = "bench-secret-0123456789abcdef"
CHUNK = 10_000
PASSES = 20
LEAD = timedelta(seconds=3)  # setup slack before the first due time
VILLAGE, TOWNSHIP = "231102003001", "231102003"


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
    """A migrated database with the demo city and one incident the rows belong to."""
    if url.startswith("postgresql"):
        await empty_postgres(url)
    db = Database(url)
    await upgrade(db.writer)
    await load_demo(db, SECRET, city_only=True)
    async with db.write() as session:
        units = await session.execute(select(Unit).where(Unit.code.in_([VILLAGE, TOWNSHIP])))
        by_code = {unit.code: unit for unit in units.scalars()}
        village, now = by_code[VILLAGE], utcnow()
        incident = Incident(
            title="bench",
            category="natural",
            level="IV",
            occurred_at=now,
            learned_at=now,
            received_at=now,
            updated_at=now,
            unit_id=village.id,
            unit_path=village.path,
            geometry={"type": "Point", "coordinates": [127.5, 50.2]},
            lon=127.5,
            lat=50.2,
            created_by="bench",
        )
        session.add(incident)
        await session.flush()
        ids = {"incident": incident.id, "unit": village.id, "path": village.path}
        return db, ids | {"to_unit": by_code[TOWNSHIP].id}


def _rows(ids: dict[str, Any], dues: list[datetime]) -> list[dict[str, Any]]:
    """Pending rows already warned, so that the one mark each awaits is overdue at due."""
    return [
        {
            "incident_id": ids["incident"],
            "unit_id": ids["unit"],
            "unit_path": ids["path"],
            "to_unit_id": ids["to_unit"],
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


async def _clear(db: Database) -> None:
    async with db.write() as session:
        await session.execute(delete(Event))
        await session.execute(delete(Obligation))


async def _insert(db: Database, ids: dict[str, Any], dues: list[datetime]) -> float:
    """Bulk-insert rows due at `dues` with Core; returns the seconds it took."""
    started = time.perf_counter()
    rows = _rows(ids, dues)
    for offset in range(0, len(rows), CHUNK):
        async with db.write() as session:
            await session.execute(insert(Obligation.__table__), rows[offset : offset + CHUNK])
    return time.perf_counter() - started


async def lateness(
    db: Database, ids: dict[str, Any], count: int, rate: float, measure: float
) -> dict:
    """`count` rows pending; all but the first CHUNK (due after the run) fall due at
    `rate` per second once inserted, the engine running for `measure` seconds. A row due
    by then but not marked counts as late by the time it has waited."""
    await _clear(db)
    calibration = await _insert(db, ids, [utcnow() + timedelta(days=1)] * CHUNK)
    rest = count - CHUNK
    lead = timedelta(seconds=2 + 1.2 * calibration * rest / CHUNK)
    first = utcnow() + lead
    insert_seconds = calibration + await _insert(
        db, ids, [first + timedelta(seconds=i / rate) for i in range(rest)]
    )
    idle = await idle_read_ms(db)
    worker = TimedWorker(db)
    worker.start()
    await asyncio.sleep(max(0.0, (first - utcnow()).total_seconds()) + measure)
    await worker.stop()
    stopped = utcnow()
    async with db.read() as session:
        query = select(Obligation.due_at, Obligation.overdue_at).where(Obligation.due_at <= stopped)
        marks = (await session.execute(query)).all()
    # A pass cancelled by the stop after its commit has no commit time: count until stop.
    late = [(worker.commits.get(m, stopped) - due).total_seconds() for due, m in marks]
    return {
        "pending": count,
        "due_per_s": rate,
        "insert_s": round(insert_seconds, 2),
        "idle_read_ms": idle,
        "measured_s": measure,
        "fell_due": len(marks),
        "unmarked": sum(1 for _, marked in marks if marked is None),
        "passes": len(worker.pass_seconds),
        "p50_ms": round(percentile(late, 0.50) * 1000, 1),
        "p99_ms": round(percentile(late, 0.99) * 1000, 1),
        "max_ms": round(max(late) * 1000, 1),
    }


async def _timed(db: Database, statements: list[Any]) -> float:
    started = time.perf_counter()
    async with db.write() as session:
        for statement in statements:
            await session.execute(statement)
    return time.perf_counter() - started


def _floor_statements(now: datetime, with_events: bool) -> list[Any]:
    due = Obligation.next_at <= now
    marks = update(Obligation).where(due).values(overdue_at=now, next_at=None)
    if not with_events:
        return [marks]
    rows = select(
        literal("deadlines"),
        literal("deadline.overdue"),
        literal("obligation"),
        Obligation.unit_path,
        literal({}, Event.payload.type),
        literal("floor"),
        literal(now, Event.at.type),
    ).where(due)
    columns = ["topic", "kind", "entity", "unit_path", "payload", "actor", "at"]
    return [insert(Event).from_select(columns, rows), marks]


async def pass_cost(db: Database, ids: dict[str, Any]) -> dict:
    batch = Worker(db, max_sleep=5.0).batch
    rows = batch * PASSES
    due = utcnow() - timedelta(seconds=1)
    await _clear(db)
    await _insert(db, ids, [due] * rows)
    worker = TimedWorker(db)
    while await worker.pass_once():
        pass
    floors = {}
    for name, with_events in (("floor_update", False), ("floor_update_insert", True)):
        await _clear(db)
        await _insert(db, ids, [due] * rows)
        floors[name] = rows / await _timed(db, _floor_statements(utcnow(), with_events))
    engine_rate = rows / sum(worker.pass_seconds)
    return {
        "rows": rows,
        "batch": batch,
        "passes": len(worker.pass_seconds),
        "pass_p50_ms": round(statistics.median(worker.pass_seconds) * 1000, 1),
        "pass_p99_ms": round(percentile(worker.pass_seconds, 0.99) * 1000, 1),
        "engine_rows_per_s": round(engine_rate),
        **{f"{name}_rows_per_s": round(rate) for name, rate in floors.items()},
        "engine_vs_update_floor": round(engine_rate / floors["floor_update"], 3),
        "engine_vs_update_insert_floor": round(engine_rate / floors["floor_update_insert"], 3),
    }


async def idle_read_ms(db: Database) -> float:
    """An idle cycle's read of the next due time, with every row pending."""
    times = []
    for _ in range(50):
        started = time.perf_counter()
        async with db.read() as session:
            await next_mark(session)
        times.append(time.perf_counter() - started)
    return round(statistics.median(times) * 1000, 2)


async def run(label: str, url: str, args: argparse.Namespace) -> dict:
    db, ids = await _prepare(url)
    try:
        return {
            "backend": label,
            "lateness": await lateness(db, ids, args.count, args.rate, args.measure),
            "pass": await pass_cost(db, ids),
        }
    finally:
        await db.dispose()


LATENESS = {
    "pending": "pending",
    "due_per_s": "due/s",
    "fell_due": "fell due",
    "unmarked": "unmarked",
    "passes": "passes",
    "p50_ms": "p50 ms",
    "p99_ms": "p99 ms",
    "max_ms": "max ms",
    "idle_read_ms": "idle read ms",
}
PASS = {
    "pass_p50_ms": "pass p50 ms",
    "pass_p99_ms": "pass p99 ms",
    "engine_rows_per_s": "engine rows/s",
    "floor_update_rows_per_s": "UPDATE floor",
    "floor_update_insert_rows_per_s": "UPDATE+INSERT floor",
    "engine_vs_update_insert_floor": "engine/floor",
}


def _table(results: list[dict], part: str, columns: dict[str, str]) -> None:
    rows = [[r["backend"], *(r[part][key] for key in columns)] for r in results]
    print_table(["backend", *columns.values()], rows)


def report(results: list[dict]) -> None:
    print("\nLateness: due → committed mark, every row pending at the start")
    _table(results, "lateness", LATENESS)
    print("\nOne pass of 500 due rows; the same rows marked by bare SQL (rows/s)")
    _table(results, "pass", PASS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--rate", type=float, default=1000.0, help="rows falling due per second")
    parser.add_argument(
        "--measure", type=float, default=15.0, help="seconds the engine runs meanwhile"
    )
    parser.add_argument("--postgres", help="also measure on this (emptied) PostgreSQL database")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as workdir:
        sqlite = f"sqlite+aiosqlite:///{Path(workdir) / 'engine.db'}"
        results.append(asyncio.run(run("sqlite", sqlite, args)))
    if args.postgres:
        results.append(asyncio.run(run("postgres", args.postgres, args)))
    data = {"count": args.count, "due_per_s": args.rate, "measure_s": args.measure}
    path = write_results("engine", data | {"results": results})
    report(results)
    print(f"\nresults: {path}")


if __name__ == "__main__":
    main()
