"""Deliveries (one per event, rule, channel and address) and the cursor of the events
already turned into deliveries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from command.db import Base, BigId, UTCDateTime, utcnow

DELIVERY_STATES = ("pending", "sending", "sent", "parked", "cancelled")
CHANNELS = ("email", "apprise")


class Delivery(Base):
    """One message to one address through one channel, for one event and ladder rule.

    Written before anything is sent, under a unique key, so a crash between the two loses
    nothing and a second worker cannot write it twice; `sending` is a lease that a crashed
    sender's successor takes over once it expires."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    event_id: Mapped[int] = mapped_column(BigId, ForeignKey("events.id"))
    rule: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(1000))
    # Whom it is for (shown in the delivery log) and the unit whose subtree sees it.
    recipient: Mapped[str] = mapped_column(String(200))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    unit_path: Mapped[str] = mapped_column(String(512))
    incident_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    obligation_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    acknowledged_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # 0 for the first message; 1, 2 … for the repeats of a rule that repeats until
    # acknowledged, each its own row under the unique key.
    repeat: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    __table_args__ = (
        UniqueConstraint("event_id", "rule", "channel", "address", "repeat"),
        Index("ix_deliveries_state_next_attempt_at", "state", "next_attempt_at"),
        Index("ix_deliveries_obligation_id", "obligation_id"),
        Index("ix_deliveries_unit_path", "unit_path"),
    )


class NotifyCursor(Base):
    """The id of the last event the deriver has turned into deliveries."""

    __tablename__ = "notify_cursor"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    event_id: Mapped[int] = mapped_column(BigInteger)
