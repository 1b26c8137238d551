"""The duty roster (值班表): shifts with their leader on duty (带班领导) and officers, the
sign-ins that open them, the handovers (交接班) between them, and the call register."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from command.db import Base, BigId, UTCDateTime, utcnow

CALL_CHANNELS = ("phone", "document", "fax", "message", "visit")


class Call(Base):
    """One entry of the duty office's call register (来电来文登记): every call or document
    received, with what it said, whom the caller had told already, and who recorded it;
    linked to the incident it reported when one was logged from it."""

    __tablename__ = "calls"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    # The duty office that received it (the recorder's unit) and its path for scoping.
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    unit_path: Mapped[str] = mapped_column(String(512))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    channel: Mapped[str] = mapped_column(String(16))
    caller_name: Mapped[str] = mapped_column(String(128), default="")
    caller_phone: Mapped[str] = mapped_column(String(64), default="")
    caller_unit: Mapped[str] = mapped_column(String(200), default="")
    place: Mapped[str] = mapped_column(String(200), default="")
    content: Mapped[str] = mapped_column(Text)
    actions: Mapped[str] = mapped_column(Text, default="")
    told: Mapped[str] = mapped_column(Text, default="")
    incident_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("incidents.id"), nullable=True
    )
    recorded_by: Mapped[str] = mapped_column(String(128))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_calls_unit_path_received_at", "unit_path", "received_at"),)
