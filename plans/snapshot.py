"""The current state of the 'plans' and 'drills' topics, for screens that connect."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession


async def plans(*, session: AsyncSession, unit_path: str) -> list[dict[str, Any]]:
    return []


async def drills(*, session: AsyncSession, unit_path: str) -> list[dict[str, Any]]:
    return []
