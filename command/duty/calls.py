"""The call register (来电来文登记): every call or document the duty office receives,
recorded with what it said, whom the caller had already told and who recorded it. A call
that reports an incident logs it through the incident service in the same transaction."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from command.auth.guard import subtree_root
from command.auth.service import Principal
from command.db import utcnow
from command.duty.models import Call
from command.duty.schemas import CallIn, CallQuery
from command.errors import Invalid
from command.events import record_event
from command.incidents import service as incidents
from command.incidents.shapes import unit_code as code_of_path

TOPIC = "duty"


async def register(
    session: AsyncSession,
    *,
    data: CallIn,
    principal: Principal,
    now: datetime,
    clock_skew: timedelta,
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Record the call at the caller's duty office; with `incident`, log that incident too."""
    received_at = data.received_at or now
    if received_at > now + clock_skew:
        raise Invalid("received_at", "lies in the future")
    incident = None
    if data.incident is not None:
        incident = await incidents.create_incident(
            session=session, data=data.incident, principal=principal, clock_skew=clock_skew
        )
    call = Call(
        unit_id=principal.unit_id,
        unit_path=principal.unit_path,
        received_at=received_at,
        channel=data.channel,
        caller_name=data.caller_name,
        caller_phone=data.caller_phone,
        caller_unit=data.caller_unit,
        place=data.place,
        content=data.content,
        actions=data.actions,
        told=data.told,
        incident_id=incident.id if incident is not None else None,
        recorded_by=principal.subject,
        recorded_at=now,
    )
    session.add(call)
    await session.flush()
    view = call_view(call, principal.unit_code)
    record_event(
        session,
        topic=TOPIC,
        kind="call.registered",
        entity=f"call:{call.id}",
        unit_path=call.unit_path,
        payload=view,
        actor=principal.subject,
    )
    return view, incidents.incident_dict(incident) if incident is not None else None


async def list_calls(
    session: AsyncSession, *, query: CallQuery, principal: Principal
) -> list[dict[str, Any]]:
    """The register of the subtree's duty offices, newest first."""
    root = await subtree_root(session, principal, query.unit)
    statement = select(Call).where(Call.unit_path.startswith(root.path, autoescape=True))
    if query.since is not None:
        statement = statement.where(Call.received_at >= query.since)
    if query.until is not None:
        statement = statement.where(Call.received_at < query.until)
    rows = await session.scalars(
        statement.order_by(Call.received_at.desc(), Call.id.desc()).limit(query.limit)
    )
    return [call_view(call, code_of_path(call.unit_path)) for call in rows]


def call_view(call: Call, unit_code: str) -> dict[str, Any]:
    return {
        "id": call.id,
        "unit": unit_code,
        "received_at": call.received_at.isoformat(),
        "channel": call.channel,
        "caller_name": call.caller_name,
        "caller_phone": call.caller_phone,
        "caller_unit": call.caller_unit,
        "place": call.place,
        "content": call.content,
        "actions": call.actions,
        "told": call.told,
        "incident": call.incident_id,
        "recorded_by": call.recorded_by,
        "recorded_at": call.recorded_at.isoformat(),
    }


async def today(*, session: AsyncSession, unit_path: str, **_context: Any) -> list[dict[str, Any]]:
    """The 'duty' topic's snapshot: the subtree's calls of the last 24 hours."""
    since = utcnow() - timedelta(hours=24)
    rows = await session.scalars(
        select(Call)
        .where(Call.unit_path.startswith(unit_path, autoescape=True), Call.received_at >= since)
        .order_by(Call.received_at.desc(), Call.id.desc())
        .limit(500)
    )
    return [call_view(call, code_of_path(call.unit_path)) for call in rows]
