"""The year benchmark's loader: the sample's rows copied in bulk, with shifted ids, times
and units, by PostgreSQL COPY (asyncpg's `copy_records_to_table` on the raw connection).

Each copy of a sample incident takes every row the service wrote for it — the incident,
its reports, corrections, obligations, verdicts and the events whose entity is one of
them — moves every datetime by the same delta (so that the copy happened at its own time,
with the same intervals), gives each row a new id in a block reserved from the table's
sequence (so a server writing meanwhile never collides), and moves it from the sample's
township and county to another township of the city and that township's county. Event
payloads are rewritten the same way (ids, unit codes and paths, `…_at` instants).

Events of the sample that belong to no sample incident (a review's evaluation opened on
closing, the demo incidents' marks) are not copied. The notification deriver's cursor is
moved past the copied events in the same transaction: they are history, not news.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import text

from bench.year_sample import Sample
from command.db import Database
from command.deadlines.models import Obligation, Verdict
from command.events import Event
from command.incidents.models import Correction, Incident, Report

# Parent tables first (the foreign keys).
MODELS = {
    "incidents": Incident,
    "reports": Report,
    "corrections": Correction,
    "obligations": Obligation,
    "verdicts": Verdict,
    "events": Event,
}
JSON_COLUMNS = {
    name: {c.key for c in model.__table__.columns if c.type.__class__.__name__ == "JSON"}
    for name, model in MODELS.items()
}
# Columns naming another table's row, by table.
REFERENCES = {
    "incident_id": "incidents",
    "report_id": "reports",
    "obligation_id": "obligations",
    "correction_id": "corrections",
}
# In event payloads: keys holding an id (int) or a row of that table (dict, or a list).
PAYLOAD_IDS = {"incident": "incidents", "report": "reports", "obligation": "obligations"}
PAYLOAD_IDS |= {"incident_id": "incidents", "report_id": "reports"}
PAYLOAD_ROWS = {"incident": "incidents", "report": "reports", "reports": "reports"}
UNIT_KEYS = {"unit", "to_unit", "lead_unit"}
ENTITY_TABLES = {"incident": "incidents", "obligation": "obligations", "report": "reports"}


@dataclass(frozen=True)
class Place:
    """Where a copy happens: a township and its county (ids, codes and paths)."""

    township: tuple[int, str, str]
    county: tuple[int, str, str]
    lon: float
    lat: float


class Template:
    """One sample incident and every row that belongs to it, ready to copy."""

    def __init__(self, incident: dict[str, Any], sample: Sample, home: Place) -> None:
        self.incident = incident
        self.received_at: datetime = incident["received_at"]
        own = incident["id"]
        self.rows: dict[str, list[dict[str, Any]]] = {"incidents": [incident]}
        for name in ("reports", "corrections", "obligations", "verdicts"):
            self.rows[name] = [r for r in getattr(sample, name) if r["incident_id"] == own]
        ids = {name: {r["id"] for r in rows} for name, rows in self.rows.items()}
        self.rows["events"] = [e for e in sample.events if _belongs(e, ids)]
        self.home = home

    def count(self, name: str) -> int:
        return len(self.rows[name])


def _belongs(event: dict[str, Any], ids: dict[str, set[int]]) -> bool:
    prefix, _, number = event["entity"].partition(":")
    table = ENTITY_TABLES.get(prefix)
    return table is not None and number.isdigit() and int(number) in ids[table]


class Copy:
    """The mapping of one copy: ids by table (old → new), units, and the time delta."""

    def __init__(
        self, id_maps: dict[str, dict[int, int]], home: Place, place: Place, delta: timedelta
    ) -> None:
        self.ids, self.delta = id_maps, delta
        self.unit_ids = {home.township[0]: place.township[0], home.county[0]: place.county[0]}
        self.codes = {home.township[1]: place.township[1], home.county[1]: place.county[1]}
        self.paths = {home.township[2]: place.township[2], home.county[2]: place.county[2]}
        self.place = place

    def new_id(self, table: str, old: int) -> int:
        return self.ids[table].get(old, old)

    def text(self, key: str, value: str) -> str:
        if key in UNIT_KEYS:
            return self.codes.get(value, value)
        if key == "unit_path":
            return self.paths.get(value, value)
        if key.endswith("_at") or key == "device_time":
            try:
                return (datetime.fromisoformat(value) + self.delta).isoformat()
            except ValueError:
                return value
        return value

    def payload(self, value: Any, table: str | None) -> Any:
        if isinstance(value, list):
            return [self.payload(item, table) for item in value]
        if not isinstance(value, dict):
            return value
        out = {}
        for key, item in value.items():
            if isinstance(item, int) and not isinstance(item, bool):
                if key == "id" and table:
                    item = self.new_id(table, item)
                elif key in PAYLOAD_IDS:
                    item = self.new_id(PAYLOAD_IDS[key], item)
            elif isinstance(item, str):
                item = self.text(key, item)
            elif isinstance(item, dict | list):
                item = self.payload(item, PAYLOAD_ROWS.get(key))
            out[key] = item
        return out

    def row(self, name: str, row: dict[str, Any]) -> dict[str, Any]:
        out = dict(row)
        out["id"] = self.new_id(name, row["id"])
        for key, value in row.items():
            if isinstance(value, datetime):
                out[key] = value + self.delta
            elif key in REFERENCES and value is not None:
                out[key] = self.new_id(REFERENCES[key], value)
        for key in ("unit_id", "to_unit_id"):
            if key in out:
                out[key] = self.unit_ids.get(out[key], out[key])
        if "unit_path" in out:
            out["unit_path"] = self.paths.get(out["unit_path"], out["unit_path"])
        if name == "events":
            prefix, _, number = row["entity"].partition(":")
            out["entity"] = f"{prefix}:{self.new_id(ENTITY_TABLES[prefix], int(number))}"
            out["payload"] = self.payload(row["payload"], ENTITY_TABLES[prefix])
            # History was published long ago (the sample's engine passes ran without a
            # bus): an unpublished copy would be swept onto every screen at once.
            out["published_at"] = out["published_at"] or out["at"]
        if name == "incidents":
            self._place_incident(out)
        return out

    def _place_incident(self, out: dict[str, Any]) -> None:
        lon, lat = self.place.lon, self.place.lat
        out["lon"], out["lat"] = lon, lat
        out["geometry"] = {"type": "Point", "coordinates": [lon, lat]}
        out["outline"] = None
        out["title"] = f"{out['title']} #{out['id']}"


@dataclass
class Planned:
    """One copy to make: which template, where, when."""

    template: Template
    place: Place
    at: datetime


def plan_month(
    closed: list[Template],
    opened: list[Template],
    places: list[Place],
    *,
    start: datetime,
    end: datetime,
    incidents: int,
    open_count: int,
    rng: random.Random,
) -> list[Planned]:
    """`incidents` copies received in [start, end): `open_count` of them open ones in the
    last two days before `end`, the rest closed, spread evenly at random."""
    plans = []
    recent = max(start, end - timedelta(days=2))
    for n in range(incidents):
        is_open = n < open_count
        template = (opened if is_open else closed)[n % len(opened if is_open else closed)]
        low = recent if is_open else start
        at = low + (end - low - timedelta(hours=6)) * rng.random()
        plans.append(Planned(template, rng.choice(places), at))
    return plans


async def _reserve(conn: Any, table: str, count: int) -> int:
    """The first of `count` ids taken from the table's sequence for this copy."""
    sequence = await conn.fetchval("SELECT pg_get_serial_sequence($1, 'id')", table)
    first = await conn.fetchval("SELECT nextval($1)", sequence)
    await conn.fetchval("SELECT setval($1, $2)", sequence, first + count)
    return first


def _records(name: str, rows: Iterator[dict[str, Any]], columns: list[str]) -> list[tuple]:
    json_columns = JSON_COLUMNS[name]
    return [
        tuple(
            orjson.dumps(row[c]).decode() if c in json_columns and row[c] is not None else row[c]
            for c in columns
        )
        for row in rows
    ]


async def copy_month(db: Database, plans: list[Planned]) -> dict[str, int]:
    """Insert the copies of one month; the rows written per table."""
    engine = db.writer
    async with engine.connect() as connection:
        raw = await connection.get_raw_connection()
        conn = raw.driver_connection
        firsts = {}
        for name in MODELS:
            total = sum(plan.template.count(name) for plan in plans)
            firsts[name] = await _reserve(conn, name, total) if total else 0
        copies = _copies(plans, firsts)
        written = {}
        async with conn.transaction():
            for name, model in MODELS.items():
                columns = [c.key for c in model.__table__.columns]
                rows = (
                    copy.row(name, row) for plan, copy in copies for row in plan.template.rows[name]
                )
                records = _records(name, rows, columns)
                if records:
                    await conn.copy_records_to_table(name, records=records, columns=columns)
                written[name] = len(records)
            await conn.execute(
                "UPDATE notify_cursor SET event_id = GREATEST(event_id, "
                "(SELECT coalesce(max(id), 0) FROM events))"
            )
    return written


def _copies(plans: list[Planned], firsts: dict[str, int]) -> list[tuple[Planned, Copy]]:
    next_id = dict(firsts)
    copies = []
    for plan in plans:
        id_maps = {}
        for name, rows in plan.template.rows.items():
            id_maps[name] = {row["id"]: next_id[name] + n for n, row in enumerate(rows)}
            next_id[name] += len(rows)
        delta = plan.at - plan.template.received_at
        copies.append((plan, Copy(id_maps, plan.template.home, plan.place, delta)))
    return copies


async def analyze(db: Database) -> None:
    """Fresh planner statistics, as autovacuum would have after a month of inserts."""
    async with db.writer.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.execute(text("ANALYZE"))
