"""Fan-out: latency from an HTTP report to every connected screen, against bare floors.

    .venv/bin/python -m bench.fanout [--levels 100,1000,5000,10000] [--writes N]

For each number of screens, each target runs as its own uvicorn process on loopback with a
fresh database and the same websocket settings (sans-I/O websockets, no per-message
deflate), all at once, each with that many screens connected from client processes. The
driver sends one report at a time over HTTP and waits until every screen has it (or 10 s,
counting the rest as lost) before the next, in rounds that alternate between the targets.
Targets:

- `broadcast`: a bare Starlette app that sends the posted body to every websocket (the
  report padded to the size of watchfloor's event frame, so both send the same bytes);
- `insert+broadcast`: the same after inserting the body as one row, on the same SQLite
  settings as watchfloor (WAL, synchronous=FULL): the least a durable system must do;
- `watchfloor`: POST /api/incidents, then the event through the bus and hub to each screen
  subscribed to `incidents` at the city.

Latency is the time from sending the request to a screen receiving the message, over every
(report, screen) pair; `first` is its median for the first screen to get each report (the
cost of the write itself, before any fan-out); memory per connection is the server's RSS
growth over the screens.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.common import (
    ServerProcess,
    clean_env,
    free_port,
    percentile,
    print_table,
    uvicorn_argv,
    write_results,
)
from bench.fanout_screens import screens_process

SECRET = "bench-secret-0123456789abcdef"
REPORTER_UNIT = "231102001"
SCREENS_PER_PROCESS = 2500
WARMUP = 3
# An incidents event frame for report_body() (the incident with its initial report).
EVENT_FRAME_BYTES = 2050
WS_OPTIONS = ["--ws", "websockets-sansio", "--ws-per-message-deflate", "false"]
WS_OPTIONS += ["--ws-ping-interval", "20", "--ws-ping-timeout", "20", "--backlog", "4096"]
BROADCAST, DURABLE, WATCHFLOOR = "broadcast", "insert+broadcast", "watchfloor"


# -- targets -----------------------------------------------------------------------------


@dataclass
class Target:
    name: str
    server: ServerProcess
    ws_url: str
    hello: str | None
    token: str = ""

    def send(self, client: httpx.AsyncClient, number: int) -> Any:
        body = report_body(number)
        if self.name == WATCHFLOOR:
            headers = {"Authorization": f"Bearer {self.token}"}
            return client.post("/api/incidents", json=body, headers=headers)
        return client.post("/publish", content=floor_message(body))


def floor_message(body: dict[str, Any]) -> bytes:
    """The report padded to the size of the event frame watchfloor's screens receive."""
    text = json.dumps(body, ensure_ascii=False).encode()
    padding = max(EVENT_FRAME_BYTES - len(text) - len(',"padding":""'), 0)
    return json.dumps({**body, "padding": "x" * padding}, ensure_ascii=False).encode()


def report_body(number: int) -> dict[str, Any]:
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    return {
        "title": f"基准测试火情 fanout-{number}",
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


def start_target(name: str, template: Path, workdir: Path, tokens: dict[str, str]) -> Target:
    port = free_port()
    database = workdir / f"{name}-{port}.db"
    if name == WATCHFLOOR:
        database.write_bytes(template.read_bytes())
        argv = [sys.executable, "-m", "command.cli", "serve", "--port", str(port)]
        env = clean_env(
            WATCHFLOOR_DATABASE_URL=f"sqlite+aiosqlite:///{database}",
            WATCHFLOOR_SECRET=SECRET,
            WATCHFLOOR_VAR_DIR=str(workdir),
        )
        server = ServerProcess(
            [*argv, "--log-level", "warning"],
            env=env,
            port=port,
            health="/api/health",
            log=workdir / f"{name}.log",
        ).start()
        hello = json.dumps({"type": "hello", "token": tokens["display"], "topics": ["incidents"]})
        return Target(name, server, f"ws://127.0.0.1:{port}/ws", hello, tokens["reporter"])
    env = (
        clean_env(FLOOR_DATABASE_URL=f"sqlite+aiosqlite:///{database}")
        if name == DURABLE
        else clean_env()
    )
    argv = uvicorn_argv("bench.fanout_floor:floor_app", port, factory=True) + WS_OPTIONS
    server = ServerProcess(argv, env=env, port=port, health="/health", log=workdir / f"{name}.log")
    return Target(name, server.start(), f"ws://127.0.0.1:{port}/ws", None)


async def prepare_database(path: Path) -> dict[str, str]:
    """A migrated SQLite file with the demo city; the demo tokens by role."""
    from command.db import Database
    from command.demo import load_demo
    from command.migrate import upgrade

    db = Database(f"sqlite+aiosqlite:///{path}")
    try:
        await upgrade(db.writer)
        return await load_demo(db, SECRET, city_only=True)
    finally:
        await db.dispose()


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


# -- one measurement -----------------------------------------------------------------------


class Screens:
    """Client processes holding the websocket screens, driven over pipes."""

    def __init__(self, target: Target, count: int) -> None:
        self.pipes = []
        self.procs = []
        context = multiprocessing.get_context("spawn")
        for start in range(0, count, SCREENS_PER_PROCESS):
            share = min(SCREENS_PER_PROCESS, count - start)
            ours, theirs = context.Pipe()
            proc = context.Process(
                target=screens_process, args=(theirs, target.ws_url, target.hello, share)
            )
            proc.start()
            self.pipes.append(ours)
            self.procs.append(proc)

    async def ask(self, *command: Any, patience: float = 120) -> list[Any]:
        for pipe in self.pipes:
            pipe.send(command)
        return [await asyncio.to_thread(_receive, pipe, patience) for pipe in self.pipes]

    def close(self) -> None:
        for pipe in self.pipes:
            pipe.send(("stop",))
        for proc in self.procs:
            proc.join(30)
            if proc.is_alive():
                proc.kill()


def _receive(pipe: Any, timeout: float) -> Any:
    if not pipe.poll(timeout):
        raise TimeoutError("a screens process did not answer")
    return pipe.recv()


@dataclass
class Fleet:
    """One target with its screens connected, and what was sent to them."""

    target: Target
    screens: Screens
    per_connection: float
    sent: dict[int, float]
    server_bytes: int = 0


async def connect(target: Target, count: int) -> Fleet:
    idle = rss_bytes(target.server.proc.pid)
    screens = Screens(target, count)
    ready = sum(await screens.ask("ready", patience=600))
    if ready != count:
        screens.close()
        raise SystemExit(f"{target.name}: only {ready} of {count} screens connected")
    await asyncio.sleep(0.5)
    connected = rss_bytes(target.server.proc.pid)
    return Fleet(target, screens, (connected - idle) / count, {}, connected)


async def measure(targets: list[Target], count: int, args: argparse.Namespace) -> list[dict]:
    """All targets connected at once, measured in alternating rounds, so that the drift of
    a shared machine hits them alike."""
    fleets: list[Fleet] = []
    try:
        for target in targets:
            fleets.append(await connect(target, count))
        for fleet in fleets:
            await drive(fleet, range(-WARMUP, 0))
        per_round = max(args.writes // args.rounds, 1)
        for round_ in range(args.rounds):
            for fleet in fleets[round_ % len(fleets) :] + fleets[: round_ % len(fleets)]:
                await drive(fleet, range(round_ * per_round, (round_ + 1) * per_round))
        return [await _collect(fleet, count) for fleet in fleets]
    finally:
        for fleet in fleets:
            fleet.screens.close()


async def _collect(fleet: Fleet, count: int) -> dict[str, Any]:
    received = await fleet.screens.ask("results")
    summary = summarize(fleet.target.name, count, fleet.sent, received, fleet.per_connection)
    # The server's whole RSS with every screen connected and the reports sent.
    peak = max(fleet.server_bytes, rss_bytes(fleet.target.server.proc.pid))
    return summary | {"server_mib": round(peak / 2**20, 1)}


async def drive(fleet: Fleet, numbers: range) -> None:
    """One report at a time; each waits until every screen has it (or 10 s pass)."""
    target = fleet.target
    async with httpx.AsyncClient(base_url=target.server.url, timeout=30) as client:
        for number in numbers:
            started = time.monotonic()
            response = await target.send(client, number)
            if response.status_code != 201:
                raise SystemExit(f"{target.name}: {response.status_code} {response.text[:200]}")
            if number >= 0:
                fleet.sent[number] = started
            await fleet.screens.ask("wait", number, 10.0, patience=30)
            await asyncio.sleep(0.02)


def summarize(
    name: str, count: int, sent: dict[int, float], received: list[dict], per_connection: float
) -> dict[str, Any]:
    latencies = [
        at - sent[number]
        for part in received
        for number, times in part["times"].items()
        if number in sent
        for at in times
    ]
    firsts = _first_arrivals(sent, received)
    expected = count * len(sent)
    return {
        "target": name,
        "screens": count,
        "reports": len(sent),
        # Until the first screen has the report: the write path, before any fan-out.
        "first_p50_ms": round(percentile(firsts, 0.50) * 1000, 2),
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 2),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
        "max_ms": round(max(latencies) * 1000, 2) if latencies else None,
        "lost": expected - len(latencies),
        "duplicates": sum(part["duplicates"] for part in received),
        "kib_per_connection": round(per_connection / 1024, 1),
    }


def _first_arrivals(sent: dict[int, float], received: list[dict]) -> list[float]:
    """Per report, the latency to whichever screen got it first."""
    first: dict[int, float] = {}
    for part in received:
        for number, times in part["times"].items():
            if number in sent and times:
                first[number] = min(first.get(number, times[0]), min(times))
    return [at - sent[number] for number, at in first.items()]


# -- the run -------------------------------------------------------------------------------


def run_level(count: int, args: argparse.Namespace, template: Path, tokens, workdir) -> list:
    targets: list[Target] = []
    try:
        for name in (BROADCAST, DURABLE, WATCHFLOOR):
            targets.append(start_target(name, template, workdir, tokens))
        rows = asyncio.run(measure(targets, count, args))
    finally:
        for target in targets:
            target.server.stop()
    floors = {row["target"]: row["p99_ms"] for row in rows}
    for row in rows:
        row["p99_x_broadcast"] = round(row["p99_ms"] / floors[BROADCAST], 2)
        row["p99_x_durable"] = round(row["p99_ms"] / floors[DURABLE], 2)
        print(f"  {row['target']:>16} at {count:>5} screens: p99 {row['p99_ms']} ms", flush=True)
    return rows


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench.fanout", description=__doc__.split("\n\n")[0])
    parser.add_argument("--levels", default="100,1000,5000,10000", help="screen counts")
    parser.add_argument("--writes", type=int, default=30, help="measured reports per target")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of them")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    levels = [int(level) for level in args.levels.split(",")]
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="watchfloor-fanout-") as tmp:
        workdir = Path(tmp)
        template = workdir / "template.db"
        tokens = asyncio.run(prepare_database(template))
        for count in levels:
            rows += run_level(count, args, template, tokens, workdir)
    headers = ["target", "screens", "first ms", "p50 ms", "p99 ms", "max ms", "lost", "dup"]
    headers += ["KiB/conn", "server MiB"]
    headers += ["p99 × broadcast", "p99 × insert+broadcast"]
    keys = ["target", "screens", "first_p50_ms", "p50_ms", "p99_ms", "max_ms", "lost"]
    keys += ["duplicates"]
    keys += ["kib_per_connection", "server_mib", "p99_x_broadcast", "p99_x_durable"]
    print()
    print_table(headers, [[row.get(key) for key in keys] for row in rows])
    config = {"levels": levels, "writes": args.writes, "rounds": args.rounds}
    path = write_results("fanout", {"config": config, "results": rows})
    print(f"\nresults: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
