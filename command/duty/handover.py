"""交接班: the outgoing officer hands the duty over with a note and what the system lists as
still open — incidents, obligations falling due before the next shift ends, leaders'
instructions not yet done, early warnings nobody has acted on — and the incoming officer
accepts it. The list is frozen into the handover as it was handed."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from command.auth.guard import subtree_root
from command.auth.service import Principal, name_subjects
from command.deadlines.queries import owed_in
from command.desk.instructions import open_concerning
from command.duty.models import Handover
from command.duty.roster import current_and_next
from command.duty.schemas import HandoverIn
from command.errors import Conflict, NotFound
from command.events import record_event
from command.incidents.queries import open_incidents
from command.incidents.shapes import unit_code as code_of_path
from command.interop.early_warnings import list_warnings, summary
from command.interop.schemas import WarningFilters
from command.units.models import Unit

TOPIC = "duty"
# Without a next shift on the roster, what falls due within this long is listed.
HORIZON = timedelta(hours=24)


async def hand_over(
    session: AsyncSession, *, data: HandoverIn, principal: Principal, now: datetime
) -> dict[str, Any]:
    unit = await subtree_root(session, principal, data.unit, field="unit")
    current, following = await current_and_next(session, unit.id, now)
    until = following.ends_at if following is not None else now + HORIZON
    handover = Handover(
        unit_id=unit.id,
        unit_path=unit.path,
        from_shift_id=current.id if current is not None else None,
        to_shift_id=following.id if following is not None else None,
        note=data.note,
        open_items=await open_items(session, unit, until=until, now=now),
        handed_by=principal.subject,
        handed_at=now,
    )
    session.add(handover)
    await session.flush()
    view = handover_view(handover, unit.code)
    _record(session, "handover.given", handover, view, principal.subject)
    return view


async def open_items(
    session: AsyncSession, unit: Unit, *, until: datetime, now: datetime
) -> dict[str, Any]:
    incidents = await open_incidents(session=session, unit_path=unit.path)
    owed = await owed_in(session, unit.path)
    warnings, _ = await list_warnings(
        session=session,
        filters=WarningFilters(state=["active"], current=True, limit=100),
        root_path=unit.path,
    )
    return {
        "incidents": [
            {"id": i.id, "title": i.title, "level": i.level, "status": i.status} for i in incidents
        ],
        "obligations": [ob for ob in owed if datetime.fromisoformat(ob["due_at"]) <= until],
        "instructions": [
            {
                "id": i["id"],
                "incident": i["incident"],
                "by": i["by"],
                "text": i["text"],
                "due_at": i["due_at"].isoformat() if i["due_at"] else None,
            }
            for i in await open_concerning(session, unit.path, now)
        ],
        "warnings": [summary(w) for w in warnings if not w.incidents],
    }


async def accept(
    session: AsyncSession, *, handover_id: int, principal: Principal, now: datetime
) -> dict[str, Any]:
    """The incoming officer accepts; the officer who handed over cannot, nor can anyone
    twice."""
    handover = await session.scalar(
        select(Handover).where(Handover.id == handover_id).with_for_update()
    )
    if handover is None or not principal.sees(handover.unit_path):
        raise NotFound("handover", handover_id)
    if handover.accepted_at is not None:
        raise Conflict(
            f"handover {handover_id} was accepted by {handover.accepted_by} "
            f"at {handover.accepted_at.isoformat()}"
        )
    if handover.handed_by == principal.subject:
        raise Conflict("the officer who handed over cannot accept the handover too")
    handover.accepted_by, handover.accepted_at = principal.subject, now
    await session.flush()
    view = handover_view(handover, code_of_path(handover.unit_path))
    _record(session, "handover.accepted", handover, view, principal.subject)
    return view


async def list_handovers(
    session: AsyncSession, *, unit_code: str | None, principal: Principal, limit: int = 50
) -> list[dict[str, Any]]:
    unit = await subtree_root(session, principal, unit_code)
    rows = await session.scalars(
        select(Handover)
        .where(Handover.unit_path.startswith(unit.path, autoescape=True))
        .order_by(Handover.handed_at.desc(), Handover.id.desc())
        .limit(limit)
    )
    views = [handover_view(h, code_of_path(h.unit_path)) for h in rows]
    return await name_subjects(session, views, "handed_by", "accepted_by")


def handover_view(handover: Handover, unit_code: str) -> dict[str, Any]:
    return {
        "id": handover.id,
        "unit": unit_code,
        "from_shift": handover.from_shift_id,
        "to_shift": handover.to_shift_id,
        "note": handover.note,
        "open_items": handover.open_items,
        "handed_by": handover.handed_by,
        "handed_at": handover.handed_at.isoformat(),
        "accepted_by": handover.accepted_by,
        "accepted_at": handover.accepted_at.isoformat() if handover.accepted_at else None,
    }


def _record(
    session: AsyncSession, kind: str, handover: Handover, view: dict[str, Any], actor: str
) -> None:
    record_event(
        session,
        topic=TOPIC,
        kind=kind,
        entity=f"handover:{handover.id}",
        unit_path=handover.unit_path,
        payload=view,
        actor=actor,
    )
