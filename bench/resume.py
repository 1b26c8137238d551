"""Resume: a screen goes offline while events pass, reconnects with its cursor, catches up.

    .venv/bin/python -m bench.resume [--events 10000] [--offline 60] [--buses memory,redis]

For each bus (the in-process bus, and Redis Streams at --redis), a watchfloor server runs
as its own uvicorn process on loopback with a fresh SQLite database. One display screen
connects, takes the cursor of its snapshot and disconnects. While it is away, --events
events for its unit are published onto the server's bus, spread evenly over --offline
seconds. The screen then reconnects with its cursor; figures: time from reconnecting
to holding every event (caught up), missed and duplicated events.

The events go straight onto the bus through a route only this benchmark's app factory
adds (`bench.resume:resume_app`): on this 2-core machine 10,000 reports over HTTP would
take minutes, and a resuming screen is served from the bus alone (the replay never reads
the database), so what is measured is exactly the catch-up path.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from websockets.asyncio.client import connect

from bench.common import ServerProcess, clean_env, free_port, uvicorn_argv, write_results
from bench.fanout import REPORTER_UNIT, SECRET, WS_OPTIONS, prepare_database

PUBLISH_PATH = "/bench/publish"
PUBLISH_BATCH_MAX = 1000
EVENT_KIND = "bench.resume"
FIRST_EVENT_ID = 900_000_000
PACE_SECONDS = 0.1
DEFAULT_REDIS = "redis://127.0.0.1:6379/7"
AIM_SECONDS = 2.0


# -- the server side: watchfloor plus one publishing route ---------------------------------


def resume_app() -> Starlette:
    """`uvicorn --factory bench.resume:resume_app`: watchfloor with PUBLISH_PATH added."""
    from command.app import create_app

    app = create_app()
    app.router.routes.insert(0, Route(PUBLISH_PATH, _publish, methods=["POST"]))
    return app


async def _publish(request: Request) -> Response:
    data = await request.json()
    first, count = int(data["first"]), int(data["count"])
    if not 0 < count <= PUBLISH_BATCH_MAX:
        return JSONResponse({"error": f"count must be 1..{PUBLISH_BATCH_MAX}"}, status_code=400)
    unit_path = await _unit_path(request.app)
    at = datetime.now(UTC).isoformat()
    await request.app.state.bus.publish(
        [_message(n, unit_path, at) for n in range(first, first + count)]
    )
    return Response(status_code=201)


async def _unit_path(app: Starlette) -> str:
    if not hasattr(app.state, "bench_unit_path"):
        from command.units.service import get_unit

        async with app.state.db.read() as session:
            app.state.bench_unit_path = (await get_unit(session, REPORTER_UNIT)).path
    return app.state.bench_unit_path


def _message(number: int, unit_path: str, at: str) -> dict[str, Any]:
    return {
        "id": FIRST_EVENT_ID + number,
        "topic": "incidents",
        "kind": EVENT_KIND,
        "entity": f"bench:{number}",
        "unit_path": unit_path,
        "payload": {"n": number},
        "actor": "bench",
        "at": at,
    }


# -- the screen ----------------------------------------------------------------------------


@dataclass
class CatchUp:
    resumed: bool
    seconds: float
    received: int
    missed: int
    duplicates: int


async def first_visit(uri: str, hello: dict[str, Any], seconds: float = 30) -> str:
    """Connect without a cursor; the cursor of the snapshot the screen then holds."""
    async with asyncio.timeout(seconds), connect(uri, max_size=None, compression=None) as ws:
        await ws.send(json.dumps(hello))
        async for text in ws:
            frame = json.loads(text)
            if frame["type"] == "snapshot":
                return frame["cursor"]
    raise RuntimeError("the screen got no snapshot")


async def catch_up(
    uri: str, hello: dict[str, Any], cursor: str, expected: int, seconds: float
) -> CatchUp:
    """Reconnect with `cursor`; read until every expected event is in (or `seconds`)."""
    seen: set[int] = set()
    duplicates, resumed, done_at = 0, False, None
    started = time.monotonic()
    async with connect(uri, max_size=None, compression=None) as ws:
        await ws.send(json.dumps(hello | {"cursor": cursor}))
        try:
            async with asyncio.timeout(seconds):
                async for text in ws:
                    frame = json.loads(text)
                    if frame["type"] == "welcome":
                        resumed = frame["resumed"]
                    number = _event_number(frame)
                    if number is None:
                        continue
                    duplicates += number in seen
                    seen.add(number)
                    if done_at is None and len(seen) >= expected:
                        done_at = time.monotonic()
                        break
        except TimeoutError:
            pass
        duplicates += await _late_duplicates(ws, seen) if done_at else 0
    seconds = (done_at or time.monotonic()) - started
    return CatchUp(resumed, seconds, len(seen), expected - len(seen), duplicates)


async def _late_duplicates(ws: Any, seen: set[int], linger: float = 0.5) -> int:
    """Events arriving again just after the catch-up (a replay overlapping the live feed)."""
    twins = 0
    try:
        async with asyncio.timeout(linger):
            async for text in ws:
                number = _event_number(json.loads(text))
                twins += number is not None and number in seen
    except TimeoutError:
        pass
    return twins


def _event_number(frame: dict[str, Any]) -> int | None:
    event = frame.get("event") if frame.get("type") == "event" else None
    if event is None or event.get("kind") != EVENT_KIND:
        return None
    return event["payload"]["n"]


# -- the events passing while the screen is away -------------------------------------------


async def pass_events(base_url: str, events: int, offline: float) -> tuple[int, float]:
    """Publish `events` spread over `offline` seconds; returns (published, seconds away)."""
    published = 0
    started = time.monotonic()
    give_up = started + offline + 120
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        while time.monotonic() < give_up:
            elapsed = time.monotonic() - started
            due = events if offline <= 0 else min(events, round(events * elapsed / offline))
            while published < due:
                count = min(PUBLISH_BATCH_MAX, due - published)
                response = await client.post(
                    PUBLISH_PATH, json={"first": published, "count": count}
                )
                response.raise_for_status()
                published += count
            if published >= events and elapsed >= offline:
                break
            await asyncio.sleep(PACE_SECONDS)
    return published, time.monotonic() - started


# -- one bus -------------------------------------------------------------------------------


def start_server(bus: str, template: Path, workdir: Path, redis_url: str) -> ServerProcess:
    port = free_port()
    database = workdir / f"resume-{bus}-{port}.db"
    database.write_bytes(template.read_bytes())
    env = clean_env(
        WATCHFLOOR_DATABASE_URL=f"sqlite+aiosqlite:///{database}",
        WATCHFLOOR_SECRET=SECRET,
        WATCHFLOOR_VAR_DIR=str(workdir),
        **({"WATCHFLOOR_REDIS_URL": redis_url} if bus == "redis" else {}),
    )
    argv = uvicorn_argv("bench.resume:resume_app", port, factory=True) + WS_OPTIONS
    log = workdir / f"resume-{bus}.log"
    return ServerProcess(argv, env=env, port=port, health="/api/health", log=log).start()


async def measure(server: ServerProcess, token: str, args: argparse.Namespace) -> dict[str, Any]:
    uri = f"ws://127.0.0.1:{server.port}/ws"
    hello = {"type": "hello", "token": token, "topics": ["incidents"]}
    cursor = await first_visit(uri, hello)
    published, away = await pass_events(server.url, args.events, args.offline)
    result = await catch_up(uri, hello, cursor, published, seconds=args.catch_up_timeout)
    return {
        "events": published,
        "offline_s": round(away, 1),
        "resumed": result.resumed,
        "caught_up_s": round(result.seconds, 3),
        "events_per_s": round(result.received / result.seconds) if result.seconds else None,
        "missed": result.missed,
        "duplicates": result.duplicates,
        "aim_s": AIM_SECONDS,
        "met": result.resumed
        and result.missed == 0
        and result.duplicates == 0
        and result.seconds < AIM_SECONDS,
    }


def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="watchfloor-resume-") as tmp:
        workdir = Path(tmp)
        template = workdir / "template.db"
        tokens = asyncio.run(prepare_database(template))
        for bus in args.buses.split(","):
            server = start_server(bus, template, workdir, args.redis)
            try:
                row = {"bus": bus} | asyncio.run(measure(server, tokens["display"], args))
            finally:
                server.stop()
            rows.append(row)
            print(
                f"  resume on {bus:>6}: {row['events']} events over {row['offline_s']} s away, "
                f"caught up in {row['caught_up_s']} s (aim < {AIM_SECONDS} s), "
                f"missed {row['missed']}, duplicates {row['duplicates']}",
                flush=True,
            )
    return rows


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--events", type=int, default=10_000, help="events while offline")
    parser.add_argument("--offline", type=float, default=60.0, help="seconds offline")
    parser.add_argument("--buses", default="memory,redis", help="memory, redis or both")
    parser.add_argument("--redis", default=DEFAULT_REDIS, help="Redis URL (its own db number)")
    parser.add_argument("--catch-up-timeout", type=float, default=60.0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.resume", description=__doc__.split("\n\n")[0])
    add_arguments(parser)
    args = parser.parse_args(argv)
    rows = run(args)
    config = {k: v for k, v in vars(args).items()}
    path = write_results("resume", {"config": config, "results": rows})
    print(f"\nresults: {path}")
    return 0 if all(row["missed"] == 0 and row["duplicates"] == 0 for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
