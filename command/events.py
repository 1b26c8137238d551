"""The append-only event log: the audit trail and the source of every realtime message.

A service records an event in the same transaction as the change it describes. The events
of a transaction are inserted together, in one batched statement, just before it commits;
after the commit `Database.write()` hands them to the publisher. Rows whose publication
did not happen (a crash between commit and publish) keep `published_at` empty and are
republished by the sweeper.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from command.db import Base, BigId, JsonType, UTCDateTime, insert_ids, utcnow

# Credentials revoked; never sent to screens, it tells every process to drop them.
ACCESS = "access"
# Every topic an event may carry: the core's, and each domain's (command.domain.Topic
# declares its own when the domain is declared).
TOPICS: set[str] = {"units", ACCESS}


def declare_topic(name: str) -> None:
    TOPICS.add(name)


PENDING = "events.pending"
RECORDED = "events"


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
    # Further subtrees the event concerns besides unit_path's (an early warning covering
    # units of several counties): screens of any of them receive it. None for most events.
    reach: Mapped[list[str] | None] = mapped_column(JsonType, nullable=True)

    __table_args__ = (Index("ix_events_unpublished", "published_at", "id"),)

    def message(self) -> dict[str, Any]:
        """The event as clients receive it (before the bus adds its cursor)."""
        message = {
            "id": self.id,
            "topic": self.topic,
            "kind": self.kind,
            "entity": self.entity,
            "unit_path": self.unit_path,
            "payload": self.payload,
            "actor": self.actor,
            "at": self.at.isoformat(),
        }
        if self.reach:
            message["reach"] = self.reach
        return message


@dataclass(slots=True)
class RecordedEvent:
    """An event inserted by this process: what the publisher needs (`id`, `message()`)
    without an ORM object per row; `message` is Event's own, so the shape is one."""

    id: int
    topic: str
    kind: str
    entity: str
    unit_path: str
    payload: dict[str, Any]
    actor: str
    at: datetime
    reach: list[str] | None = None

    message = Event.message


def record_event(
    session: Any,
    *,
    topic: str,
    kind: str,
    entity: str,
    unit_path: str,
    payload: dict[str, Any],
    actor: str,
    at: datetime | None = None,
    reach: list[str] | None = None,
) -> None:
    """Append an event to the caller's transaction (an AsyncSession or a Session).

    `reach`: unit paths of further subtrees the event concerns (see Event.reach); only the
    deepest are kept, since a screen above one of them sees it through that one."""
    if topic not in TOPICS:
        raise ValueError(f"unknown event topic {topic!r}")
    row = {
        "topic": topic,
        "kind": kind,
        "entity": entity,
        "unit_path": unit_path,
        "payload": payload,
        "actor": actor,
        "at": at or utcnow(),
        "reach": deepest(reach) if reach else None,
    }
    session.info.setdefault(PENDING, []).append(row)


def deepest(paths: list[str]) -> list[str]:
    """The paths none of whose descendants is in the list, sorted."""
    unique = sorted(set(paths))
    return [
        path
        for n, path in enumerate(unique)
        if not (n + 1 < len(unique) and unique[n + 1].startswith(path))
    ]


@event.listens_for(Session, "before_commit")
def _insert_pending(session: Session) -> None:
    pending = session.info.pop(PENDING, None)
    if not pending:
        return
    ids = insert_ids(session, Event.__table__, pending)
    recorded = [RecordedEvent(id, **row) for id, row in zip(ids, pending, strict=True)]
    session.info.setdefault(RECORDED, []).extend(recorded)
