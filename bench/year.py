"""A year of a busy city: the reads a command centre makes, with 1, 3, 6 and 12 months of
history in the database.

    .venv/bin/python -m bench.year [--scale 1.0] [--repeat 30] [--checkpoints 1,3,6,12]
                                   [--sample 24] [--postgres URL]

1. The PostgreSQL database (emptied: DROP SCHEMA public CASCADE) is migrated and given the
   demo city (`watchfloor demo`'s code, plans and drills included) and three more
   counties, ten in all. A watchfloor server runs on loopback.
2. A sample is made through the server's HTTP API (bench/year_sample.py): --sample
   incidents with their report chains, closed, and four left open; the deadline engine
   marks what stayed unreported as it would over the following days.
3. The year is loaded month by month, newest first, by copying the sample's rows in bulk
   (bench/year_load.py): 20,000 incidents × --scale over 12 months and the townships of
   the ten counties, the first month holding the few dozen open ones. Loading backwards
   keeps the open incidents the same at every checkpoint while the closed history grows,
   which is what "snapshots independent of closed history" asks.
4. At 1, 3, 6 and 12 months, every read is timed through the server (--repeat times after
   a warm-up; p50 and p99): incident lists with filters, an incident and its history,
   the wall's and the desk's snapshot over the websocket (time to the frame, its bytes),
   a county's compliance for the year (JSON, XLSX) and the city's (XLSX), the CAP feed,
   and a screen's resume with a cursor from before three reports.

Prints each checkpoint's table and the growth from 1 month to 12; writes JSON to
bench/results/. Aims: reads p99 < 100 ms, a year's exports < 5 s, snapshots flat.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select, text
from websockets.asyncio.client import connect

from bench.common import (
    ServerProcess,
    clean_env,
    empty_postgres,
    free_port,
    percentile,
    print_table,
    write_results,
)
from bench.year_load import Place, Template, analyze, copy_month, plan_month
from bench.year_sample import REPORTER_UNIT, create_sample, first_event_id, read_sample
from command.db import Database, utcnow
from command.deadlines.engine import Worker
from command.events import Event
from command.incidents.models import Incident, Report
from command.units.models import Unit

DEFAULT_POSTGRES = "postgresql+asyncpg://root@127.0.0.1:5432/wf_bench_year"
SECRET = "bench-secret-0123456789abcdef"
INCIDENTS_PER_YEAR = 20_000
OPEN_INCIDENTS = 40
CHECKPOINTS = (1, 3, 6, 12)
MONTH = timedelta(days=365 / 12)
COUNTY = "231102"  # Aihui District: the county whose compliance and list are read
CITY = "231100"
EXTRA_COUNTIES = (("231184", "北辰县", "Beichen County", 127.1, 49.6),)
EXTRA_COUNTIES += (("231185", "南岭县", "Nanling County", 126.6, 48.9),)
EXTRA_COUNTIES += (("231186", "西江县", "Xijiang County", 125.9, 49.2),)
WALL_TOPICS = ["incidents", "deadlines", "drills", "plans", "units", "duty", "reviews"]
DESK_TOPICS = ["incidents", "deadlines", "units", "duty", "reviews"]
READ_AIM_MS = 100.0
EXPORT_AIM_MS = 5000.0
FLAT_AIM = 1.5  # a snapshot at 12 months at most this many times its 1-month p99
RESUME_REPORTS = 3
# The county files its own reports to the city on all but one in COUNTY_MISSES_EVERY of
# the sample's closed incidents; that one it misses (the compliance table's misses).
COUNTY_MISSES_EVERY = 12


# -- the database and the server -----------------------------------------------------------


async def prepare(url: str) -> dict[str, str]:
    """Empty, migrate, load the demo city and three more counties; tokens by role."""
    from command.auth.service import create_token
    from command.demo import load_demo
    from command.migrate import upgrade

    await empty_postgres(url)
    db = Database(url)
    try:
        await upgrade(db.writer)
        tokens = await load_demo(db, SECRET)
        async with db.write() as session:
            await _add_counties(session)
            county = await session.scalar(select(Unit).where(Unit.code == COUNTY))
            tokens["county"], _ = await create_token(session, unit=county, role="reporter")
            city = await session.scalar(select(Unit).where(Unit.code == CITY))
            tokens["city"], _ = await create_token(session, unit=city, role="reporter")
        return tokens
    finally:
        await db.dispose()


async def _add_counties(session: Any) -> None:
    from command.units.schemas import UnitIn
    from command.units.service import create_unit

    for code, name, name_en, lon, lat in EXTRA_COUNTIES:
        county = UnitIn(code=code, name=name, name_en=name_en, kind="area", tier="county")
        await create_unit(session, data=county.model_copy(update={"parent": CITY}), actor="bench")
        for n in range(1, 5):
            township = UnitIn(
                code=f"{code}{n:03d}",
                name=f"{name.removesuffix('县')}第{n}镇",
                name_en=f"{name_en} Town {n}",
                kind="area",
                tier="township",
                parent=code,
                lon=lon + 0.05 * n,
                lat=lat + 0.03 * n,
            )
            await create_unit(session, data=township, actor="bench")


def start_server(url: str, workdir: Path) -> ServerProcess:
    port = free_port()
    env = clean_env(
        WATCHFLOOR_DATABASE_URL=url, WATCHFLOOR_SECRET=SECRET, WATCHFLOOR_VAR_DIR=str(workdir)
    )
    argv = [sys.executable, "-m", "command.cli", "serve", "--port", str(port)]
    argv += ["--log-level", "warning"]
    log = workdir / "server.log"
    return ServerProcess(argv, env=env, port=port, health="/api/health", log=log).start(60)


# -- the sample and the year ---------------------------------------------------------------


async def make_templates(
    db: Database, base_url: str, tokens: dict[str, str], closed: int
) -> tuple[list[Template], list[Template], list[Place]]:
    """The sample through HTTP, the engine's marks of the days after, the townships."""
    after = await first_event_id(db)
    closed_ids = await create_sample(
        base_url,
        tokens,
        closed=closed,
        open_=0,
        followups=range(3, 7),
        county_misses_every=COUNTY_MISSES_EVERY,
    )
    # What stayed owed (the county's reports of every other incident) is marked as the
    # days pass: warning, overdue, missed, with their events.
    worker = Worker(db, max_sleep=5.0)
    later = utcnow() + timedelta(days=3)
    while await worker.pass_once(later):
        pass
    open_ids = await create_sample(
        base_url, tokens, closed=0, open_=4, followups=range(1, 2), county_misses_every=0
    )
    sample = await read_sample(db, closed_ids + open_ids, after)
    places = await townships(db)
    home = next(p for p in places if p.township[1] == REPORTER_UNIT)
    templates = [Template(row, sample, home) for row in sample.incidents]
    closed = [t for t in templates if t.incident["id"] in set(closed_ids)]
    opened = [t for t in templates if t.incident["id"] in set(open_ids)]
    return closed, opened, places


async def townships(db: Database) -> list[Place]:
    async with db.read() as session:
        units = list(await session.scalars(select(Unit)))
    by_code = {unit.code: unit for unit in units}
    places = []
    for unit in units:
        county = by_code.get(unit.parent_code or "")
        if unit.tier != "township" or unit.kind != "area" or county is None:
            continue
        if county.tier != "county" or unit.lon is None:
            continue
        places.append(
            Place(
                (unit.id, unit.code, unit.path),
                (county.id, county.code, county.path),
                unit.lon,
                unit.lat,
            )
        )
    return sorted(places, key=lambda p: p.township[1])


async def load_months(
    db: Database,
    templates: tuple[list[Template], list[Template], list[Place]],
    months: range,
    per_month: int,
    rng: random.Random,
) -> dict[str, Any]:
    """Months `months` back from now (0: the last month, with the open incidents)."""
    closed, opened, places = templates
    now = utcnow()
    written: dict[str, int] = {}
    started = time.perf_counter()
    for month in months:
        end = now - month * MONTH
        plans = plan_month(
            closed,
            opened,
            places,
            start=end - MONTH,
            end=end,
            incidents=per_month,
            open_count=OPEN_INCIDENTS if month == 0 else 0,
            rng=rng,
        )
        for name, count in (await copy_month(db, plans)).items():
            written[name] = written.get(name, 0) + count
    await analyze(db)
    return {"rows": written, "seconds": round(time.perf_counter() - started, 1)}


async def table_counts(db: Database) -> dict[str, int]:
    from command.deadlines.models import Obligation

    async with db.read() as session:
        counts = {}
        for name, model in (("incidents", Incident), ("reports", Report)):
            counts[name] = await session.scalar(select(func.count()).select_from(model))
        counts["obligations"] = await session.scalar(select(func.count()).select_from(Obligation))
        counts["events"] = await session.scalar(select(func.count()).select_from(Event))
        counts["open"] = await session.scalar(
            select(func.count()).select_from(Incident).where(Incident.status != "closed")
        )
        for name in ("plans", "drills"):
            counts[name] = await session.scalar(text(f"SELECT count(*) FROM {name}"))
    return counts


# -- the reads -----------------------------------------------------------------------------


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def timed(call: Callable[[], Awaitable[int]], repeat: int, warmup: int = 3) -> dict[str, Any]:
    """p50/p99 of `call` (which returns the bytes it read) over `repeat` runs."""
    for _ in range(warmup):
        await call()
    seconds, sizes = [], []
    for _ in range(repeat):
        started = time.perf_counter()
        sizes.append(await call())
        seconds.append(time.perf_counter() - started)
    return {
        "p50_ms": round(percentile(seconds, 0.5) * 1000, 1),
        "p99_ms": round(percentile(seconds, 0.99) * 1000, 1),
        "kib": round(max(sizes) / 1024, 1),
    }


def _get(client: httpx.AsyncClient, url: str, token: str) -> Callable[[], Awaitable[int]]:
    async def call() -> int:
        response = await client.get(url, headers=_bearer(token))
        if response.status_code != 200:
            raise RuntimeError(f"year: GET {url}: {response.status_code} {response.text[:300]}")
        return len(response.content)

    return call


def _snapshot(ws_url: str, token: str, topics: list[str]) -> Callable[[], Awaitable[int]]:
    hello = json.dumps({"type": "hello", "token": token, "topics": topics})

    async def call() -> int:
        async with connect(ws_url, max_size=None, compression=None) as ws:
            await ws.send(hello)
            async for frame in ws:
                data = json.loads(frame)
                if data["type"] == "snapshot":
                    return len(frame.encode() if isinstance(frame, str) else frame)
        # A refused hello closes the connection (its code and reason raise above).
        raise RuntimeError("year: the screen got no snapshot")

    return call


def _resume(
    server: ServerProcess, client: httpx.AsyncClient, tokens: dict[str, str], incident: int
) -> Callable[[], Awaitable[int]]:
    """Away while RESUME_REPORTS follow-ups are filed; back with the cursor; the time
    from reconnecting to holding the last of them (welcome, replay)."""
    hello = {"type": "hello", "token": tokens["display"], "topics": ["incidents", "deadlines"]}
    entity = f"incident:{incident}"
    away = {"cursor": ""}

    async def leave() -> None:
        async with connect(server.ws_url, max_size=None, compression=None) as ws:
            await ws.send(json.dumps(hello))
            async for frame in ws:
                data = json.loads(frame)
                if data["type"] == "snapshot":
                    away["cursor"] = data["cursor"]
                    return

    async def call() -> int:
        await leave()
        for n in range(RESUME_REPORTS):
            body = {"kind": "followup", "summary": f"续报：处置进展 {n}"}
            url = f"/api/incidents/{incident}/reports"
            response = await client.post(url, json=body, headers=_bearer(tokens["reporter"]))
            response.raise_for_status()
        started = time.perf_counter()
        seen, size = 0, 0
        async with connect(server.ws_url, max_size=None, compression=None) as ws:
            await ws.send(json.dumps(hello | {"cursor": away["cursor"]}))
            async with asyncio.timeout(30):
                async for frame in ws:
                    size += len(frame)
                    data = json.loads(frame)
                    if data["type"] == "welcome" and not data.get("resumed"):
                        raise RuntimeError("year: the screen did not resume")
                    event = data.get("event") or {}
                    if event.get("kind") == "report.received" and event.get("entity") == entity:
                        seen += 1
                        if seen == RESUME_REPORTS:
                            break
        resume_seconds.append(time.perf_counter() - started)
        return size

    resume_seconds: list[float] = []
    call.seconds = resume_seconds  # type: ignore[attr-defined]
    return call


async def pick_incidents(db: Database) -> dict[str, int]:
    """A closed incident of the last month (its view and history), an open sample one."""
    async with db.read() as session:
        closed = await session.scalar(
            select(Incident.id)
            .where(Incident.status == "closed", Incident.title.contains("#"))
            .order_by(Incident.received_at.desc())
            .limit(1)
        )
        reporter_open = await session.scalar(
            select(Incident.id)
            .where(Incident.status != "closed", Incident.unit_path.contains(f"/{REPORTER_UNIT}/"))
            .order_by(Incident.id.desc())
            .limit(1)
        )
    return {"closed": closed, "open": reporter_open}


def _reads(server: ServerProcess, client: httpx.AsyncClient, tokens: dict[str, str], ids: dict):
    now = datetime.now(UTC)
    year_ago = (now - timedelta(days=365)).isoformat()
    quarter = (now - timedelta(days=91)).isoformat()
    until = now.isoformat()
    commander = tokens["commander"]
    params = httpx.QueryParams
    open_list = params(status="reported,verified,responding,stabilized", limit=100)
    county_closed = params(status="closed", unit=COUNTY, level="IV", since=quarter, limit=50)
    year = params({"from": year_ago, "to": until})
    return {
        "list: open, city": _get(client, f"/api/incidents?{open_list}", commander),
        "list: newest 100": _get(client, "/api/incidents?limit=100", commander),
        "list: county closed IV, 3 mo": _get(client, f"/api/incidents?{county_closed}", commander),
        "incident view": _get(client, f"/api/incidents/{ids['closed']}", commander),
        "incident history": _get(client, f"/api/incidents/{ids['closed']}/history", commander),
        "wall snapshot": _snapshot(server.ws_url, tokens["display"], WALL_TOPICS),
        "desk snapshot": _snapshot(server.ws_url, tokens["commander"], DESK_TOPICS),
        "compliance county, year": _get(
            client, f"/api/compliance?{year.set('unit', COUNTY)}", commander
        ),
        "compliance.xlsx county, year": _get(
            client, f"/api/compliance.xlsx?{year.set('unit', COUNTY)}", commander
        ),
        "compliance.xlsx city, year": _get(client, f"/api/compliance.xlsx?{year}", commander),
        "CAP feed": _get(client, "/api/cap/feed.atom", commander),
        "resume (3 reports away)": _resume(server, client, tokens, ids["open"]),
    }


EXPORTS = {"compliance.xlsx county, year", "compliance.xlsx city, year"}
SNAPSHOTS = {"wall snapshot", "desk snapshot"}


async def measure(
    server: ServerProcess, db: Database, tokens: dict[str, str], repeat: int
) -> dict[str, dict]:
    ids = await pick_incidents(db)
    figures = {}
    async with httpx.AsyncClient(base_url=server.url, timeout=120) as client:
        for name, call in _reads(server, client, tokens, ids).items():
            times = max(5, repeat // 3) if name in EXPORTS or name.startswith("resume") else repeat
            figures[name] = await timed(call, times, warmup=1 if name in EXPORTS else 3)
            if hasattr(call, "seconds"):  # the resume: from reconnecting, not from leaving
                seconds = call.seconds[-times:]
                figures[name]["p50_ms"] = round(percentile(seconds, 0.5) * 1000, 1)
                figures[name]["p99_ms"] = round(percentile(seconds, 0.99) * 1000, 1)
    return figures


# -- the run -------------------------------------------------------------------------------


async def run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    tokens = await prepare(args.postgres)
    server = start_server(args.postgres, workdir)
    db = Database(args.postgres)
    rng = random.Random(22)
    per_month = max(OPEN_INCIDENTS + 1, round(INCIDENTS_PER_YEAR * args.scale / 12))
    checkpoints = []
    try:
        started = time.perf_counter()
        templates = await make_templates(db, server.url, tokens, args.sample)
        sample_seconds = round(time.perf_counter() - started, 1)
        print(f"  sample through HTTP in {sample_seconds} s", flush=True)
        loaded = 0
        for months in sorted(int(m) for m in args.checkpoints.split(",")):
            load = await load_months(db, templates, range(loaded, months), per_month, rng)
            loaded = months
            counts = await table_counts(db)
            print(f"  {months:>2} months loaded in {load['seconds']} s: {counts}", flush=True)
            figures = await measure(server, db, tokens, args.repeat)
            checkpoints.append({"months": months, "load": load, "counts": counts, "reads": figures})
            print_checkpoint(checkpoints[-1])
    finally:
        await db.dispose()
        server.stop()
    return {
        "scale": args.scale,
        "repeat": args.repeat,
        "sample_s": sample_seconds,
        "checkpoints": checkpoints,
        "growth": growth(checkpoints),
    }


def aim_of(name: str) -> tuple[str, float]:
    if name in EXPORTS:
        return "< 5000", EXPORT_AIM_MS
    return "< 100", READ_AIM_MS


def print_checkpoint(checkpoint: dict[str, Any]) -> None:
    print(f"\n{checkpoint['months']} months: {checkpoint['counts']}")
    rows = []
    for name, figure in checkpoint["reads"].items():
        aim, limit = aim_of(name)
        met = "yes" if figure["p99_ms"] < limit else "NO"
        rows.append([name, figure["p50_ms"], figure["p99_ms"], figure["kib"], aim, met])
    print_table(["read", "p50 ms", "p99 ms", "KiB", "aim p99 ms", "met?"], rows)


def growth(checkpoints: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each read's p99 at every checkpoint and the ratio of the last to the first."""
    if not checkpoints:
        return {}
    table = {}
    for name in checkpoints[0]["reads"]:
        # Keyed by the months as text, as the JSON results hold them.
        p99 = {str(c["months"]): c["reads"][name]["p99_ms"] for c in checkpoints}
        kib = {str(c["months"]): c["reads"][name]["kib"] for c in checkpoints}
        first, last = p99[str(checkpoints[0]["months"])], p99[str(checkpoints[-1]["months"])]
        table[name] = {
            "p99_ms": p99,
            "kib": kib,
            "ratio": round(last / first, 2) if first else None,
        }
    return table


def print_growth(data: dict[str, Any]) -> None:
    months = [str(c["months"]) for c in data["checkpoints"]]
    print("\nGrowth of p99 (ms) from 1 month to 12 (KiB of the last)")
    rows = []
    for name, row in data["growth"].items():
        cells = [row["p99_ms"][m] for m in months]
        rows.append([name, *cells, row["ratio"], row["kib"][months[-1]]])
    print_table(["read", *(f"{m} mo" for m in months), "×", "KiB"], rows)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scale", type=float, default=1.0, help="share of 20,000 incidents")
    parser.add_argument("--repeat", type=int, default=30, help="timed runs of each read")
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, help="a database of its own")
    parser.add_argument(
        "--checkpoints", default=",".join(map(str, CHECKPOINTS)), help="months loaded when measured"
    )
    parser.add_argument("--sample", type=int, default=24, help="closed incidents in the sample")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.year", description=__doc__.split("\n\n")[0])
    add_arguments(parser)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="watchfloor-year-") as tmp:
        data = asyncio.run(run(args, Path(tmp)))
    print_growth(data)
    path = write_results("year", data)
    print(f"\nresults: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
