"""Background tasks every server process runs beside the requests (engine, bus reader)."""

from __future__ import annotations

from starlette.applications import Starlette


async def start_background(app: Starlette) -> None:
    app.state.background = []


async def stop_background(app: Starlette) -> None:
    for task in getattr(app.state, "background", []):
        task.cancel()
