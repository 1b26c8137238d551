"""GET /api/health: is the database reachable and migrated, is the bus up? And what each
domain reports of itself (informing, never failing the check)."""

from __future__ import annotations

from sqlalchemy import text
from starlette.requests import Request

import command
from command.http import respond
from command.migrate import pending_migrations
from command.openapi import api


async def _database_status(request: Request) -> dict:
    db = request.app.state.db
    try:
        async with db.read() as session:
            await session.execute(text("SELECT 1"))
        pending = await pending_migrations(db.reader)
    except Exception as exc:
        return {"ok": False, "error": type(exc).__name__, "writes": db.writes.report()}
    writes = db.writes.report()
    return {
        "ok": not pending and writes["ok"],
        "backend": db.writer.dialect.name,
        "pending_migrations": sorted(pending),
        # A full disk or a read-only database: reads still answer, every write fails.
        "writes": writes,
    }


async def _domains_status(request: Request) -> dict:
    """What each domain reports of itself (e.g. whether mail can go out). It informs the
    operator; it never takes the service out of a load balancer."""
    found = {}
    for name, check in request.app.state.health_checks.items():
        try:
            found[name] = await check(request.app)
        except Exception as exc:
            found[name] = {"ok": False, "error": type(exc).__name__}
    return found


@api("Service health: database, migrations and event bus", tags=["ops"], public=True, errors=())
async def health(request: Request):
    database = await _database_status(request)
    try:
        bus = await request.app.state.bus.health()
    except Exception as exc:
        bus = {"ok": False, "error": type(exc).__name__}
    ok = database["ok"] and bus["ok"]
    body = {
        "status": "ok" if ok else "degraded",
        "version": command.__version__,
        "database": database,
        "bus": bus,
        "domains": await _domains_status(request),
    }
    return respond(body, status=200 if ok else 503)
