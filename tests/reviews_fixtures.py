"""Helpers of the reviews tests: a closed incident, a full evaluation, row counts."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from command.events import Event
from command.reviews.models import CorrectiveAction, Evaluation
from tests.conftest import bearer
from tests.incidents_fixtures import create, iso

COUNTY = "231102"  # 爱辉区
CITY = "231100"
STREET = "231102001"  # 花园街道, the demo reporter's unit
SIBLING_STREET = "231102002"

SECTIONS = {
    "course": "12月1日9时许，花园街道某居民楼三楼起火。",
    "response": "街道接报后5分钟内到场，组织疏散40人。",
    "command": "区应急局牵头，消防、卫健、公安协同。",
    "information": "初报按时，续报一迟报12分钟。",
    "resources": "出动消防车4辆、队员26人。",
    "losses": "受伤2人，无死亡。",
    "conclusion": "处置总体及时有效。",
    "lessons": "老旧小区消防通道堵塞。",
}


async def closed_incident(client, demo, **overrides: Any) -> dict[str, Any]:
    """A real incident reported by the street, closed by the city commander."""
    incident = await create(client, demo["reporter"], **overrides)
    response = await client.patch(
        f"/api/incidents/{incident['id']}",
        json={"status": "closed"},
        headers=bearer(demo["commander"]),
    )
    assert response.status_code == 200, response.text
    return response.json()


async def evaluation_of(client, token: str, incident_id: int) -> dict[str, Any]:
    response = await client.get(f"/api/reviews?incident={incident_id}", headers=bearer(token))
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert len(items) == 1, items
    return items[0]


def due(days: int = 30) -> str:
    return iso(timedelta(days=days))


def full_draft(unit: str = STREET, plan: int | None = None) -> dict[str, Any]:
    recommendation = {"text": "清理消防通道并建立巡查台账", "unit": unit, "due_at": due()}
    if plan is not None:
        recommendation["plan"] = plan
    return {
        "group": {"lead": "李强（区应急局）", "members": ["王敏", "赵磊"]},
        "sections": SECTIONS,
        "recommendations": [recommendation],
    }


async def counts(app) -> dict[str, int]:
    async with app.state.db.read() as session:
        found = {
            model.__tablename__: await session.scalar(select(func.count()).select_from(model))
            for model in (Evaluation, CorrectiveAction)
        }
        found["reviews_events"] = await session.scalar(
            select(func.count()).select_from(Event).where(Event.topic == "reviews")
        )
    return found


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value)
