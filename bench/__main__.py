"""Every benchmark in one run (`make bench`), then one table and bench/results/latest.json.

    .venv/bin/python -m bench [PART ...] [--quick] [--postgres URL] [--redis URL]
                              [--offline SECONDS] [--events N]

PART is any of fanout, ingest, engine, resume, scaleout, year (all by default, in that
order).
--quick is a smoke run: small counts, a few seconds each. Each part runs as its own
process group with a time budget; on overrun, failure or Ctrl-C the group gets SIGINT
(its servers and client processes stop in their `finally`), then SIGKILL if it lingers,
so nothing it started outlives the run. The PostgreSQL database is emptied by the parts
that use it: give the benchmark a database of its own.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import RESULTS, ROOT
from bench.preflight import NotReady, prepare
from bench.report import (
    combined_rows,
    keep_earlier_parts,
    machine,
    print_combined,
    write_latest,
)

PARTS = ("fanout", "ingest", "engine", "resume", "scaleout", "year")
DEFAULT_POSTGRES = "postgresql+asyncpg://root@127.0.0.1:5432/wf_bench"
DEFAULT_REDIS = "redis://127.0.0.1:6379/7"
GRACE_SECONDS = 20


def part_argv(name: str, args: argparse.Namespace) -> list[str]:
    """The arguments of one part: the issue's figures, or small ones with --quick."""
    pg, redis = ["--postgres", args.postgres], ["--redis", args.redis]
    full = {
        "fanout": ["--levels", "100,1000,5000,10000", "--writes", "10"],
        "ingest": ["--count", "400", "--rounds", "2", "--budget", "12", *pg],
        "engine": ["--count", "100000", "--measure", "20", *pg],
        "resume": ["--events", str(args.events), "--offline", str(args.offline), *redis],
        "scaleout": ["--levels", "1000,5000", "--writes", "20", *pg, *redis],
        "year": ["--scale", "1", "--repeat", "30", *pg],
    }
    quick = {
        "fanout": ["--levels", "100", "--writes", "5"],
        "ingest": ["--count", "60", "--rounds", "1", "--warmup", "5", "--budget", "5", *pg],
        "engine": ["--count", "12000", "--measure", "3", "--rate", "500", *pg],
        "resume": ["--events", "1000", "--offline", "3", *redis],
        "scaleout": ["--levels", "200", "--writes", "5", *pg, *redis],
        "year": ["--scale", "0.02", "--repeat", "3", *pg],
    }
    return (quick if args.quick else full)[name]


# Generous for a quiet 2-core machine (the whole run takes about 10 minutes there), so that
# a busy one still finishes each part; a part over its budget is stopped and marked FAILED.
BUDGET_SECONDS = {
    "fanout": 900,
    "ingest": 180,
    "engine": 240,
    "resume": 240,
    "scaleout": 300,
    "year": 900,
}


def run_part(name: str, argv: list[str], budget: float) -> dict[str, Any]:
    """Run `python -m bench.<name>` in its own process group; its results, or why not."""
    command = [sys.executable, "-m", f"bench.{name}", *argv]
    print(f"\n== {name}: {shlex.join(command[1:])}", flush=True)
    started = time.time()
    proc = subprocess.Popen(command, cwd=ROOT, start_new_session=True)
    try:
        code = proc.wait(budget)
    except subprocess.TimeoutExpired:
        _stop_group(proc)
        return {"failed": f"over its {budget:.0f} s budget"}
    except BaseException:
        _stop_group(proc)
        raise
    found = _results_since(name, started)
    if found is None:
        return {"failed": f"exit {code}, no results"}
    return found | ({"exit": code} if code else {})


def _stop_group(proc: subprocess.Popen) -> None:
    for sig, wait in ((signal.SIGINT, GRACE_SECONDS), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(wait)
        except subprocess.TimeoutExpired:
            continue
        if sig == signal.SIGINT:
            # The leader is gone; its children (servers, screens) may still linger.
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            return


def _results_since(name: str, started: float) -> dict[str, Any] | None:
    files = [p for p in RESULTS.glob(f"{name}-*.json") if p.stat().st_mtime >= started - 1]
    if not files:
        return None
    newest = max(files, key=lambda p: p.stat().st_mtime)
    return json.loads(newest.read_text()) | {"file": str(newest.relative_to(ROOT))}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("parts", nargs="*", metavar="PART", help=", ".join(PARTS))
    parser.add_argument("--quick", action="store_true", help="a smoke run with small counts")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("WATCHFLOOR_BENCH_POSTGRES_URL", DEFAULT_POSTGRES),
        help="a PostgreSQL database of the benchmark's own (it is emptied)",
    )
    parser.add_argument(
        "--redis",
        default=os.environ.get("WATCHFLOOR_BENCH_REDIS_URL", DEFAULT_REDIS),
        help="Redis URL with the benchmark's own db number",
    )
    parser.add_argument("--offline", type=float, default=60.0, help="resume: seconds away")
    parser.add_argument("--events", type=int, default=10_000, help="resume: events meanwhile")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.parts) - set(PARTS))
    if unknown:
        parser.error(f"unknown part {', '.join(unknown)}; choose from {', '.join(PARTS)}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    names = [name for name in PARTS if name in args.parts] or list(PARTS)
    try:
        for line in prepare(names, postgres=args.postgres, redis=args.redis):
            print(line, flush=True)
    except NotReady as error:
        print(f"bench: {error}", file=sys.stderr)
        return 2
    at_start = machine()
    print(f"machine: {at_start}", flush=True)
    began = time.monotonic()
    parts = {}
    for name in names:
        budget = BUDGET_SECONDS[name] if not args.quick else 120
        parts[name] = run_part(name, part_argv(name, args), budget)
    if not args.quick:
        parts = keep_earlier_parts(parts)
    rows = combined_rows(parts)
    print(f"\n== all parts in {time.monotonic() - began:.0f} s\n")
    print_combined(rows)
    command = shlex.join(["python", "-m", "bench", *(argv if argv is not None else sys.argv[1:])])
    path = write_latest(command, at_start, parts, rows, quick=args.quick)
    print(f"\nresults: {Path(path).relative_to(ROOT)}")
    # Missing a speed aim is a finding for the table; a failed part or a lost event is not.
    broken = [row for row in rows if row.met is False and row.aim in ("0", "")]
    return 1 if broken else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("bench: interrupted", file=sys.stderr)
        sys.exit(130)
