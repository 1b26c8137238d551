"""What the owing unit may know of its escalation: whether a message about one of its
obligations actually reached the unit it owes (the superior's contacts, officers or
leader on duty: a delivery sent), and whether someone there acknowledged one, who and
when. The field report page reads it (topic `escalations`) and says only what happened:
a clock past its due time with no message sent says just that.

Each escalation message sent and each acknowledgement of one writes an event on the
topic under the owing unit's path (so the owing unit's screens receive it), in the same
transaction as the delivery's new state."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from command.auth.service import subject_names
from command.deadlines.models import Obligation
from command.deadlines.queries import owed_in
from command.events import record_event
from command.notify.models import Delivery

TOPIC = "escalations"
LINK_PREFIX = "link:"


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


async def summaries(session: AsyncSession, obligation_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Per obligation with any message sent to (or acknowledged at) its superior: when the
    first went out, how many, and the first acknowledgement there (who, when)."""
    if not obligation_ids:
        return {}
    to_superior = (
        select(Delivery, Obligation)
        .join(Obligation, Obligation.id == Delivery.obligation_id)
        .where(Delivery.obligation_id.in_(obligation_ids))
        .where(Delivery.unit_id == Obligation.to_unit_id)
        .where(Delivery.state == "sent")
        .order_by(Delivery.sent_at, Delivery.id)
    )
    found: dict[int, dict[str, Any]] = {}
    acks: dict[int, Delivery] = {}
    for delivery, obligation in (await session.execute(to_superior)).all():
        summary = found.setdefault(
            obligation.id,
            {
                "obligation": obligation.id,
                "incident": obligation.incident_id,
                "escalated_at": _iso(delivery.sent_at),
                "messages": 0,
                "acknowledged_at": None,
                "acknowledged_by": None,
            },
        )
        summary["messages"] += 1
        first = acks.get(obligation.id)
        if delivery.acknowledged_at is not None and (
            first is None or delivery.acknowledged_at < first.acknowledged_at
        ):
            acks[obligation.id] = delivery
    names = await subject_names(session, {d.acknowledged_by or "" for d in acks.values()})
    for obligation_id, delivery in acks.items():
        by = delivery.acknowledged_by or ""
        found[obligation_id]["acknowledged_at"] = _iso(delivery.acknowledged_at)
        found[obligation_id]["acknowledged_by"] = (
            by.removeprefix(LINK_PREFIX) if by.startswith(LINK_PREFIX) else names.get(by, "")
        )
    return found


async def snapshot(*, session: AsyncSession, unit_path: str, **_context: Any) -> list[dict]:
    """The escalations of the obligations the subtree still owes."""
    owed = [view["id"] for view in await owed_in(session, unit_path)]
    found = await summaries(session, owed)
    return [found[i] for i in owed if i in found]


async def is_to_superior(session: AsyncSession, delivery: Delivery) -> Obligation | None:
    """The obligation when `delivery` is a message to the unit it is owed to."""
    if delivery.obligation_id is None:
        return None
    obligation = await session.get(Obligation, delivery.obligation_id)
    if obligation is None or delivery.unit_id != obligation.to_unit_id:
        return None
    return obligation


async def record(session: AsyncSession, kind: str, delivery: Delivery, actor: str) -> None:
    """After `delivery` was sent or acknowledged: the obligation's escalation as it stands
    now, to the owing unit's screens (nothing for a message to anyone else)."""
    obligation = await is_to_superior(session, delivery)
    if obligation is None:
        return
    summary = (await summaries(session, [obligation.id])).get(obligation.id)
    if summary is None:
        return
    record_event(
        session,
        topic=TOPIC,
        kind=kind,
        entity=f"obligation:{obligation.id}",
        unit_path=obligation.unit_path,
        payload=summary,
        actor=actor,
    )
