"""Helpers for the plan and drill tests: tokens at other units, table counts, documents."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from command.auth.service import create_token
from command.events import Event
from command.units.service import get_unit
from plans import models
from tests.conftest import bearer

ZONE = ZoneInfo("Asia/Shanghai")
TABLES = (
    models.Plan,
    models.PlanVersion,
    models.PlanDocument,
    models.PlanFiling,
    models.PlanReview,
    models.RevisionTask,
    models.Drill,
    models.DrillPlan,
    models.DrillUnit,
    models.DrillEvaluation,
    models.DrillFeed,
    Event,
)


async def token_for(app, role: str, unit_code: str) -> str:
    async with app.state.db.write() as session:
        unit = await get_unit(session, unit_code)
        plain, _ = await create_token(session, unit=unit, role=role, label=f"test {role}")
    return plain


async def counts(app) -> dict[str, int]:
    """Rows in every table of plans and drills, and events: to prove nothing was written."""
    async with app.state.db.read() as session:
        return {
            table.__tablename__: await session.scalar(select(func.count()).select_from(table))
            for table in TABLES
        }


async def events(app, topic: str | None = None) -> list[Event]:
    async with app.state.db.read() as session:
        query = select(Event).order_by(Event.id)
        if topic:
            query = query.where(Event.topic == topic)
        return list((await session.scalars(query)).all())


def pdf_bytes(size: int = 2000) -> bytes:
    body = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n"
    return body + b"%" + b"x" * max(0, size - len(body) - 8) + b"\n%%EOF\n"


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("_rels/.rels", "<Relationships/>")
        package.writestr("word/document.xml", "<w:document>黑河市应急预案</w:document>")
    return buffer.getvalue()


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("readme.txt", "not a word document")
    return buffer.getvalue()


def later(hours: float = 24, *, days: int = 0) -> datetime:
    """A moment ahead of now, on a whole minute, in the deployment's zone."""
    moment = datetime.now(UTC) + timedelta(days=days, hours=hours)
    return moment.replace(second=0, microsecond=0).astimezone(ZONE)


def plan_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "title": "爱辉区防汛抗旱应急预案",
        "type": "special",
        "unit": "231102",
        "categories": ["natural"],
        "incident_types": ["flood"],
        "levels": ["III", "IV"],
    }
    return {**body, **overrides}


def version_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "effective_on": "2026-02-10",
        "change_summary": "首次发布",
        "approved_by": "爱辉区人民政府",
        "text": "总则……",
    }
    return {**body, **overrides}


async def issued_plan(client, token: str, plan: dict | None = None, version: dict | None = None):
    """A plan in force: POST /api/plans then a text version; returns the plan detail."""
    created = await client.post("/api/plans", json=plan or plan_body(), headers=bearer(token))
    assert created.status_code == 201, created.text
    plan_id = created.json()["id"]
    response = await client.post(
        f"/api/plans/{plan_id}/versions", json=version or version_body(), headers=bearer(token)
    )
    assert response.status_code == 201, response.text
    return (await client.get(f"/api/plans/{plan_id}", headers=bearer(token))).json()


def drill_body(plan_id: int, **overrides: Any) -> dict[str, Any]:
    starts = later(48)
    body = {
        "title": "爱辉区防汛桌面推演",
        "plans": [plan_id],
        "form": "tabletop",
        "scope": "single",
        "purpose": "test",
        "organizer": "231102",
        "units": ["231102.YJB", "231102003"],
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=2)).isoformat(),
        "location": {"type": "Point", "coordinates": [127.4990123456789, 50.2450987654321]},
    }
    return {**body, **overrides}
