"""`make chaos`: what survives when things break under load, with real processes on loopback.

- kill -9 of the server while reporters post incidents with Idempotency-Keys (SQLite, one
  process; PostgreSQL + a private Redis, two workers): after a restart every key is sent
  again; acknowledged-then-lost and duplicates must both be 0;
- Redis restarted empty under load (a private redis-server, never the shared one): an open
  screen is reset, and its fresh snapshot must hold every incident written meanwhile; the
  time from the restart to the screen's new snapshot is reported;
- the disk filling up (SQLite on a small tmpfs): writes answer 503 database_unavailable,
  /api/health says the writes fail, nothing acknowledged is lost.

`python -m bench.chaos --short` is the CI form (small numbers); it exits 1 on any loss.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import websockets

from bench.common import (
    ROOT,
    ServerProcess,
    clean_env,
    empty_postgres,
    free_port,
    print_table,
    write_results,
)

SECRET = "chaos-secret-0123456789abcdef"
REPORTER_UNIT = "231102001"
POSTGRES_URL = os.environ.get(
    "WATCHFLOOR_TEST_POSTGRES_URL", "postgresql+asyncpg://root@127.0.0.1:5432/test"
)


@dataclass
class Outcome:
    scenario: str
    sent: int = 0
    acknowledged: int = 0
    lost: int = 0
    duplicates: int = 0
    refused_503: int = 0
    recovery_seconds: float | None = None
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.lost == 0 and self.duplicates == 0 and not self.notes.get("failed")


def _cli(env: dict[str, str], *args: str) -> str:
    argv = [sys.executable, "-m", "command.cli", *args]
    done = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(f"watchfloor {' '.join(args)}: {done.stderr[-2000:]}")
    return done.stdout


def _prepare(env: dict[str, str]) -> str:
    """Migrate, load the demo; the reporter's token."""
    _cli(env, "migrate")
    tokens = dict(line.split("\t") for line in _cli(env, "demo").splitlines() if "\t" in line)
    return tokens["reporter"].strip()


def _server(env: dict[str, str], workdir: Path, workers: int = 1) -> ServerProcess:
    port = free_port()
    argv = [sys.executable, "-m", "command.cli", "serve", "--port", str(port)]
    argv += ["--workers", str(workers), "--log-level", "warning"]
    return ServerProcess(argv, env=env, port=port, health="/api/health", log=workdir / "server.log")


def _body(key: str) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "title": f"chaos {key}",
        "category": "accident",
        "type": "chaos",
        "level": "IV",
        "occurred_at": (now - timedelta(minutes=30)).isoformat(),
        "learned_at": (now - timedelta(minutes=20)).isoformat(),
        "unit": REPORTER_UNIT,
        "geometry": {"type": "Point", "coordinates": [127.49, 50.24]},
        "summary": "x" * 200,
    }


async def _until(condition, within: float = 600) -> None:
    deadline = time.monotonic() + within
    while True:
        if condition() or time.monotonic() > deadline:
            return
        await asyncio.sleep(0.01)


async def _post(client: httpx.AsyncClient, token: str, key: str) -> int | None:
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key}
    try:
        response = await client.post("/api/incidents", json=_body(key), headers=headers, timeout=10)
    except httpx.HTTPError:
        return None
    return response.status_code


async def _load(
    base_url: str,
    token: str,
    keys: list[str],
    acked: set[str],
    stop: asyncio.Event,
    concurrency: int = 8,
    refused: list[int] | None = None,
) -> None:
    queue = list(keys)

    async def worker() -> None:
        async with httpx.AsyncClient(base_url=base_url) as client:
            while queue and not stop.is_set():
                key = queue.pop()
                status = await _post(client, token, key)
                if status == 201:
                    acked.add(key)
                elif status == 503 and refused is not None:
                    refused.append(1)

    await asyncio.gather(*(worker() for _ in range(concurrency)))


async def _count_by_title(base_url: str, token: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        offset = 0
        while True:
            params = {"limit": 200, "offset": offset, "unit": REPORTER_UNIT}
            page = await client.get(
                "/api/incidents", params=params, headers={"Authorization": f"Bearer {token}"}
            )
            items = page.json()["items"]
            for item in items:
                counts[item["title"]] = counts.get(item["title"], 0) + 1
            if len(items) < 200:
                return counts
            offset += 200


async def kill_under_load(
    name: str,
    env: dict[str, str],
    workdir: Path,
    *,
    reports: int,
    kill_after: int,
    workers: int = 1,
) -> Outcome:
    token = _prepare(env)
    keys = [uuid.uuid4().hex for _ in range(reports)]
    acked: set[str] = set()
    server = _server(env, workdir, workers).start(timeout=90)
    stop = asyncio.Event()
    load = asyncio.create_task(_load(server.url, token, keys, acked, stop))
    await _until(lambda: len(acked) >= kill_after or load.done())
    server.kill()
    stop.set()
    await load
    server = _server(env, workdir, workers).start(timeout=90)
    try:
        async with httpx.AsyncClient(base_url=server.url) as client:
            for key in keys:  # every key again: the retries of every reporter
                await _post(client, token, key)
        counts = await _count_by_title(server.url, token)
    finally:
        server.stop()
    titles = {f"chaos {key}": key for key in keys}
    return Outcome(
        scenario=name,
        sent=len(keys),
        acknowledged=len(acked),
        lost=sum(1 for key in acked if counts.get(f"chaos {key}", 0) == 0),
        duplicates=sum(n - 1 for title, n in counts.items() if title in titles and n > 1),
        notes={"stored_after_retries": sum(1 for t in titles if counts.get(t))},
    )


class PrivateRedis:
    def __init__(self, workdir: Path) -> None:
        self.port, self.workdir, self.proc = free_port(), workdir, None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> PrivateRedis:
        argv = [
            "redis-server",
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self.workdir),
        ]
        self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(200):
            ping = subprocess.run(
                ["redis-cli", "-p", str(self.port), "ping"], capture_output=True, text=True
            )
            if ping.stdout.strip() == "PONG":
                return self
            time.sleep(0.05)
        raise RuntimeError("private redis-server did not start")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


async def _hello(ws_url: str, token: str) -> tuple[Any, dict]:
    ws = await websockets.connect(ws_url, max_size=16 * 1024 * 1024, open_timeout=20)
    await ws.send(json.dumps({"type": "hello", "token": token, "topics": ["incidents"]}))
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), 30))
        if frame["type"] == "snapshot":
            return ws, frame


async def redis_restart(
    env: dict[str, str], workdir: Path, redis: PrivateRedis, *, reports: int
) -> Outcome:
    token = _prepare(env)
    server = _server(env, workdir).start(timeout=90)
    keys = [uuid.uuid4().hex for _ in range(reports)]
    acked: set[str] = set()
    try:
        ws, _ = await _hello(server.ws_url, token)
        stop = asyncio.Event()
        load = asyncio.create_task(_load(server.url, token, keys, acked, stop, concurrency=4))
        await _until(lambda: len(acked) >= reports // 3 or load.done())
        redis.stop()
        restarted = time.monotonic()
        redis.start()
        await load
        try:  # the screen is told the stream restarted…
            while True:
                await asyncio.wait_for(ws.recv(), 30)
        except websockets.ConnectionClosed as closed:
            reset_code = closed.rcvd.code if closed.rcvd else None
        ws, snapshot = await _hello(server.ws_url, token)  # …and starts over
        recovery = time.monotonic() - restarted
        await ws.close()
        shown = {item["title"] for item in snapshot["topics"]["incidents"]}
    finally:
        server.stop()
    return Outcome(
        scenario="Redis restarted empty",
        sent=len(keys),
        acknowledged=len(acked),
        lost=sum(1 for key in acked if f"chaos {key}" not in shown),
        recovery_seconds=recovery,
        notes={"screen_closed_with": reset_code, "failed": reset_code != 4010},
    )


async def disk_full(env: dict[str, str], workdir: Path, *, size_mb: int) -> Outcome:
    mount = workdir / "small-disk"
    mount.mkdir()
    mount_argv = ["mount", "-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs", str(mount)]
    subprocess.run(mount_argv, check=True)  # noqa: ASYNC221 (before any load starts)
    try:
        env = env | {"WATCHFLOOR_VAR_DIR": str(mount), "WATCHFLOOR_DATABASE_URL": ""}
        env.pop("WATCHFLOOR_DATABASE_URL")
        token = _prepare(env)
        server = _server(env, workdir).start(timeout=90)
        acked: set[str] = set()
        refused: list[int] = []
        try:
            stop = asyncio.Event()
            keys = [uuid.uuid4().hex for _ in range(200_000)]
            load = asyncio.create_task(
                _load(server.url, token, keys, acked, stop, concurrency=4, refused=refused)
            )
            await _until(lambda: len(refused) >= 20 or load.done())
            stop.set()
            await load
            async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
                health = await client.get("/api/health")
            writes = health.json()["database"].get("writes", {})
            counts = await _count_by_title(server.url, token)
        finally:
            server.stop()
    finally:
        subprocess.run(["umount", str(mount)], check=False)  # noqa: ASYNC221
    return Outcome(
        scenario=f"disk full (tmpfs {size_mb} MB)",
        sent=len(acked) + len(refused),
        acknowledged=len(acked),
        lost=sum(1 for key in acked if counts.get(f"chaos {key}", 0) == 0),
        refused_503=len(refused),
        notes={
            "health_status": health.status_code,
            "writes_ok": writes.get("ok"),
            "failed": health.status_code != 503 or writes.get("ok") is not False,
        },
    )


async def run(short: bool, only: set[str] | None) -> list[Outcome]:
    reports, kill_after = (60, 20) if short else (600, 200)
    outcomes = []
    with tempfile.TemporaryDirectory(prefix="watchfloor-chaos-") as tmp:
        root = Path(tmp)

        def fresh(name: str) -> tuple[dict[str, str], Path]:
            workdir = root / name
            workdir.mkdir()
            env = clean_env(
                WATCHFLOOR_SECRET=SECRET, WATCHFLOOR_VAR_DIR=str(workdir), WATCHFLOOR_ENGINE="off"
            )
            return env, workdir

        def wanted(name: str) -> bool:
            return only is None or name in only

        if wanted("kill-sqlite"):
            env, workdir = fresh("kill-sqlite")
            outcomes.append(
                await kill_under_load(
                    "kill -9, SQLite", env, workdir, reports=reports, kill_after=kill_after
                )
            )
        if wanted("kill-postgres"):
            env, workdir = fresh("kill-postgres")
            await empty_postgres(POSTGRES_URL)  # the scenario migrates and loads the demo
            redis = PrivateRedis(workdir).start()
            try:
                env |= {"WATCHFLOOR_DATABASE_URL": POSTGRES_URL, "WATCHFLOOR_REDIS_URL": redis.url}
                outcomes.append(
                    await kill_under_load(
                        "kill -9, PostgreSQL + Redis, 2 workers",
                        env,
                        workdir,
                        reports=reports,
                        kill_after=kill_after,
                        workers=2,
                    )
                )
            finally:
                redis.stop()
        if wanted("redis"):
            env, workdir = fresh("redis")
            redis = PrivateRedis(workdir).start()
            try:
                env |= {"WATCHFLOOR_REDIS_URL": redis.url}
                outcomes.append(await redis_restart(env, workdir, redis, reports=reports))
            finally:
                redis.stop()
        if wanted("disk") and shutil.which("mount") and os.geteuid() == 0:
            env, workdir = fresh("disk")
            outcomes.append(await disk_full(env, workdir, size_mb=8 if short else 24))
    return outcomes


def show(outcomes: list[Outcome]) -> None:
    headers = ["scenario", "sent", "acknowledged", "lost", "duplicates", "503s", "recovery s", "ok"]
    rows = [
        [
            o.scenario,
            o.sent,
            o.acknowledged,
            o.lost,
            o.duplicates,
            o.refused_503,
            "—" if o.recovery_seconds is None else round(o.recovery_seconds, 2),
            "yes" if o.ok else "NO",
        ]
        for o in outcomes
    ]
    print_table(headers, rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.chaos")
    parser.add_argument("--short", action="store_true", help="small numbers (CI)")
    parser.add_argument(
        "--only", action="append", choices=["kill-sqlite", "kill-postgres", "redis", "disk"]
    )
    args = parser.parse_args(argv)
    outcomes = asyncio.run(run(args.short, set(args.only) if args.only else None))
    show(outcomes)
    write_results("chaos", {"outcomes": [o.__dict__ for o in outcomes]})
    return exit_code(outcomes)


def exit_code(outcomes: list[Outcome]) -> int:
    """1 when any scenario lost an acknowledged report, duplicated one or failed its check."""
    return 0 if all(o.ok for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
