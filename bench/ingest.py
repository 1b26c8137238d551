"""Initial-report ingest: watchfloor's POST /api/incidents against the floor, a bare
Starlette + SQLAlchemy endpoint that inserts the same JSON as one row on the same database
settings, both real uvicorn processes on loopback, driven by the same load in one run.

    .venv/bin/python -m bench.ingest [--count N] [--concurrency C] [--postgres URL]

--postgres empties the database at URL (DROP SCHEMA public CASCADE) and measures there too.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import JSON, Column, DateTime, Integer, MetaData, Table, event
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

from bench.common import (
    LoadResult,
    ServerProcess,
    clean_env,
    closed_loop,
    empty_postgres,
    free_port,
    print_table,
    uvicorn_argv,
    write_results,
)

SECRET = "bench-secret-0123456789abcdef"
REPORTER_UNIT = "231102001"
FLOOR_PATH = "/reports"
TARGET_FLOOR, TARGET_WATCHFLOOR = "floor", "watchfloor"

floor_reports = Table(
    "floor_reports",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("payload", JSON),
    Column("received_at", DateTime(timezone=True)),
)


def _floor_engine(url: str) -> AsyncEngine:
    if not url.startswith("sqlite"):
        return create_async_engine(url, pool_size=10, max_overflow=20)
    engine = create_async_engine(url, pool_size=1, max_overflow=0)

    @event.listens_for(engine.sync_engine, "connect")
    def _pragmas(connection: Any, _record: Any) -> None:
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "busy_timeout=15000"):
            connection.execute(f"PRAGMA {pragma}")

    return engine


def floor_app() -> Starlette:
    """`uvicorn --factory bench.ingest:floor_app` with FLOOR_DATABASE_URL set."""
    engine = _floor_engine(os.environ["FLOOR_DATABASE_URL"])

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        async with engine.begin() as conn:
            await conn.run_sync(floor_reports.create, checkfirst=True)
        yield
        await engine.dispose()

    async def insert(request: Request) -> JSONResponse:
        row = {"payload": json.loads(await request.body()), "received_at": datetime.now(UTC)}
        async with engine.begin() as conn:
            result = await conn.execute(floor_reports.insert().returning(floor_reports.c.id), row)
            new_id = result.scalar_one()
        return JSONResponse({"id": new_id}, status_code=201)

    async def health(_request: Request) -> PlainTextResponse:
        return PlainTextResponse("ok")

    routes = [Route(FLOOR_PATH, insert, methods=["POST"]), Route("/health", health)]
    return Starlette(routes=routes, lifespan=lifespan)


def report_body(number: int) -> dict[str, Any]:
    """An initial report as the field page sends it."""
    now = datetime.now(UTC)
    return {
        "title": f"基准测试火情 {number}",
        "category": "accident",
        "type": "residential fire",
        "level": "IV",
        "occurred_at": (now - timedelta(minutes=12)).isoformat(),
        "learned_at": (now - timedelta(minutes=5)).isoformat(),
        "unit": REPORTER_UNIT,
        "geometry": {"type": "Point", "coordinates": [127.49012345, 50.24567891]},
        "summary": "居民楼三层起火，已疏散群众，消防力量已到场处置。" * 2,
        "casualties": {"dead": 0, "missing": 0, "injured": 1},
        "affected": 30,
        "loss": 8.5,
    }


async def _prepare_watchfloor(url: str) -> str:
    """Migrate a fresh database, load the demo city; the demo reporter's token."""
    from command.db import Database
    from command.demo import load_demo
    from command.migrate import upgrade

    db = Database(url)
    try:
        await upgrade(db.writer)
        tokens = await load_demo(db, SECRET, city_only=True)
    finally:
        await db.dispose()
    return tokens["reporter"]


def _servers(backend: str, urls: dict[str, str], workdir: Path) -> dict[str, ServerProcess]:
    wf_port, floor_port = free_port(), free_port()
    watchfloor = ServerProcess(
        [
            sys.executable,
            "-m",
            "command.cli",
            "serve",
            "--port",
            str(wf_port),
            "--log-level",
            "warning",
        ],
        env=clean_env(
            WATCHFLOOR_DATABASE_URL=urls[TARGET_WATCHFLOOR],
            WATCHFLOOR_SECRET=SECRET,
            WATCHFLOOR_VAR_DIR=str(workdir),
        ),
        port=wf_port,
        health="/api/health",
        log=workdir / f"watchfloor-{backend}.log",
    )
    floor = ServerProcess(
        uvicorn_argv("bench.ingest:floor_app", floor_port, factory=True),
        env=clean_env(FLOOR_DATABASE_URL=urls[TARGET_FLOOR]),
        port=floor_port,
        health="/health",
        log=workdir / f"floor-{backend}.log",
    )
    return {TARGET_WATCHFLOOR: watchfloor, TARGET_FLOOR: floor}


def _sender(target: str, token: str, tag: str):
    if target == TARGET_FLOOR:
        return lambda client, n: client.post(FLOOR_PATH, json=report_body(n))
    auth = {"Authorization": f"Bearer {token}"}

    def send(client: httpx.AsyncClient, n: int):
        headers = auth | {"Idempotency-Key": f"bench-{tag}-{n}"}
        return client.post("/api/incidents", json=report_body(n), headers=headers)

    return send


async def _measure(
    servers: dict[str, ServerProcess], token: str, args: argparse.Namespace
) -> dict[str, LoadResult]:
    """Warm both up, then alternate measured rounds so drift hits both alike."""
    results: dict[str, list[LoadResult]] = {TARGET_FLOOR: [], TARGET_WATCHFLOOR: []}
    for round_ in range(-1, args.rounds):
        for target, server in servers.items():
            count = args.warmup if round_ < 0 else args.count // args.rounds
            result = await closed_loop(
                target,
                server.url,
                _sender(target, token, str(round_)),
                count=count,
                concurrency=args.concurrency,
                expect=201,
                max_seconds=args.budget,
            )
            if result.failures:
                raise SystemExit(f"{target} failed: {result.failures}")
            if round_ >= 0:
                results[target].append(result)
    return {target: _merge(rounds) for target, rounds in results.items()}


def _merge(rounds: list[LoadResult]) -> LoadResult:
    first = rounds[0]
    return LoadResult(
        first.target,
        sum(r.requests for r in rounds),
        first.concurrency,
        sum(r.seconds for r in rounds),
        [latency for r in rounds for latency in r.latencies],
        {},
    )


def run_backend(backend: str, urls: dict[str, str], workdir: Path, args) -> dict[str, Any]:
    if backend == "postgres":
        asyncio.run(empty_postgres(urls[TARGET_WATCHFLOOR]))
    token = asyncio.run(_prepare_watchfloor(urls[TARGET_WATCHFLOOR]))
    servers = _servers(backend, urls, workdir)
    try:
        for server in servers.values():
            server.start()
        measured = asyncio.run(_measure(servers, token, args))
    finally:
        for server in servers.values():
            server.stop()
    floor, watchfloor = measured[TARGET_FLOOR], measured[TARGET_WATCHFLOOR]
    return {
        "backend": backend,
        "floor": floor.summary(),
        "watchfloor": watchfloor.summary(),
        "ratio": round(watchfloor.rate / floor.rate, 3),
    }


def _print(rows: list[dict[str, Any]]) -> None:
    headers = ["target", "backend", "reports", "reports/s", "p50 ms", "p99 ms", "× floor"]
    table = []
    for row in rows:
        for target in (TARGET_FLOOR, TARGET_WATCHFLOOR):
            stats = row[target]
            ratio = 1.0 if target == TARGET_FLOOR else row["ratio"]
            numbers = [stats[k] for k in ("requests", "per_second", "p50_ms", "p99_ms")]
            table.append([target, row["backend"], *numbers, ratio])
    print_table(headers, table)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench.ingest", description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=600, help="measured requests per target")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=2, help="alternating measured rounds")
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument(
        "--budget", type=float, default=15.0, help="seconds at most per run (keeps it bounded)"
    )
    parser.add_argument("--postgres", metavar="URL", help="also measure on this (emptied) DB")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory(prefix="watchfloor-bench-") as tmp:
        workdir = Path(tmp)
        sqlite = {
            TARGET_WATCHFLOOR: f"sqlite+aiosqlite:///{workdir / 'watchfloor.db'}",
            TARGET_FLOOR: f"sqlite+aiosqlite:///{workdir / 'floor.db'}",
        }
        rows.append(run_backend("sqlite", sqlite, workdir, args))
        if args.postgres:
            url = args.postgres.replace("postgresql://", "postgresql+asyncpg://", 1)
            both = {TARGET_WATCHFLOOR: url, TARGET_FLOOR: url}
            rows.append(run_backend("postgres", both, workdir, args))
    _print(rows)
    config = {"count": args.count, "concurrency": args.concurrency, "rounds": args.rounds}
    config["budget_seconds"] = args.budget
    path = write_results("ingest", {"config": config, "results": rows})
    print(f"\nresults: {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
