"""The combined table of `python -m bench`: one row per figure, beside its floor and its aim,
and bench/results/latest.json with the machine, the command and every part's results."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import RESULTS, print_table

# Watchfloor writes each report durably before it fans out, so its p99 is held to the floor
# that does the same (insert+broadcast); the bare broadcast is shown beside it.
FANOUT_AIM = 1.2
FANOUT_MEMORY_AIM = 1.2  # KiB per connection against the broadcast's, at 5,000 screens
FANOUT_MEMORY_AT = 5000
SERVER_MIB_AIM = 1024  # the server's RSS at 10,000 screens
SCALEOUT_AIM = 1.5  # two processes over Redis, against the single-process broadcast
# Watchfloor's reports/s at least this share of the bare insert's, per database: SQLite's
# one writer serialises whole transactions, which the one-row floor hardly feels.
INGEST_AIMS = {"sqlite": 0.4, "postgres": 0.6}
ENGINE_AIM_MS = 1000.0
RESUME_AIM_S = 2.0
YEAR_FLAT_AIM = 1.5  # a snapshot with 12 months loaded at most this many times its 1-month p99


@dataclass
class Row:
    part: str
    figure: str
    value: float | int | None
    floor: float | int | None = None
    ratio: float | None = None
    aim: str = ""
    met: bool | None = None

    def cells(self) -> list[Any]:
        met = {True: "yes", False: "NO", None: "—"}[self.met]
        return [self.part, self.figure, _show(self.value), _show(self.floor), _show(self.ratio)] + [
            self.aim or "—",
            met,
        ]


def _show(value: Any) -> Any:
    return "—" if value is None else value


def _ratio(value: float | None, floor: float | None) -> float | None:
    return round(value / floor, 2) if value is not None and floor else None


def fanout_rows(data: dict[str, Any]) -> list[Row]:
    rows: list[Row] = []
    by_level: dict[int, dict[str, dict]] = {}
    for result in data["results"]:
        by_level.setdefault(result["screens"], {})[result["target"]] = result
    for screens, targets in sorted(by_level.items()):
        ours, floor = targets.get("watchfloor"), targets.get("broadcast")
        durable = targets.get("insert+broadcast")
        if ours is None or floor is None:
            continue
        part = f"fan-out {screens}"
        rows.append(Row(part, "p99 ms vs broadcast", ours["p99_ms"], floor["p99_ms"]))
        rows[-1].ratio = _ratio(ours["p99_ms"], floor["p99_ms"])
        if durable is not None:
            ratio = _ratio(ours["p99_ms"], durable["p99_ms"])
            aim = f"≤ {FANOUT_AIM}× floor"
            met = ratio is not None and ratio <= FANOUT_AIM
            rows.append(Row(part, "p99 ms vs insert+bc", ours["p99_ms"], durable["p99_ms"], ratio))
            rows[-1].aim, rows[-1].met = aim, met
        lost = ours["lost"] + ours["duplicates"]
        rows.append(Row(part, "lost + dup", lost, floor["lost"], None, "0", lost == 0))
        kib = ours["kib_per_connection"]
        floor_kib = floor["kib_per_connection"]
        rows.append(Row(part, "KiB/conn", kib, floor_kib, _ratio(kib, floor_kib)))
        if screens == FANOUT_MEMORY_AT:
            rows[-1].aim = f"≤ {FANOUT_MEMORY_AIM}× floor"
            rows[-1].met = rows[-1].ratio is not None and rows[-1].ratio <= FANOUT_MEMORY_AIM
        if "server_mib" in ours:
            rows.append(Row(part, "server MiB", ours["server_mib"], floor.get("server_mib")))
            if screens >= 10_000:
                rows[-1].aim = f"< {SERVER_MIB_AIM}"
                rows[-1].met = ours["server_mib"] < SERVER_MIB_AIM
    return rows


def ingest_rows(data: dict[str, Any]) -> list[Row]:
    rows = []
    for result in data["results"]:
        ours, floor = result["watchfloor"], result["floor"]
        ratio = _ratio(ours["per_second"], floor["per_second"])
        part = f"ingest {result['backend']}"
        share = INGEST_AIMS.get(result["backend"], 0.6)
        aim = f"≥ {share}× floor"
        met = ratio is not None and ratio >= share and not ours["failures"]
        rows.append(
            Row(part, "reports/s", ours["per_second"], floor["per_second"], ratio, aim, met)
        )
        rows.append(
            Row(
                part,
                "p99 ms",
                ours["p99_ms"],
                floor["p99_ms"],
                _ratio(ours["p99_ms"], floor["p99_ms"]),
            )
        )
    return rows


def engine_rows(data: dict[str, Any]) -> list[Row]:
    rows = []
    for result in data["results"]:
        late = result["lateness"]
        part = f"engine {result['backend']} ({late['pending']:,} pending)"
        rows.append(Row(part, "lateness p50 ms", late["p50_ms"]))
        met = late["p99_ms"] < ENGINE_AIM_MS
        rows.append(Row(part, "lateness p99 ms", late["p99_ms"], None, None, "< 1000", met))
    return rows


def resume_rows(data: dict[str, Any]) -> list[Row]:
    rows = []
    for result in data["results"]:
        part = f"resume {result['bus']} ({result['events']:,} ev, {result['offline_s']} s away)"
        met = result["caught_up_s"] < RESUME_AIM_S and result["resumed"]
        rows.append(Row(part, "caught up s", result["caught_up_s"], None, None, "< 2", met))
        gone = result["missed"] + result["duplicates"]
        rows.append(Row(part, "missed + dup", gone, None, None, "0", gone == 0))
    return rows


def scaleout_rows(data: dict[str, Any], fanout: dict[str, Any] | None) -> list[Row]:
    floors = {
        r["screens"]: r["p99_ms"]
        for r in (fanout or {}).get("results", [])
        if r["target"] == "broadcast"
    }
    rows = []
    for result in data["results"]:
        part = f"scale-out ×{result['processes']} {result['screens']}"
        floor = floors.get(result["screens"])
        ratio = _ratio(result["p99_ms"], floor)
        rows.append(Row(part, "p99 ms", result["p99_ms"], floor, ratio, f"≤ {SCALEOUT_AIM}× floor"))
        rows[-1].met = None if ratio is None else ratio <= SCALEOUT_AIM
        lost = result["lost"] + result["duplicates"]
        rows.append(Row(part, "lost + dup", lost, None, None, "0", lost == 0))
    return rows


def year_rows(data: dict[str, Any]) -> list[Row]:
    """Each read's p99 with the whole year loaded, beside its p99 with one month (the floor:
    the ratio is how it grew); snapshots must stay flat, the rest under their aim."""
    from bench.year import EXPORTS, SNAPSHOTS, aim_of

    if not data.get("checkpoints"):
        return []
    last = data["checkpoints"][-1]
    rows = []
    for name, figure in last["reads"].items():
        grown = data["growth"][name]
        first = grown["p99_ms"][str(data["checkpoints"][0]["months"])]
        part = f"year {last['months']} mo ({last['counts']['incidents']:,} inc)"
        aim, limit = aim_of(name)
        met = figure["p99_ms"] < limit
        if name in SNAPSHOTS:
            aim = f"{aim}, ≤ {YEAR_FLAT_AIM}× 1 mo"
            met = met and grown["ratio"] is not None and grown["ratio"] <= YEAR_FLAT_AIM
        label = f"{name} p99 ms" + (" (export)" if name in EXPORTS else "")
        rows.append(Row(part, label, figure["p99_ms"], first, grown["ratio"], aim, met))
    return rows


BUILDERS: dict[str, Callable[..., list[Row]]] = {
    "fanout": fanout_rows,
    "ingest": ingest_rows,
    "engine": engine_rows,
    "resume": resume_rows,
    "year": year_rows,
}


def combined_rows(parts: dict[str, dict[str, Any]]) -> list[Row]:
    rows: list[Row] = []
    for name, data in parts.items():
        if data.get("failed"):
            rows.append(Row(name, "FAILED: " + data["failed"][:60], None, met=False))
        elif name == "scaleout":
            rows += scaleout_rows(data, parts.get("fanout"))
        else:
            rows += BUILDERS[name](data)
    return rows


def print_combined(rows: list[Row]) -> None:
    print_table(
        ["part", "figure", "value", "floor", "ratio", "aim", "met?"], [row.cells() for row in rows]
    )


def machine() -> dict[str, Any]:
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = next(
        (line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if "model name" in line),
        "unknown",
    )
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    total_kib = next(
        (int(line.split()[1]) for line in meminfo.splitlines() if line.startswith("MemTotal")),
        0,
    )
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "memory_gib": round(total_kib / 1024 / 1024, 1),
        "load_average": [round(v, 2) for v in os.getloadavg()],
    }


def keep_earlier_parts(parts: dict[str, Any]) -> dict[str, Any]:
    """A run of some parts keeps the others' latest results (each names its file and time)."""
    latest = RESULTS / "latest.json"
    earlier = json.loads(latest.read_text()).get("parts", {}) if latest.exists() else {}
    merged = {name: data for name, data in earlier.items() if not data.get("failed")}
    merged.update(parts)
    order = ["fanout", "ingest", "engine", "resume", "scaleout", "year"]
    return {name: merged[name] for name in order if name in merged}


def write_latest(
    command: str,
    started: dict[str, Any],
    parts: dict[str, Any],
    rows: list[Row],
    *,
    quick: bool = False,
) -> Path:
    """bench/results/latest.json (quick.json for a --quick run, which never replaces it)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / ("quick.json" if quick else "latest.json")
    data = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": command,
        "machine_at_start": started,
        "machine_at_end": machine(),
        "table": [asdict(row) for row in rows],
        "parts": parts,
    }
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False))
    return path
