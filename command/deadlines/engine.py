"""The deadline engine's worker loop, one per server process."""

from __future__ import annotations

from starlette.applications import Starlette


async def start(app: Starlette) -> None:
    return None


async def stop(app: Starlette) -> None:
    return None
