"""A busy day for the wall: many open incidents with long titles, several drills under way
at once (tests/test_pages_wall_room.py and docs/screenshot.py use it)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.browser_helpers import incident_body, unique
from tests.conftest import bearer
from tests.plans_fixtures import drill_body, issued_plan, plan_body

# Township codes of the demo city, so that the incidents spread over several counties.
TOWNSHIPS = ("231102001", "231102003", "231123002", "231102002")
LEVELS = ("I", "II", "III", "IV", None)
LONG_TITLE = "大风暴雪天气致使国道沿线多处输电线路中断、居民供暖受影响并有车辆滞留"


def busy_incident(index: int) -> dict[str, Any]:
    level = LEVELS[index % len(LEVELS)]
    title = unique(
        f"{LONG_TITLE} 第{index + 1}起" if index % 3 == 0 else f"居民楼火灾 第{index + 1}起"
    )
    body = incident_body(title, unit=TOWNSHIPS[index % len(TOWNSHIPS)], channel="phone")
    lon, lat = 127.35 + (index % 7) * 0.04, 50.15 + (index // 7) * 0.03
    body["geometry"] = {"type": "Point", "coordinates": [lon, lat]}
    if level is None:
        body.pop("level")
    else:
        body["level"] = level
    return body


async def open_incidents(base_url: str, token: str, n: int) -> list[dict[str, Any]]:
    created = []
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        for index in range(n):
            response = await client.post(
                "/api/incidents", json=busy_incident(index), headers=bearer(token)
            )
            assert response.status_code == 201, response.text
            created.append(response.json())
    return created


async def drills_under_way(base_url: str, token: str, n: int) -> list[dict[str, Any]]:
    """n drills beginning in a few seconds (the API books none in the past) and running for
    hours, each with a long title."""
    starts = (datetime.now(UTC) + timedelta(seconds=4)).replace(microsecond=0)
    drills = []
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        plan = await issued_plan(client, token, plan_body(title=unique("爱辉区综合应急预案")))
        for index in range(n):
            body = drill_body(
                plan["id"],
                title=unique(f"爱辉区第{index + 1}场跨部门森林草原火灾与危化品泄漏综合实战演练"),
                starts_at=starts.isoformat(),
                ends_at=(starts + timedelta(hours=3)).isoformat(),
                override_reason="多场演练同时进行",
            )
            response = await client.post("/api/drills", json=body, headers=bearer(token))
            assert response.status_code == 201, response.text
            drills.append(response.json())
    return drills
