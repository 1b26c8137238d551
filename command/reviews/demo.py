"""The demo city's evaluation: a house fire in 爱辉区 learned of two days ago, reported
late and closed now through the incident service (which opens its evaluation), with a
draft the county has begun. Idempotent: the incident is made once, by its title."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from command.auth.service import Principal
from command.db import utcnow
from command.incidents import service
from command.incidents.queries import titles
from command.incidents.schemas import IncidentIn, IncidentPatch
from command.reviews.evaluations import update_draft
from command.reviews.models import Evaluation
from command.reviews.schemas import EvaluationPatch
from command.units.service import find_unit

ACTOR = "system:demo"
TITLE = "西岗子镇居民自建房火灾"
UNIT, COUNTY, CITY = "231102002", "231102", "231100"


def _incident(learned) -> IncidentIn:
    return IncidentIn.model_validate(
        {
            "title": TITLE,
            "category": "accident",
            "type": "residential fire",
            "level": "IV",
            "unit": UNIT,
            "geometry": {"type": "Point", "coordinates": [127.3721845, 50.3392716]},
            "summary": "自建房起火，1人轻伤，过火面积约80平方米。",
            "measures": "消防救援站出动2车10人，40分钟扑灭明火。",
            "casualties": {"dead": 0, "missing": 0, "injured": 1},
            "loss": 18.0,
            "occurred_at": (learned - timedelta(minutes=15)).isoformat(),
            "learned_at": learned.isoformat(),
        }
    )


def _draft() -> EvaluationPatch:
    return EvaluationPatch.model_validate(
        {
            "group": {"lead": "爱辉区应急管理局 刘洋", "members": ["区消防救援大队 孙伟"]},
            "sections": {
                "response": "镇政府接报后15分钟到场，组织邻近住户疏散。",
                "lessons": "农村自建房电气线路老化，初报未在时限内报送。",
            },
            "recommendations": [
                {
                    "text": "开展农村自建房电气线路排查",
                    "unit": UNIT,
                    "due_at": (utcnow() + timedelta(days=45)).isoformat(),
                }
            ],
        }
    )


async def load(session: AsyncSession) -> None:
    rows = await session.scalars(select(Evaluation.incident_id))
    if TITLE in (await titles(session, set(rows))).values():
        return
    unit, city = await find_unit(session, UNIT), await find_unit(session, CITY)
    county = await find_unit(session, COUNTY)
    if unit is None or city is None or county is None:
        return
    reporter = Principal.of(unit, role="reporter", subject=ACTOR)
    commander = Principal.of(city, role="commander", subject=ACTOR)
    incident = await service.create_incident(
        session=session, data=_incident(utcnow() - timedelta(days=2)), principal=reporter
    )
    await service.update_incident(
        session=session,
        incident_id=incident.id,
        patch=IncidentPatch.model_validate({"status": "closed"}),
        principal=commander,
    )
    evaluation = await session.scalar(
        select(Evaluation).where(Evaluation.incident_id == incident.id)
    )
    if evaluation is not None:
        writer = Principal.of(county, role="commander", subject=ACTOR)
        await update_draft(
            session, evaluation_id=evaluation.id, patch=_draft(), principal=writer, now=utcnow()
        )
