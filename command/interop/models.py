"""Early warnings (预警): CAP alerts received from other agencies, and the units they cover.

One row per CAP message, unique by (sender, identifier), so a message posted twice is
recorded once. An Update or Cancel from the same sender marks the rows it references
superseded or cancelled. A warning whose area covers no unit is kept, with `linked` false,
for a commander to see and place.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from command.db import Base, BigId, JsonType, UTCDateTime, utcnow
from command.units.models import Unit

STATES = ("active", "superseded", "cancelled")
MATCHES = ("area", "geocode")


class EarlyWarning(Base):
    __tablename__ = "warnings"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    sender: Mapped[str] = mapped_column(String(255))
    identifier: Mapped[str] = mapped_column(String(255))
    sent: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16))
    msg_type: Mapped[str] = mapped_column(String(16))
    scope: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    # [{"sender", "identifier", "sent"}] as the message listed them.
    refs: Mapped[list[dict[str, str]]] = mapped_column(JsonType, default=list)
    incidents: Mapped[str] = mapped_column(Text, default="")
    # From the preferred info block (Chinese first); `languages` lists all blocks.
    language: Mapped[str] = mapped_column(String(35), default="")
    languages: Mapped[list[str]] = mapped_column(JsonType, default=list)
    event: Mapped[str] = mapped_column(Text, default="")
    cap_categories: Mapped[list[str]] = mapped_column(JsonType, default=list)
    urgency: Mapped[str] = mapped_column(String(16), default="")
    severity: Mapped[str] = mapped_column(String(16), default="")
    certainty: Mapped[str] = mapped_column(String(16), default="")
    event_codes: Mapped[list[dict[str, str]]] = mapped_column(JsonType, default=list)
    parameters: Mapped[list[dict[str, str]]] = mapped_column(JsonType, default=list)
    # The incident category and level the CAP fields map to (cap_rules), null if none.
    category: Mapped[str | None] = mapped_column(String(16), nullable=True)
    level: Mapped[str | None] = mapped_column(String(4), nullable=True)
    sender_name: Mapped[str] = mapped_column(Text, default="")
    headline: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    instruction: Mapped[str] = mapped_column(Text, default="")
    effective: Mapped[datetime] = mapped_column(UTCDateTime)
    onset: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    expires: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # [{"description", "polygons": [GeoJSON rings], "circles": [{"lon","lat","radius_km"}],
    #   "geocodes": [{"name", "value"}]}] from every info block, without repeats.
    areas: Mapped[list[dict[str, Any]]] = mapped_column(JsonType, default=list)
    state: Mapped[str] = mapped_column(String(16), default="active")
    replaced_by_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("warnings.id"), nullable=True
    )
    linked: Mapped[bool] = mapped_column(Boolean, default=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    received_by: Mapped[str] = mapped_column(String(128))
    # The importing unit's path: its subtree sees the warning even when nothing is linked.
    receiver_path: Mapped[str] = mapped_column(String(512))
    incident_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("incidents.id"), nullable=True
    )
    digest: Mapped[str] = mapped_column(String(64))
    document: Mapped[str] = mapped_column(Text)

    units: Mapped[list[WarningUnit]] = relationship(
        back_populates="warning", order_by="WarningUnit.unit_path", lazy="raise"
    )

    __table_args__ = (
        UniqueConstraint("sender", "identifier"),
        Index("ix_warnings_receiver_path", "receiver_path"),
        Index("ix_warnings_sent", "sent"),
    )


class WarningUnit(Base):
    """A unit an early warning covers: its location lies in the area, or a geocode names it."""

    __tablename__ = "warning_units"

    warning_id: Mapped[int] = mapped_column(BigId, ForeignKey("warnings.id"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(Integer, ForeignKey("units.id"), primary_key=True)
    unit_path: Mapped[str] = mapped_column(String(512))
    match: Mapped[str] = mapped_column(String(16))

    warning: Mapped[EarlyWarning] = relationship(back_populates="units", lazy="raise")
    unit: Mapped[Unit] = relationship(lazy="raise")

    __table_args__ = (Index("ix_warning_units_unit_path", "unit_path"),)
