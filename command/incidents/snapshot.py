"""The current state of the 'incidents' topic, sent to a screen that connects or cannot resume."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from command.config import Settings
from command.domain import Partial
from command.incidents.queries import count_open_incidents
from command.incidents.service import open_incidents
from command.incidents.shapes import incident_event_dict


async def incidents(
    *, session: AsyncSession, unit_path: str, settings: Settings
) -> list[dict[str, Any]]:
    """Open incidents of the subtree as events carry them (with their reports; a big
    geometry as its outline), newest first; at most WATCHFLOOR_SNAPSHOT_LIMIT of them, and
    then it says how many more are open."""
    limit = settings.snapshot_limit
    found = await open_incidents(session=session, unit_path=unit_path, limit=limit)
    items = [incident_event_dict(i) for i in found]
    if len(found) < limit:
        return items
    total = await count_open_incidents(session=session, unit_path=unit_path)
    return Partial(items, more=total - len(items)) if total > len(items) else items
