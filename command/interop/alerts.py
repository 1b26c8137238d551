"""Our CAP alerts: an incident's current (or an earlier) message, and the current alerts of
a subtree for the Atom feed. Reads only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from lxml import etree
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from command.auth.guard import ensure_sees
from command.auth.service import Principal
from command.errors import NotFound
from command.incidents.models import Incident
from command.incidents.queries import OPEN_STATUSES
from command.incidents.service import get_incident
from command.interop import cap, cap_rules
from command.interop.cap_messages import Message, histories
from command.units.models import Unit


@dataclass(frozen=True)
class Alert:
    """An incident's message ready to render: the message, what it references, where."""

    incident_id: int
    message: Message
    earlier: list[Message]
    place: cap.Place

    def element(self, zone: tzinfo, sender: str) -> etree._Element:
        return cap.render(self.message, self.earlier, self.place, zone, sender)


def _path_codes(unit_path: str) -> list[str]:
    return unit_path.strip("/").split("/")


async def places(session: AsyncSession, unit_paths: set[str]) -> dict[str, cap.Place]:
    """The CAP place of each unit path: its unit's names and nearest area's division code."""
    codes = {code for path in unit_paths for code in _path_codes(path)}
    units = {u.code: u for u in await session.scalars(select(Unit).where(Unit.code.in_(codes)))}
    found = {}
    for path in unit_paths:
        chain = [units[code] for code in _path_codes(path) if code in units]
        areas = [unit.code for unit in chain if unit.kind == "area"]
        unit = chain[-1]
        found[path] = cap.Place(unit.name, unit.name_en, areas[-1] if areas else unit.code)
    return found


def _pick(messages: list[Message], event_id: int | None, incident_id: int) -> int:
    if event_id is None:
        return len(messages) - 1
    for index, message in enumerate(messages):
        if message.event_id == event_id:
            return index
    message = f"incident {incident_id} sent no CAP message for event {event_id}"
    raise NotFound("CAP message of event", event_id, message=message)


async def incident_alert(
    *, session: AsyncSession, incident_id: int, principal: Principal, event_id: int | None
) -> Alert:
    """The incident's latest CAP message, or the one caused by event `event_id`."""
    incident = await get_incident(session=session, incident_id=incident_id)
    ensure_sees(principal, incident.unit_path, f"incident {incident_id}")
    messages = (await histories(session, [incident]))[incident.id]
    index = _pick(messages, event_id, incident_id)
    place = (await places(session, {incident.unit_path}))[incident.unit_path]
    return Alert(incident.id, messages[index], messages[:index], place)


async def current_alerts(
    *, session: AsyncSession, root: Unit, now: datetime, exercise: bool | None
) -> list[Alert]:
    """Open incidents under `root`, and those closed within CANCEL_RETENTION (so that
    subscribers receive the Cancel), most recently changed first."""
    query = (
        select(Incident)
        .where(Incident.unit_path.startswith(root.path, autoescape=True))
        .where(
            or_(
                Incident.status.in_(OPEN_STATUSES),
                Incident.closed_at >= now - cap_rules.CANCEL_RETENTION,
            )
        )
        .order_by(Incident.updated_at.desc(), Incident.id.desc())
        .limit(cap_rules.FEED_LIMIT)
    )
    if exercise is not None:
        query = query.where(Incident.exercise.is_(exercise))
    incidents = list((await session.scalars(query)).all())
    messages = await histories(session, incidents)
    where = await places(session, {incident.unit_path for incident in incidents})
    return [
        Alert(i.id, messages[i.id][-1], messages[i.id][:-1], where[i.unit_path]) for i in incidents
    ]
