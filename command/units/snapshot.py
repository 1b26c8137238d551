"""The current state of the 'units' topic: where the map draws each unit."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from command.config import Settings
from command.units.models import Unit
from command.units.service import to_out


async def units(
    *, session: AsyncSession, unit_path: str, settings: Settings
) -> list[dict[str, Any]]:
    """The organization tree under `unit_path`."""
    rows = await session.scalars(
        select(Unit).where(Unit.path.startswith(unit_path, autoescape=True)).order_by(Unit.path)
    )
    return [to_out(unit).model_dump() for unit in rows]
