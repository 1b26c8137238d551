"""Reusable parts of the benchmarks: server processes on loopback, a fixed closed-loop
HTTP load, percentiles, a table, and JSON results in bench/results/."""

from __future__ import annotations

import asyncio
import json
import math
import os
import platform
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
LOOPBACK = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


class ServerProcess:
    """A server started as its own process; `start()` returns once `health` answers 200."""

    def __init__(
        self, argv: list[str], *, env: dict[str, str], port: int, health: str, log: Path
    ) -> None:
        self.argv, self.env, self.port, self.health, self.log = argv, env, port, health, log
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://{LOOPBACK}:{self.port}/ws"

    def start(self, timeout: float = 30.0) -> ServerProcess:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                self.argv, env=self.env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                tail = self.log.read_text()[-3000:]
                raise RuntimeError(f"{self.argv[2:4]}: server exited early:\n{tail}")
            try:
                if httpx.get(self.url + self.health, timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(
            f"{self.argv[2:4]} did not become healthy:\n{self.log.read_text()[-2000:]}"
        )

    def stop(self, timeout: float = 10.0) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def kill(self) -> None:
        """Stop without a clean shutdown, as a crash or power cut would."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def uvicorn_argv(app: str, port: int, *, factory: bool = False) -> list[str]:
    argv = [sys.executable, "-m", "uvicorn", app, "--host", LOOPBACK, "--port", str(port)]
    return argv + ["--log-level", "warning", "--no-access-log"] + (["--factory"] if factory else [])


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without WATCHFLOOR_* settings, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WATCHFLOOR_")}
    return env | {"PYTHONUNBUFFERED": "1"} | extra


def percentile(values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile (fraction in 0..1) of the values."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


@dataclass
class LoadResult:
    target: str
    requests: int
    concurrency: int
    seconds: float
    latencies: list[float] = field(repr=False)
    failures: dict[str, int]

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def summary(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "requests": self.requests,
            "concurrency": self.concurrency,
            "seconds": round(self.seconds, 3),
            "per_second": round(self.rate, 1),
            "p50_ms": round(percentile(self.latencies, 0.50) * 1000, 2),
            "p99_ms": round(percentile(self.latencies, 0.99) * 1000, 2),
            "failures": self.failures,
        }


Send = Callable[[httpx.AsyncClient, int], Awaitable[httpx.Response]]


async def closed_loop(
    target: str,
    base_url: str,
    send: Send,
    *,
    count: int,
    concurrency: int,
    expect: int,
    max_seconds: float | None = None,
) -> LoadResult:
    """`count` requests by `concurrency` workers, each sending its next one on a reply.

    With `max_seconds`, no request starts after that time (so a run on a saturated machine
    stays bounded); `requests` then says how many were sent.
    """
    latencies: list[float] = []
    failures: dict[str, int] = {}
    numbers = iter(range(count))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    stop_at = math.inf

    async def worker(client: httpx.AsyncClient) -> None:
        for number in numbers:
            sent = time.perf_counter()
            if sent > stop_at:
                return
            response = await send(client, number)
            latencies.append(time.perf_counter() - sent)
            if response.status_code != expect:
                key = f"{response.status_code}: {response.text[:120]}"
                failures[key] = failures.get(key, 0) + 1

    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60) as client:
        started = time.perf_counter()
        stop_at = started + max_seconds if max_seconds else math.inf
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        seconds = time.perf_counter() - started
    return LoadResult(target, len(latencies), concurrency, seconds, latencies, failures)


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    cells = [[str(h) for h in headers]] + [[_cell(v) for v in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for index, row in enumerate(cells):
        print(
            "  ".join(
                v.ljust(w) if i == 0 else v.rjust(w)
                for i, (v, w) in enumerate(zip(row, widths, strict=True))
            )
        )
        if index == 0:
            print("  ".join("-" * w for w in widths))


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}" if value < 100 else f"{value:,.0f}"
    return str(value)


def write_results(name: str, data: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"{name}-{stamp}.json"
    machine = {"python": platform.python_version(), "platform": platform.platform()}
    machine["cpus"] = os.cpu_count()
    path.write_text(
        json.dumps({"benchmark": name, "at": stamp, "machine": machine} | data, indent=2)
    )
    return path


async def empty_postgres(url: str) -> None:
    """Drop every table of the benchmark's own PostgreSQL database (its public schema)."""
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    finally:
        await engine.dispose()
