"""Realtime background work per server process: bus reader, fan-out, sweeper."""

from __future__ import annotations

from starlette.applications import Starlette


async def start(app: Starlette) -> None:
    return None


async def stop(app: Starlette) -> None:
    return None
