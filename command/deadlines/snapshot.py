"""The current state of the 'deadlines' topic, sent to a screen that connects or cannot resume."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from command.deadlines.queries import pending_in


async def deadlines(*, session: AsyncSession, unit_path: str) -> list[dict[str, Any]]:
    """The pending obligations of units in the subtree (open incidents' clocks, and the
    final report a closed incident still owes), in the API's shape."""
    return await pending_in(session, unit_path)
