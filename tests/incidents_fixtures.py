"""Helpers of the incident tests: request bodies, tokens for other units, row counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select

from command.auth.service import create_token
from command.events import Event
from command.idempotency import IdempotencyRecord
from command.incidents.models import Incident, Report
from command.units.service import get_unit
from tests.conftest import bearer

REPORTER_UNIT = "231102001"  # 花园街道, where the demo reporter sits
VILLAGE = "231102001001"  # a community under it
SIBLING_COUNTY = "231123"  # 逊克县


def iso(delta: timedelta = timedelta()) -> str:
    return (datetime.now(UTC) + delta).isoformat()


def incident_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "花园街道居民楼火灾",
        "category": "accident",
        "type": "residential fire",
        "level": "IV",
        "occurred_at": iso(-timedelta(minutes=30)),
        "learned_at": iso(-timedelta(minutes=20)),
        "unit": REPORTER_UNIT,
        "geometry": {"type": "Point", "coordinates": [127.49012345, 50.24567891]},
        "summary": "三楼起火，已疏散居民",
        "casualties": {"dead": 0, "missing": 1, "injured": 2},
        "affected": 40,
        "loss": 12.5,
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not ...}


async def token_for(app, unit: str, role: str) -> str:
    async with app.state.db.write() as session:
        plain, _ = await create_token(session, unit=await get_unit(session, unit), role=role)
    return plain


async def counts(app) -> dict[str, int]:
    """Rows of every table an incident write touches."""
    tables = {
        "incidents": Incident,
        "reports": Report,
        "events": Event,
        "idempotency": IdempotencyRecord,
    }
    async with app.state.db.read() as session:
        found = {
            name: await session.scalar(select(func.count()).select_from(model))
            for name, model in tables.items()
        }
        found["incident_events"] = await session.scalar(
            select(func.count()).select_from(Event).where(Event.topic == "incidents")
        )
    return found


async def create(client: httpx.AsyncClient, token: str, **overrides: Any) -> dict[str, Any]:
    response = await client.post(
        "/api/incidents", json=incident_body(**overrides), headers=bearer(token)
    )
    assert response.status_code == 201, response.text
    return response.json()


async def report(
    client: httpx.AsyncClient, token: str, incident_id: int, **body: Any
) -> httpx.Response:
    return await client.post(
        f"/api/incidents/{incident_id}/reports", json=body, headers=bearer(token)
    )


async def patch(
    client: httpx.AsyncClient, token: str, incident_id: int, **body: Any
) -> httpx.Response:
    return await client.patch(f"/api/incidents/{incident_id}", json=body, headers=bearer(token))


def fields_of(response: httpx.Response) -> set[str]:
    return {d["field"] for d in response.json()["error"].get("details", [])}
