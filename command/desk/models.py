"""Leaders' instructions (领导批示) on an incident, the units they are addressed to, and
each unit's feedback (落实情况)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from command.db import Base, BigId, UTCDateTime, utcnow

INSTRUCTION_STATES = ("open", "done")


class Instruction(Base):
    """What a leader instructed on an incident: logged by the duty officer, read back,
    passed on to the units named, and followed up until each has reported back."""

    __tablename__ = "instructions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(BigId, ForeignKey("incidents.id"))
    # The incident's unit path: whose screens hear of the instruction.
    unit_path: Mapped[str] = mapped_column(String(512))
    given_by: Mapped[str] = mapped_column(String(128))
    given_at: Mapped[datetime] = mapped_column(UTCDateTime)
    text: Mapped[str] = mapped_column(Text)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    state: Mapped[str] = mapped_column(String(16), default="open")
    logged_by: Mapped[str] = mapped_column(String(128))
    logged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (
        Index("ix_instructions_incident_id", "incident_id"),
        Index("ix_instructions_state_due_at", "state", "due_at"),
    )


class InstructionUnit(Base):
    """One unit an instruction is addressed to; done once that unit has reported back."""

    __tablename__ = "instruction_units"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    instruction_id: Mapped[int] = mapped_column(BigId, ForeignKey("instructions.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    unit_path: Mapped[str] = mapped_column(String(512))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (
        UniqueConstraint("instruction_id", "unit_id"),
        Index("ix_instruction_units_unit_path", "unit_path"),
    )


class InstructionFeedback(Base):
    """A unit's report on what it did (落实情况); a unit may report back more than once."""

    __tablename__ = "instruction_feedback"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    instruction_id: Mapped[int] = mapped_column(BigId, ForeignKey("instructions.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    by: Mapped[str] = mapped_column(String(128))

    __table_args__ = (Index("ix_instruction_feedback_instruction_id", "instruction_id"),)
