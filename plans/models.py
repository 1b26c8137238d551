"""Tables of the plan registry (应急预案) and drill scheduling (应急演练)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from command.db import Base, BigId, JsonType, UTCDateTime, utcnow

PLAN_STATUSES = ("draft", "in_force", "under_revision", "retired")
# A plan in these states has a version in force (under revision, the current one still is).
EFFECTIVE_STATUSES = ("in_force", "under_revision")
REVISION_TRIGGERS = (
    "law_changed",
    "upper_plan_changed",
    "command_changed",
    "risk_changed",
    "resources_changed",
    "response_findings",
    "drill_findings",
    "review",
    "other",
)
DRILL_FORMS = ("tabletop", "live")
DRILL_SCOPES = ("single", "comprehensive")
DRILL_PURPOSES = ("test", "demo", "research")
DRILL_STATUSES = ("scheduled", "in_progress", "completed", "postponed", "cancelled")
# Drills in these states hold their units and location: they take part in conflict checks.
BOOKED_STATUSES = ("scheduled", "in_progress")


class Plan(Base):
    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(16))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    unit_path: Mapped[str] = mapped_column(String(512), index=True)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    categories: Mapped[list[str]] = mapped_column(JsonType, default=list)
    incident_types: Mapped[list[str]] = mapped_column(JsonType, default=list)
    levels: Mapped[list[str]] = mapped_column(JsonType, default=list)
    high_risk: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=0)
    # Facts the due dates derive from; the due dates are stored so lists can sort by them.
    in_force_since: Mapped[date | None] = mapped_column(Date, nullable=True)
    current_since: Mapped[date | None] = mapped_column(Date, nullable=True)
    last_reviewed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    last_drilled_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    review_due: Mapped[date | None] = mapped_column(Date, nullable=True, index=True)
    next_drill_due: Mapped[date | None] = mapped_column(Date, nullable=True, index=True)
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PlanVersion(Base):
    __tablename__ = "plan_versions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"))
    number: Mapped[int] = mapped_column(Integer)
    issued_on: Mapped[date] = mapped_column(Date)
    effective_on: Mapped[date] = mapped_column(Date)
    change_summary: Mapped[str] = mapped_column(Text)
    approved_by: Mapped[str] = mapped_column(String(128))
    text: Mapped[str | None] = mapped_column(Text, nullable=True)
    filename: Mapped[str | None] = mapped_column(String(255), nullable=True)
    media_type: Mapped[str | None] = mapped_column(String(100), nullable=True)
    size: Mapped[int | None] = mapped_column(Integer, nullable=True)
    sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("plan_id", "number"),)


class PlanDocument(Base):
    """The bytes of a version's document, apart so that listing versions never loads them."""

    __tablename__ = "plan_documents"

    version_id: Mapped[int] = mapped_column(ForeignKey("plan_versions.id"), primary_key=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)


class PlanFiling(Base):
    """备案 of one version with the government above the owner, due N working days after issue."""

    __tablename__ = "plan_filings"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("plan_versions.id"), unique=True)
    filed_with_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), nullable=True)
    unit_path: Mapped[str] = mapped_column(String(512))
    issued_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    filed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    reference: Mapped[str] = mapped_column(String(128), default="")
    filed_by: Mapped[str | None] = mapped_column(String(128), nullable=True)

    __table_args__ = (Index("ix_plan_filings_pending", "filed_on", "due_on"),)


class PlanReview(Base):
    __tablename__ = "plan_reviews"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    reviewed_on: Mapped[date] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(String(16))
    notes: Mapped[str] = mapped_column(Text, default="")
    reviewed_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RevisionTask(Base):
    """A recorded reason to revise a plan; closed by the next version."""

    __tablename__ = "plan_revision_tasks"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    trigger: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")
    drill_id: Mapped[int | None] = mapped_column(ForeignKey("drills.id"), nullable=True)
    evaluation_id: Mapped[int | None] = mapped_column(
        ForeignKey("drill_evaluations.id"), nullable=True
    )
    opened_by: Mapped[str] = mapped_column(String(128))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_by_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Drill(Base):
    __tablename__ = "drills"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(200))
    form: Mapped[str] = mapped_column(String(16))
    scope: Mapped[str] = mapped_column(String(16))
    purpose: Mapped[str] = mapped_column(String(16))
    organizer_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    organizer_path: Mapped[str] = mapped_column(String(512), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # End of the last occurrence; null for a recurring drill without COUNT or UNTIL.
    series_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    rrule: Mapped[str | None] = mapped_column(String(500), nullable=True)
    location: Mapped[dict[str, Any] | None] = mapped_column(JsonType, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    status_reason: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    override_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    overridden: Mapped[list[int]] = mapped_column(JsonType, default=list)
    override_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    # RFC 5545 SEQUENCE: bumped at every change so calendar clients take the update.
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_drills_window", "starts_at", "series_ends_at"),)


class DrillPlan(Base):
    __tablename__ = "drill_plans"

    drill_id: Mapped[int] = mapped_column(ForeignKey("drills.id"), primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), primary_key=True, index=True)


class DrillUnit(Base):
    """A participating unit (the organizer is on the drill itself)."""

    __tablename__ = "drill_units"

    drill_id: Mapped[int] = mapped_column(ForeignKey("drills.id"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True, index=True)


class DrillEvaluation(Base):
    __tablename__ = "drill_evaluations"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    drill_id: Mapped[int] = mapped_column(ForeignKey("drills.id"))
    occurrence_start: Mapped[datetime] = mapped_column(UTCDateTime)
    items: Mapped[dict[str, Any]] = mapped_column(JsonType)
    suggestions: Mapped[str] = mapped_column(Text, default="")
    findings: Mapped[list[dict[str, Any]]] = mapped_column(JsonType, default=list)
    evaluated_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("drill_id", "occurrence_start"),)


class DrillFeed(Base):
    """A read-only calendar subscription for one unit's subtree (GET /api/drills.ics?token=)."""

    __tablename__ = "drill_feeds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    label: Mapped[str] = mapped_column(String(128), default="")
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
