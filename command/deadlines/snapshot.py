"""The current state of the 'deadlines' topic, sent to a screen that connects or cannot resume."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession


async def deadlines(*, session: AsyncSession, unit_path: str) -> list[dict[str, Any]]:
    return []
