"""The duty roster (值班表): shifts with their leader on duty (带班领导) and officers, the
sign-ins that open them, the handovers (交接班) between them, and the call register."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from command.db import Base, BigId, JsonType, UTCDateTime, utcnow

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


class Shift(Base):
    """One shift of a duty unit's roster: when, the leader on duty, the officers, the line."""

    __tablename__ = "shifts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    unit_path: Mapped[str] = mapped_column(String(512))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    leader_name: Mapped[str] = mapped_column(String(64))
    leader_phone: Mapped[str] = mapped_column(String(64), default="")
    leader_email: Mapped[str] = mapped_column(String(254), default="")
    # [{"name": …, "phone": …, "email": …}], in the order of the roster.
    officers: Mapped[list[dict[str, Any]]] = mapped_column(JsonType)
    line: Mapped[str] = mapped_column(String(64), default="")
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Recorded once the sign-in grace has passed (command/duty/attendance.py): "present"
    # or "absent" (缺岗); NULL before.
    attendance: Mapped[str | None] = mapped_column(String(16), nullable=True, default=None)

    __table_args__ = (
        UniqueConstraint("unit_id", "starts_at"),
        Index("ix_shifts_unit_path_starts_at", "unit_path", "starts_at"),
        Index("ix_shifts_attendance_starts_at", "attendance", "starts_at"),
    )


class SignIn(Base):
    """签到: someone on the shift took post at the desk."""

    __tablename__ = "shift_sign_ins"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    shift_id: Mapped[int] = mapped_column(BigId, ForeignKey("shifts.id"))
    name: Mapped[str] = mapped_column(String(64))
    by: Mapped[str] = mapped_column(String(128))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("shift_id", "name"),)


class Handover(Base):
    """交接班: the outgoing officer's note and what the system listed as open, handed to
    the next shift and accepted by its officer."""

    __tablename__ = "handovers"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    unit_path: Mapped[str] = mapped_column(String(512))
    from_shift_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("shifts.id"), nullable=True)
    to_shift_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("shifts.id"), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    # What was open at the handover: incidents, obligations falling due in the next
    # shift, instructions, early warnings; frozen as handed over.
    open_items: Mapped[dict[str, Any]] = mapped_column(JsonType)
    handed_by: Mapped[str] = mapped_column(String(128))
    handed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    accepted_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (Index("ix_handovers_unit_path_handed_at", "unit_path", "handed_at"),)
