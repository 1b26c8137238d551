"""Demo drills around the moment of loading, scheduled through the drill service."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from command.auth.service import Principal
from command.units.models import Unit
from plans.clock import Clock
from plans.drill_schemas import DrillIn, DrillPatch, EvaluationIn
from plans.drills import schedule_drill, update_drill
from plans.evaluation import evaluate_drill
from plans.models import Plan

CITY = "231100"


def _local(clock: Clock, days: int, hour: int, minute: int = 0) -> datetime:
    day = clock.today + timedelta(days=days)
    return datetime.combine(day, time(hour, minute), tzinfo=clock.zone)


def _polygon(lon: float, lat: float, size: float) -> dict[str, Any]:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def _specs(clock: Clock) -> list[dict[str, Any]]:
    now = clock.now.replace(second=0, microsecond=0)
    return [
        {"title": "黑河市森林草原火灾综合应急演练", "form": "live", "scope": "comprehensive",
         "purpose": "test", "organizer": f"{CITY}.ZH02",
         "units": ["231102", "231102003", f"{CITY}.BM02", f"{CITY}.BM10"],
         "plans": ["黑河市森林草原防灭火应急预案", "爱辉区森林草原防灭火应急预案"],
         "starts_at": now - timedelta(hours=1), "ends_at": now + timedelta(hours=2),
         "location": _polygon(127.40, 50.02, 0.08), "_then": "in_progress"},
        {"title": "防汛抗旱指挥部桌面推演", "form": "tabletop", "scope": "single",
         "purpose": "test", "organizer": f"{CITY}.ZH01", "units": [f"{CITY}.BM05", f"{CITY}.BM08"],
         "plans": ["黑河市防汛抗旱应急预案"], "starts_at": now + timedelta(minutes=90),
         "ends_at": now + timedelta(minutes=210),
         "location": {"type": "Point", "coordinates": [127.4990, 50.2450]}},
        {"title": "嫩江市危险化学品事故实战演练", "form": "live", "scope": "single",
         "purpose": "test", "organizer": "231183",
         "units": ["231183.YJB", "231183003", "231183.E01"],
         "plans": ["嫩江市危险化学品事故应急预案", "多宝山铜业有限公司综合应急预案"],
         "starts_at": _local(clock, 1, 9), "ends_at": _local(clock, 1, 12),
         "location": {"type": "Point", "coordinates": [125.8462, 50.2561]}},
        {"title": "北安市校园地震应急疏散演练", "form": "live", "scope": "single",
         "purpose": "demo", "organizer": "231181", "units": ["231181.S01"],
         "plans": ["北安市地震应急预案", "北安市第一中学综合应急预案"],
         "starts_at": _local(clock, 2, 10), "ends_at": _local(clock, 2, 11, 30),
         "location": {"type": "Point", "coordinates": [126.5081, 48.2395]}},
        {"title": "爱辉区防汛值班桌面推演（每周）", "form": "tabletop", "scope": "single",
         "purpose": "research", "organizer": "231102", "units": ["231102.YJB"],
         "plans": ["爱辉区防汛抗旱应急预案"], "starts_at": _local(clock, 1, 14),
         "ends_at": _local(clock, 1, 16), "rrule": "FREQ=WEEKLY;COUNT=10"},
        {"title": "孙吴县热电公司停电事故演练", "form": "live", "scope": "single",
         "purpose": "test", "organizer": "231124", "units": ["231124.E01"],
         "plans": ["孙吴县大面积停电事件应急预案"], "starts_at": _local(clock, 3, 9),
         "ends_at": _local(clock, 3, 11), "_then": "postponed",
         "_reason": "热电机组检修，择期举行"},
        {"title": "黑河市大面积停电事件应急演练", "form": "tabletop", "scope": "comprehensive",
         "purpose": "test", "organizer": f"{CITY}.ZH09", "units": [f"{CITY}.BM06"],
         "plans": ["黑河市大面积停电事件应急预案"], "starts_at": _local(clock, -30, 9),
         "ends_at": _local(clock, -30, 12), "status": "completed", "_evaluate": True},
    ]  # fmt: skip


EVALUATION = {
    "execution": {"rating": "good", "notes": "按脚本完成全部科目"},
    "plan_soundness": {"rating": "adequate", "notes": "医院等重要用户保障顺序不明确"},
    "command_coordination": {"rating": "adequate", "notes": "电力与通信部门信息共享滞后"},
    "responders": {"rating": "good"},
    "equipment": {"rating": "poor", "notes": "应急发电车数量不足"},
    "suggestions": "补充重要用户保障清单，增配应急发电车。",
}


async def _follow_up(session, drill, spec, principal: Principal, clock: Clock) -> None:
    if "_then" in spec:
        patch = DrillPatch(status=spec["_then"], reason=spec.get("_reason"))
        await update_drill(session, drill=drill, data=patch, principal=principal, clock=clock)
    if spec.get("_evaluate"):
        finding = {
            "item": "plan_soundness",
            "text": "预案未明确重要用户恢复供电顺序",
            "plan": spec["_plan_ids"][0],
            "revise": True,
        }
        data = EvaluationIn.model_validate({**EVALUATION, "findings": [finding]})
        await evaluate_drill(session, drill=drill, data=data, principal=principal, clock=clock)


async def load_drills(
    session: AsyncSession,
    *,
    plans: dict[str, Plan],
    units: dict[str, Unit],
    clock: Clock,
    actor: str,
) -> None:
    city = units[CITY]
    principal = Principal.of(city, role="admin", subject=actor, name="demo")
    for spec in _specs(clock):
        spec["_plan_ids"] = [plans[title].id for title in spec["plans"]]
        fields = {k: v for k, v in spec.items() if not k.startswith("_")}
        data = DrillIn.model_validate({**fields, "plans": spec["_plan_ids"]})
        # The drill already under way was booked before it began: schedule it as then.
        booked_at = replace(clock, now=data.starts_at - timedelta(hours=2))
        scheduling_clock = booked_at if spec.get("_then") == "in_progress" else clock
        drill = await schedule_drill(
            session, data=data, principal=principal, clock=scheduling_clock
        )
        await _follow_up(session, drill, spec, principal, clock)
