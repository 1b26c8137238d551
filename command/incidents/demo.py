"""Demo incidents across the counties of 黑河市: initial reports, follow-ups, one drill and
one sensitive incident. Created through the service, so events and deadlines follow;
loading twice creates nothing new (an incident is known by its title)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from command.auth.service import Principal
from command.db import utcnow
from command.incidents import service
from command.incidents.models import Incident
from command.incidents.schemas import IncidentIn, IncidentPatch, ReportIn
from command.units.models import Unit
from command.units.service import get_unit

ACTOR = "system:demo"
CITY = "231100"


@dataclass(frozen=True)
class DemoIncident:
    incident: dict[str, Any]
    minutes_ago: int
    followups: list[dict[str, Any]] = field(default_factory=list)
    statuses: tuple[str, ...] = ()
    level: str | None = None


def _ring(lon: float, lat: float, size: float) -> list[list[float]]:
    return [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]


DEMO_INCIDENTS = [
    DemoIncident(
        incident={
            "title": "瑷珲镇黑龙江堤段管涌险情",
            "category": "natural",
            "type": "flood",
            "level": "III",
            "unit": "231102003",
            "geometry": {
                "type": "LineString",
                "coordinates": [[127.4981532, 50.2013487], [127.5127316, 50.1948211]],
            },
            "summary": "黑龙江水位超警戒0.6米，堤段出现3处管涌，已组织抢护。",
            "casualties": {"dead": 0, "missing": 0, "injured": 0},
            "affected": 1200,
            "loss": 85.0,
        },
        minutes_ago=50,
        followups=[{"affected": 1850, "summary": "续报一：转移群众1850人。"}, {"loss": 140.0}],
        statuses=("verified", "responding"),
    ),
    DemoIncident(
        incident={
            "title": "奇克镇林区森林火情",
            "category": "natural",
            "type": "forest fire",
            "level": "IV",
            "unit": "231123001",
            "geometry": {"type": "Polygon", "coordinates": [_ring(128.3612874, 49.6021339, 0.02)]},
            "summary": "雷击引发林火，过火面积约12公顷。",
            "casualties": {"dead": 0, "missing": 0, "injured": 1},
            "loss": 30.0,
        },
        minutes_ago=35,
        followups=[{"summary": "续报一：明火已扑灭，正在清理余火。", "loss": 36.5}],
        statuses=("verified",),
    ),
    DemoIncident(
        incident={
            "title": "赵光镇国道客车与货车相撞",
            "category": "accident",
            "type": "road traffic",
            "level": "IV",
            "unit": "231181002",
            "geometry": {"type": "Point", "coordinates": [126.4316221, 48.2918744]},
            "summary": "G202国道客车与货车相撞，伤员已送医。",
            "casualties": {"dead": 2, "missing": 0, "injured": 7},
            "loss": 60.0,
        },
        minutes_ago=25,
        followups=[{"casualties": {"dead": 2, "missing": 0, "injured": 9}}],
        statuses=("responding", "stabilized"),
    ),
    DemoIncident(
        incident={
            "title": "多宝山铜矿透水事故应急演练",
            "category": "accident",
            "type": "mine flooding",
            "level": "II",
            "unit": "231183003",
            "geometry": {"type": "Point", "coordinates": [125.2291842, 49.1302765]},
            "summary": "演练：井下透水，12人被困。",
            "casualties": {"dead": 0, "missing": 12, "injured": 0},
            "loss": 0.0,
            "exercise": True,
        },
        minutes_ago=15,
    ),
    DemoIncident(
        incident={
            "title": "龙镇学校食堂疑似食物中毒",
            "category": "health",
            "type": "food poisoning",
            "unit": "231182002",
            "geometry": {"type": "Point", "coordinates": [126.1429871, 48.5711093]},
            "summary": "23名学生出现呕吐腹泻症状，已送医观察，网络已有传播。",
            "casualties": {"dead": 0, "missing": 0, "injured": 23},
            "sensitive": True,
        },
        minutes_ago=20,
        level="III",
    ),
]


def _reporter(unit: Unit) -> Principal:
    return Principal.of(unit, role="reporter", subject=ACTOR)


def _commander(city: Unit) -> Principal:
    return Principal.of(city, role="commander", subject=ACTOR)


async def _create(session: AsyncSession, demo: DemoIncident, commander: Principal) -> None:
    unit = await get_unit(session, demo.incident["unit"])
    learned = utcnow() - timedelta(minutes=demo.minutes_ago)
    data = IncidentIn.model_validate(
        {**demo.incident, "occurred_at": learned - timedelta(minutes=10), "learned_at": learned}
    )
    reporter = _reporter(unit)
    incident = await service.create_incident(session=session, data=data, principal=reporter)
    for followup in demo.followups:
        report = ReportIn.model_validate({"kind": "followup", **followup})
        await service.add_report(
            session=session, incident_id=incident.id, data=report, principal=reporter
        )
    changes: list[dict[str, Any]] = [{"status": status} for status in demo.statuses]
    if demo.level:
        changes.append({"level": demo.level})
    for change in changes:
        await service.update_incident(
            session=session,
            incident_id=incident.id,
            patch=IncidentPatch.model_validate(change),
            principal=commander,
        )


async def load(session: AsyncSession) -> None:
    """Create the demo incidents that do not exist yet."""
    existing = set(
        (await session.scalars(select(Incident.title).where(Incident.created_by == ACTOR))).all()
    )
    commander = _commander(await get_unit(session, CITY))
    for demo in DEMO_INCIDENTS:
        if demo.incident["title"] not in existing:
            await _create(session, demo, commander)
