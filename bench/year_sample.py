"""The year benchmark's sample: a few dozen incidents with their report chains, made through
the real HTTP API of a running server, so that the deadline hooks, the engine and the event
log write exactly the rows they write in service; then read back for the loader to copy.

The sample sits in the demo reporter's township (花园街道, Aihui District). Most incidents
run a whole chain (initial, follow-ups, final) and are closed by the city's commander; a few
are left open, as a city's log always holds some.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select

from command.db import Database
from command.deadlines.models import Obligation, Verdict
from command.events import Event
from command.incidents.models import Correction, Incident, Report

REPORTER_UNIT = "231102001"
CATEGORIES = ("accident", "natural", "health", "social")
LEVELS = ("IV", "IV", "IV", "III")
CLOSING = ("verified", "responding", "stabilized", "closed")


@dataclass
class Sample:
    """The rows the service layer wrote for the sample, by table, as column dicts."""

    incidents: list[dict[str, Any]] = field(default_factory=list)
    reports: list[dict[str, Any]] = field(default_factory=list)
    corrections: list[dict[str, Any]] = field(default_factory=list)
    obligations: list[dict[str, Any]] = field(default_factory=list)
    verdicts: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)

    def open_ids(self) -> set[int]:
        return {row["id"] for row in self.incidents if row["status"] != "closed"}


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _incident_body(number: int) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "title": f"花园街道突发事件 样本{number}",
        "category": CATEGORIES[number % len(CATEGORIES)],
        "type": "residential fire",
        "level": LEVELS[number % len(LEVELS)],
        "occurred_at": (now - timedelta(minutes=40)).isoformat(),
        "learned_at": (now - timedelta(minutes=25)).isoformat(),
        "unit": REPORTER_UNIT,
        "geometry": {"type": "Point", "coordinates": [127.49 + number * 1e-3, 50.245]},
        "summary": "居民楼三层起火，已疏散群众，消防力量已到场处置。",
        "casualties": {"dead": 0, "missing": 0, "injured": number % 3},
        "affected": 20 + number,
        "loss": 5.5,
    }


async def _send(client: httpx.AsyncClient, method: str, url: str, **kwargs: Any) -> Any:
    response = await client.request(method, url, **kwargs)
    if response.status_code not in (200, 201):
        raise RuntimeError(f"sample: {method} {url}: {response.status_code} {response.text[:300]}")
    return response


async def _file(client: httpx.AsyncClient, token: str, incident_id: int, kind: str, n: int) -> None:
    body = {
        "kind": kind,
        "summary": f"现场处置进展 {n}：火势已得到控制，继续排查隐患。",
        "measures": "疏散群众，设置警戒区，组织排查。",
        "casualties": {"dead": 0, "missing": 0, "injured": 1},
        "affected": 30,
    }
    url = f"/api/incidents/{incident_id}/reports"
    await _send(client, "POST", url, json=body, headers=_bearer(token))


async def _close(client: httpx.AsyncClient, token: str, incident_id: int) -> None:
    url = f"/api/incidents/{incident_id}"
    for status in CLOSING:
        etag = (await _send(client, "GET", url, headers=_bearer(token))).headers.get("etag")
        headers = _bearer(token) | ({"If-Match": etag} if etag else {})
        await _send(client, "PATCH", url, json={"status": status}, headers=headers)


async def create_sample(
    base_url: str,
    tokens: dict[str, str],
    *,
    closed: int,
    open_: int,
    followups: range,
    county_misses_every: int,
) -> list[int]:
    """`closed` incidents with a whole chain, closed; `open_` with an initial report and
    one follow-up, left open. Follow-ups cycle through `followups`. The county files its
    initial and final reports to the city on the closed ones too (and the city its own to
    the province on a 较大 one), except on every `county_misses_every`-th (0: never
    files), whose reports it owes and misses. Returns the ids."""
    ids = []
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
        for number in range(closed + open_):
            incident = await _send(
                client,
                "POST",
                "/api/incidents",
                json=_incident_body(number),
                headers=_bearer(tokens["reporter"]),
            )
            incident_id = incident.json()["id"]
            ids.append(incident_id)
            if number >= closed:
                await _file(client, tokens["reporter"], incident_id, "followup", 1)
                continue
            for n in range(followups[number % len(followups)]):
                await _file(client, tokens["reporter"], incident_id, "followup", n + 1)
            await _file(client, tokens["reporter"], incident_id, "final", 0)
            if county_misses_every and number % county_misses_every:
                await _file(client, tokens["county"], incident_id, "initial", 0)
                await _file(client, tokens["county"], incident_id, "final", 0)
                if LEVELS[number % len(LEVELS)] == "III":  # 较大: the city reports upwards
                    await _file(client, tokens["city"], incident_id, "initial", 0)
                    await _file(client, tokens["city"], incident_id, "final", 0)
            await _close(client, tokens["commander"], incident_id)
    return ids


def _rows(objects: Any) -> list[dict[str, Any]]:
    return [
        {column.key: getattr(obj, column.key) for column in obj.__table__.columns}
        for obj in objects
    ]


async def first_event_id(db: Database) -> int:
    async with db.read() as session:
        return (await session.scalar(select(func.max(Event.id)))) or 0


async def read_sample(db: Database, incident_ids: list[int], after_event: int) -> Sample:
    """Every row the sample wrote: its incidents and their dependents, and the events
    after `after_event` that belong to one of them."""
    sample = Sample()
    async with db.read() as session:

        async def rows(model: Any, column: Any) -> list[dict[str, Any]]:
            query = select(model).where(column.in_(incident_ids)).order_by(model.id)
            return _rows((await session.scalars(query)).all())

        sample.incidents = await rows(Incident, Incident.id)
        sample.reports = await rows(Report, Report.incident_id)
        sample.corrections = await rows(Correction, Correction.incident_id)
        sample.obligations = await rows(Obligation, Obligation.incident_id)
        sample.verdicts = await rows(Verdict, Verdict.incident_id)
        query = select(Event).where(Event.id > after_event).order_by(Event.id)
        sample.events = _rows((await session.scalars(query)).all())
    return sample
