"""The current state of the 'incidents' topic, sent to a screen that connects or cannot resume."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from command.config import Settings
from command.incidents.service import incident_dict, open_incidents


async def incidents(
    *, session: AsyncSession, unit_path: str, settings: Settings
) -> list[dict[str, Any]]:
    """Open incidents of the subtree in the API shape (with their reports), newest first."""
    return [incident_dict(i) for i in await open_incidents(session=session, unit_path=unit_path)]
