"""What a change of an incident would do to its reporting obligations, before the officer
confirms it: the change is made in a rehearsal (a transaction always rolled back) through
the incident service itself, so the preview is exactly what the change would bring."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from command.auth.service import Principal
from command.deadlines.queries import for_incident
from command.incidents import service as incidents
from command.incidents.schemas import IncidentPatch


async def preview_change(
    session: AsyncSession, *, incident_id: int, patch: IncidentPatch, principal: Principal
) -> dict[str, Any]:
    """The incident as it would be and the obligations the change adds, withdraws or
    moves. `session` must be a rehearsal (Database.rehearse)."""
    before = {ob["id"]: ob for ob in await for_incident(session, incident_id)}
    incident = await incidents.update_incident(
        session=session, incident_id=incident_id, patch=patch, principal=principal
    )
    await session.flush()
    after = {ob["id"]: ob for ob in await for_incident(session, incident_id)}
    return {
        "incident": incidents.incident_dict(incident),
        "obligations": {
            "added": [ob for key, ob in after.items() if key not in before],
            "withdrawn": [ob for key, ob in before.items() if key not in after],
            "moved": [
                ob
                for key, ob in after.items()
                if key in before and ob["due_at"] != before[key]["due_at"]
            ],
        },
    }
