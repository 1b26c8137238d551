"""Background work every server process runs beside the requests."""

from __future__ import annotations

from starlette.applications import Starlette

from command.deadlines import engine
from realtime import service as realtime_service


async def start_background(app: Starlette) -> None:
    await realtime_service.start(app)
    if app.state.settings.engine_enabled:
        await engine.start(app)


async def stop_background(app: Starlette) -> None:
    await engine.stop(app)
    await realtime_service.stop(app)
