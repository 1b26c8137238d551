"""Scale-out: the fan-out run with two watchfloor server processes on Redis + PostgreSQL.

    .venv/bin/python -m bench.scaleout [--levels 1000,5000] [--writes N] [--postgres URL]

Both servers share one PostgreSQL database (emptied first: DROP SCHEMA public CASCADE, so
give it a database of its own) and one Redis (its own db number). The screens are split
evenly over the two, the reports alternate between them, and every screen must receive
every report whichever process took it: a report reaches the other process's screens
only through the Redis stream. Figures as in bench/fanout.py (latency from sending the
request to each screen receiving the event, lost and duplicated deliveries); aim: none lost.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.common import (
    ServerProcess,
    clean_env,
    empty_postgres,
    free_port,
    print_table,
    write_results,
)
from bench.fanout import (
    SECRET,
    WATCHFLOOR,
    Screens,
    Target,
    rss_bytes,
    summarize,
)

DEFAULT_POSTGRES = "postgresql+asyncpg://root@127.0.0.1:5432/wf_bench"
DEFAULT_REDIS = "redis://127.0.0.1:6379/7"
PROCESSES = 2
WAIT_SECONDS = 10.0
REQUEST_SECONDS = 20.0


async def prepare_postgres(url: str) -> dict[str, str]:
    """Empty the database, migrate it, load the demo city; the demo tokens by role."""

    from command.db import Database
    from command.demo import load_demo
    from command.migrate import upgrade

    await empty_postgres(url)
    db = Database(url)
    try:
        await upgrade(db.writer)
        return await load_demo(db, SECRET, city_only=True)
    finally:
        await db.dispose()


def start_servers(args: argparse.Namespace, tokens: dict[str, str], workdir: Path) -> list[Target]:
    targets: list[Target] = []
    hello = f'{{"type":"hello","token":"{tokens["display"]}","topics":["incidents"]}}'
    try:
        for index in range(PROCESSES):
            port = free_port()
            env = clean_env(
                WATCHFLOOR_DATABASE_URL=args.postgres,
                WATCHFLOOR_REDIS_URL=args.redis,
                WATCHFLOOR_SECRET=SECRET,
                WATCHFLOOR_VAR_DIR=str(workdir),
            )
            argv = [sys.executable, "-m", "command.cli", "serve", "--port", str(port)]
            server = ServerProcess(
                [*argv, "--log-level", "warning"],
                env=env,
                port=port,
                health="/api/health",
                log=workdir / f"server-{index}.log",
            )
            targets.append(
                Target(WATCHFLOOR, server, f"ws://127.0.0.1:{port}/ws", hello, tokens["reporter"])
            )
            server.start()
    except BaseException:
        stop_servers(targets)
        raise
    return targets


def stop_servers(targets: list[Target]) -> None:
    for target in targets:
        target.server.stop()


async def measure(targets: list[Target], count: int, writes: int) -> dict[str, Any]:
    idle = [rss_bytes(t.server.proc.pid) for t in targets]
    fleets: list[Screens] = []
    try:
        for index, target in enumerate(targets):
            fleets.append(Screens(target, count // PROCESSES + (index < count % PROCESSES)))
        ready = sum([sum(await fleet.ask("ready")) for fleet in fleets])
        if ready != count:
            raise SystemExit(f"scale-out: only {ready} of {count} screens connected")
        await asyncio.sleep(0.5)
        grown = sum(rss_bytes(t.server.proc.pid) for t in targets) - sum(idle)
        sent = await drive(targets, fleets, writes)
        received = [part for fleet in fleets for part in await fleet.ask("results")]
    finally:
        for fleet in fleets:
            fleet.close()
    row = summarize("watchfloor ×2", count, sent, received, grown / count)
    return row | {"processes": PROCESSES}


async def drive(targets: list[Target], fleets: list[Screens], writes: int) -> dict[int, float]:
    """Reports alternate between the processes; each waits until every screen has it."""
    sent: dict[int, float] = {}
    clients = [httpx.AsyncClient(base_url=t.server.url, timeout=REQUEST_SECONDS) for t in targets]
    try:
        for number in range(-3, writes):
            which = number % len(targets)
            started = time.monotonic()
            if number >= 0:
                sent[number] = started  # a report that fails counts as lost on every screen
            try:
                response = await targets[which].send(clients[which], number)
            except httpx.HTTPError as exc:
                print(f"  scale-out: report {number} failed: {exc!r}", flush=True)
                continue
            if response.status_code != 201:
                print(f"  scale-out: report {number}: {response.status_code} {response.text[:200]}")
                continue
            await asyncio.gather(
                *(fleet.ask("wait", number, WAIT_SECONDS, patience=30) for fleet in fleets)
            )
            await asyncio.sleep(0.02)
    finally:
        for client in clients:
            await client.aclose()
    return sent


def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="watchfloor-scaleout-") as tmp:
        workdir = Path(tmp)
        for count in [int(level) for level in args.levels.split(",")]:
            tokens = asyncio.run(prepare_postgres(args.postgres))
            targets = start_servers(args, tokens, workdir)
            try:
                row = asyncio.run(measure(targets, count, args.writes))
            finally:
                stop_servers(targets)
            rows.append(row)
            print(
                f"  scale-out ×{PROCESSES} at {count:>5} screens: p50 {row['p50_ms']} ms, "
                f"p99 {row['p99_ms']} ms, lost {row['lost']} (aim 0), dup {row['duplicates']}",
                flush=True,
            )
    return rows


HEADERS = ["target", "screens", "p50 ms", "p99 ms", "max ms", "lost", "dup", "KiB/conn"]
KEYS = ["target", "screens", "p50_ms", "p99_ms", "max_ms", "lost", "duplicates"]
KEYS += ["kib_per_connection"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--levels", default="1000,5000", help="screen counts")
    parser.add_argument("--writes", type=int, default=20, help="measured reports per level")
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, help="a database of its own")
    parser.add_argument("--redis", default=DEFAULT_REDIS, help="Redis URL (its own db number)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.scaleout", description=__doc__.split("\n\n")[0])
    add_arguments(parser)
    args = parser.parse_args(argv)
    rows = run(args)
    print()
    print_table(HEADERS, [[row[key] for key in KEYS] for row in rows])
    config = {"levels": args.levels, "writes": args.writes, "processes": PROCESSES}
    path = write_results("scaleout", {"config": config, "results": rows})
    print(f"\nresults: {path}")
    return 0 if all(row["lost"] == 0 for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
