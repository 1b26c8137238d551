"""Repeat until acknowledged: a ladder rule with `repeat_every` and `repeat_max` sends its
message again at that cadence until someone acknowledges it. Each repeat is derived from
the rows already there (the last message of each recipient and channel, when it was
written, whether anything about the same obligation was acknowledged, whether the
obligation is still owed), never from a timer in memory, and written as its own delivery
under the unique key with its repeat number: a crash or a second worker cannot send a
repeat twice or lose one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from command.db import Database
from command.events import Event
from command.notify import messages
from command.notify.deriver import insert_ignoring_duplicates
from command.notify.ladder import Ladder, Rule
from command.notify.models import Delivery

BATCH = 500
# A message that went out (or was parked trying): the next repeat follows it.
REPEATABLE = ("sent", "parked")
COPIED = (
    "event_id",
    "rule",
    "channel",
    "address",
    "recipient",
    "unit_id",
    "unit_path",
    "incident_id",
    "obligation_id",
    "body",
)


async def repeat_due(db: Database, ladder: Ladder, *, now: datetime) -> int:
    """Write the repeats that are due; the number written."""
    rules = ladder.repeating()
    if not rules:
        return 0
    async with db.write() as session:
        rows: list[dict[str, Any]] = []
        owed: dict[int, bool] = {}
        for rule in rules:
            for head in await _due_heads(session, rule, now):
                if head.obligation_id is not None and not await _still_owed(
                    session, head.obligation_id, owed
                ):
                    continue
                rows.append(_next(head, ladder.language, now))
        if rows:
            await session.execute(insert_ignoring_duplicates(session, Delivery, rows))
    return len(rows)


async def _due_heads(session: AsyncSession, rule: Rule, now: datetime) -> list[Delivery]:
    """The last message of each (event, address, channel) of the rule that went out at
    least a cadence ago, has repeats left, and about which nothing was acknowledged."""
    later, acked = aliased(Delivery), aliased(Delivery)
    newer_exists = exists().where(
        later.event_id == Delivery.event_id,
        later.rule == Delivery.rule,
        later.channel == Delivery.channel,
        later.address == Delivery.address,
        later.repeat > Delivery.repeat,
    )
    acknowledged = exists().where(
        acked.acknowledged_at.is_not(None),
        or_(
            and_(
                Delivery.obligation_id.is_not(None),
                acked.obligation_id == Delivery.obligation_id,
            ),
            and_(
                Delivery.obligation_id.is_(None),
                acked.event_id == Delivery.event_id,
                acked.rule == Delivery.rule,
            ),
        ),
    )
    query = (
        select(Delivery)
        .where(
            Delivery.rule == rule.name,
            Delivery.repeat < (rule.repeat_max or 0),
            Delivery.state.in_(REPEATABLE),
            Delivery.created_at <= now - rule.cadence,
            # Within the series' span: a message long past it (from before the rule
            # repeated, or from a worker down for hours) is not brought back.
            Delivery.created_at > now - rule.cadence * ((rule.repeat_max or 0) + 1),
            ~newer_exists,
            ~acknowledged,
        )
        .order_by(Delivery.id)
        .limit(BATCH)
    )
    return list(await session.scalars(query))


async def _still_owed(session: AsyncSession, obligation_id: int, seen: dict[int, bool]) -> bool:
    """Whether the obligation's latest event says it is still owed (a report that came in,
    or a withdrawn obligation, ends the repeats as an acknowledgement does)."""
    if obligation_id not in seen:
        payload = await session.scalar(
            select(Event.payload)
            .where(Event.entity == f"obligation:{obligation_id}")
            .order_by(Event.id.desc())
            .limit(1)
        )
        seen[obligation_id] = payload is None or payload.get("owed", True) is not False
    return seen[obligation_id]


def _next(head: Delivery, lang: str, now: datetime) -> dict[str, Any]:
    repeat = head.repeat + 1
    return {
        **{name: getattr(head, name) for name in COPIED},
        "subject": messages.repeat_subject(head.subject, repeat, lang)[:300],
        "repeat": repeat,
        "state": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "last_error": "",
        "created_at": now,
    }
