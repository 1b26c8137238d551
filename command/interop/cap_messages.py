"""The CAP messages an incident has sent, derived from its events.

Every incident event carries the incident as it stood after the change. The first event
is the Alert; each later event that changes what a CAP message shows (cap_rules.
MESSAGE_FACTS) is an Update, and closing the incident is the Cancel, after which the
alert is final. A message is named after the event that caused it, so its identifier,
sent time and content never change once the event is written, and every later message
references all earlier ones.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, func, literal, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession

from command.events import Event
from command.incidents.models import Incident
from command.incidents.service import entity_key
from command.incidents.shapes import bounded, incident_fields
from command.interop import cap_rules

TOPIC = "incidents"


@dataclass(frozen=True)
class Message:
    identifier: str
    sent: datetime
    msg_type: str
    incident: dict[str, Any]
    event_id: int


def _facts(snapshot: dict[str, Any]) -> dict[str, Any]:
    return {name: snapshot.get(name) for name in cap_rules.MESSAGE_FACTS}


def _message(incident_id: int, event_id: int, at: datetime, kind: str, snapshot: dict) -> Message:
    identifier = cap_rules.IDENTIFIER.format(incident=incident_id, event=event_id)
    return Message(identifier, at, kind, snapshot, event_id)


def messages_from(incident_id: int, events: Iterable[Any]) -> list[Message]:
    """The messages of one incident from its events (rows with `id`, `at` and `payload`),
    oldest first."""
    messages: list[Message] = []
    for event in events:
        snapshot = event.payload.get("incident")
        if not isinstance(snapshot, dict):
            continue
        if messages and (
            messages[-1].msg_type == "Cancel" or _facts(snapshot) == _facts(messages[-1].incident)
        ):
            continue
        if not messages:
            kind = "Alert"
        elif snapshot.get("status") == cap_rules.CLOSED:
            kind = "Cancel"
        else:
            kind = "Update"
        messages.append(_message(incident_id, event.id, event.at, kind, snapshot))
    return messages


def fallback(incident: Incident) -> Message:
    """The one message of an incident whose events are missing (e.g. imported rows)."""
    kind = "Cancel" if incident.status == cap_rules.CLOSED else "Alert"
    fields = bounded(incident_fields(incident), incident)
    return _message(incident.id, 0, incident.received_at, kind, fields)


@dataclass(frozen=True)
class _Change:
    """What a message needs of an incident event: the incident as it then stood."""

    id: int
    entity: str
    at: datetime
    payload: dict[str, Any]


def _incident_without_reports(dialect: str) -> Any:
    """The event's incident snapshot, its report chain left in the database: no message
    shows the reports, and decoding them was most of a busy city's CAP feed (a closed
    incident's every event carries its whole chain)."""
    if dialect == "postgresql":
        return Event.payload["incident"].op("-")(literal("reports", String))
    extracted = func.json_extract(Event.payload, "$.incident")
    return type_coerce(func.json_remove(extracted, "$.reports"), JSON)


async def _events(session: AsyncSession, incident_ids: Sequence[int]) -> dict[int, list[_Change]]:
    keys = {entity_key(incident_id): incident_id for incident_id in incident_ids}
    snapshot = _incident_without_reports(session.bind.dialect.name)
    query = (
        select(Event.id, Event.entity, Event.at, snapshot)
        .where(Event.topic == TOPIC, Event.entity.in_(list(keys)))
        .order_by(Event.id)
    )
    found: dict[int, list[_Change]] = defaultdict(list)
    for event_id, entity, at, incident in (await session.execute(query)).all():
        payload = {"incident": incident} if incident is not None else {}
        found[keys[entity]].append(_Change(event_id, entity, at, payload))
    return found


async def histories(
    session: AsyncSession, incidents: Sequence[Incident]
) -> dict[int, list[Message]]:
    """The messages of each incident (at least one each), in one query."""
    events = await _events(session, [incident.id for incident in incidents])
    return {
        incident.id: messages_from(incident.id, events.get(incident.id, [])) or [fallback(incident)]
        for incident in incidents
    }
