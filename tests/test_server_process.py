"""A real server process over a real socket."""

from __future__ import annotations

import httpx

from tests.conftest import bearer


async def test_real_server_serves_the_demo_city(database_url, demo, start_server):
    server = start_server(database_url)
    async with httpx.AsyncClient(base_url=server.url) as client:
        health = await client.get("/api/health")
        unit = await client.get("/api/units/231100", headers=bearer(demo["display"]))
    assert health.json()["status"] == "ok"
    assert unit.status_code == 200 and unit.json()["name"] == "黑河市"
