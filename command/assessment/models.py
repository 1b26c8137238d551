"""A unit's assessment for a year: its self-assessment, the inspector's adjustments of the
manual scores, the evidence, and the scorecard frozen at approval."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Date,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from command.db import Base, BigId, JsonType, UTCDateTime, utcnow

SUBMISSION_STATES = ("draft", "submitted", "approved")


class Submission(Base):
    __tablename__ = "assessment_submissions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    sheet: Mapped[str] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    unit_path: Mapped[str] = mapped_column(String(512), index=True)
    state: Mapped[str] = mapped_column(String(16), default="draft")
    notes: Mapped[str] = mapped_column(Text, default="")
    submitted_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Days after the self-assessment date the unit submitted (逾期提交); None: on time.
    late_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    approved_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The scorecard as approved: later records and edits never move it.
    frozen: Mapped[dict[str, Any] | None] = mapped_column(JsonType, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("sheet", "year", "unit_id"),)


class ManualScore(Base):
    """A manual indicator: the unit's own score and note, the inspector's with a reason."""

    __tablename__ = "assessment_scores"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    submission_id: Mapped[int] = mapped_column(BigId, ForeignKey("assessment_submissions.id"))
    indicator: Mapped[str] = mapped_column(String(64))
    self_points: Mapped[float | None] = mapped_column(Float, nullable=True)
    self_note: Mapped[str] = mapped_column(Text, default="")
    inspector_points: Mapped[float | None] = mapped_column(Float, nullable=True)
    inspector_reason: Mapped[str] = mapped_column(Text, default="")
    inspected_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    inspected_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (UniqueConstraint("submission_id", "indicator"),)


class Evidence(Base):
    __tablename__ = "assessment_evidence"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    submission_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("assessment_submissions.id"), index=True
    )
    indicator: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by: Mapped[str] = mapped_column(String(128))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Office(Base):
    """机构建设 of an area unit (its 应急办) or a department (its incident-information
    liaison): what the 体制建设 indicators read."""

    __tablename__ = "readiness_offices"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), unique=True)
    unit_path: Mapped[str] = mapped_column(String(512), index=True)
    established_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    approval_document: Mapped[str] = mapped_column(String(255), default="")  # its number
    # The approval document (成立文件) itself, uploaded: a PDF or a scan.
    document_filename: Mapped[str | None] = mapped_column(String(255), nullable=True)
    document_kind: Mapped[str | None] = mapped_column(String(16), nullable=True)
    document_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    document: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, deferred=True)
    director: Mapped[str] = mapped_column(String(64), default="")
    deputy_full_time: Mapped[str] = mapped_column(String(64), default="")
    staff_in_post: Mapped[int] = mapped_column(Integer, default=0)
    liaison: Mapped[str] = mapped_column(String(128), default="")
    updated_by: Mapped[str] = mapped_column(String(128))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Training(Base):
    """宣传培训: one training, publicity or exercise-briefing session."""

    __tablename__ = "readiness_trainings"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    unit_path: Mapped[str] = mapped_column(String(512), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(16))
    audience: Mapped[str] = mapped_column(String(200), default="")
    attendees: Mapped[int] = mapped_column(Integer, default=0)
    leaders_trained: Mapped[int] = mapped_column(Integer, default=0)
    recorded_by: Mapped[str] = mapped_column(String(128))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
