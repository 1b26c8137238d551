"""The delivery log and acknowledgements: who was told what through which channel, and
who acknowledged it (which stops the obligation's ladder)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from command.auth.guard import subtree_root
from command.auth.service import Principal, name_subjects
from command.errors import NotFound
from command.events import record_event
from command.notify import escalations
from command.notify.deriver import cancel_after_acknowledgement
from command.notify.messages import LINK
from command.notify.models import Delivery
from command.notify.schemas import DeliveryOut, DeliveryQuery

TOPIC = "deadlines"


def _shown_address(delivery: Delivery) -> str:
    """Mail addresses as they are; a notification URL only by its scheme (it may hold a
    channel's secret, which no answer repeats)."""
    if delivery.channel == "email":
        return delivery.address
    return delivery.address.split("://", 1)[0] + "://…"


def delivery_view(delivery: Delivery) -> dict[str, Any]:
    return {
        "id": delivery.id,
        "event": delivery.event_id,
        "rule": delivery.rule,
        "channel": delivery.channel,
        "recipient": delivery.recipient,
        "address": _shown_address(delivery),
        "incident": delivery.incident_id,
        "obligation": delivery.obligation_id,
        "subject": delivery.subject,
        "body": delivery.body.replace(LINK, "…"),
        "state": delivery.state,
        "attempts": delivery.attempts,
        "sent_at": delivery.sent_at,
        "last_error": delivery.last_error,
        "acknowledged_at": delivery.acknowledged_at,
        "acknowledged_by": delivery.acknowledged_by,
        "created_at": delivery.created_at,
        "repeat": delivery.repeat,
    }


async def list_deliveries(
    session: AsyncSession, *, query: DeliveryQuery, principal: Principal
) -> list[dict[str, Any]]:
    root = await subtree_root(session, principal, query.unit)
    statement = select(Delivery).where(Delivery.unit_path.startswith(root.path, autoescape=True))
    if query.incident is not None:
        statement = statement.where(Delivery.incident_id == query.incident)
    if query.state is not None:
        statement = statement.where(Delivery.state == query.state)
    rows = await session.scalars(statement.order_by(Delivery.id.desc()).limit(query.limit))
    return await name_subjects(session, [delivery_view(d) for d in rows], "acknowledged_by")


async def acknowledge(
    session: AsyncSession,
    *,
    delivery_id: int,
    by: str | None,
    now: datetime,
    principal: Principal | None = None,
) -> dict[str, Any]:
    """Acknowledge a message (once; a repeat answers the first) and stop its obligation's
    ladder. `principal` and `by`: the caller signed in at the desk; None for the signed
    link, which records the recipient ("link:<recipient>")."""
    delivery = await session.scalar(
        select(Delivery).where(Delivery.id == delivery_id).with_for_update()
    )
    if delivery is None or (principal is not None and not principal.sees(delivery.unit_path)):
        raise NotFound("notification", delivery_id)
    if delivery.acknowledged_at is None:
        by = by or f"link:{delivery.recipient}"
        delivery.acknowledged_at, delivery.acknowledged_by = now, by
        await cancel_after_acknowledgement(session, delivery)
        await session.flush()
        record_event(
            session,
            topic=TOPIC,
            kind="notification.acknowledged",
            entity=f"notification:{delivery.id}",
            unit_path=delivery.unit_path,
            payload=DeliveryOut.model_validate(delivery_view(delivery)).model_dump(mode="json"),
            actor=by,
        )
        await escalations.record(session, "escalation.acknowledged", delivery, by)
    return delivery_view(delivery)
