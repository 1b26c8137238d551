"""The current state of the 'deadlines' topic, sent to a screen that connects or cannot resume."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from command.config import Settings
from command.deadlines.queries import owed_in


async def deadlines(
    *, session: AsyncSession, unit_path: str, settings: Settings
) -> list[dict[str, Any]]:
    """Every obligation a screen of the subtree shows, in the API's shape, due soonest
    first: the pending ones (open incidents' clocks, and the final report a closed
    incident still owes) and the missed reports still owed (command/deadlines/present.py)."""
    return await owed_in(session, unit_path)
