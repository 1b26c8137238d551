"""The append-only event log: the audit trail and the source of every realtime message.

A service records an event in the same transaction as the change it describes; after the
commit, `Database.write()` hands the new rows to the publisher. Rows whose publication did
not happen (a crash between commit and publish) keep `published_at` empty and are
republished by the sweeper.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from command.db import Base, BigId, JsonType, UTCDateTime, utcnow

TOPICS = ("incidents", "deadlines", "drills", "plans", "units")


class Event(Base):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    topic: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(64), index=True)
    unit_path: Mapped[str] = mapped_column(String(512))
    payload: Mapped[dict[str, Any]] = mapped_column(JsonType)
    actor: Mapped[str] = mapped_column(String(128))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (Index("ix_events_unpublished", "published_at", "id"),)

    def message(self) -> dict[str, Any]:
        """The event as clients receive it (before the bus adds its cursor)."""
        return {
            "id": self.id,
            "topic": self.topic,
            "kind": self.kind,
            "entity": self.entity,
            "unit_path": self.unit_path,
            "payload": self.payload,
            "actor": self.actor,
            "at": self.at.isoformat(),
        }


async def record_event(
    session: AsyncSession,
    *,
    topic: str,
    kind: str,
    entity: str,
    unit_path: str,
    payload: dict[str, Any],
    actor: str,
) -> Event:
    """Append an event in the caller's transaction; it is published after the commit.

    The row is inserted at the transaction's next flush (at the latest its commit), with
    the other new rows of its table in one statement; its id is known from then on."""
    if topic not in TOPICS:
        raise ValueError(f"unknown event topic {topic!r}")
    row = Event(
        topic=topic,
        kind=kind,
        entity=entity,
        unit_path=unit_path,
        payload=payload,
        actor=actor,
        at=utcnow(),
    )
    session.add(row)
    session.info.setdefault("events", []).append(row)
    return row
