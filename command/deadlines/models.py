"""Reporting obligations (who must report what to whom by when) and the verdicts people
record about units (瞒报 confirmed or dismissed, 谎报)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from command.db import Base, BigId, JsonType, UTCDateTime, utcnow

OBLIGATION_KINDS = ("initial", "followup", "final")
OBLIGATION_STATES = ("pending", "met", "late", "missed")
# 误报 (misreport): an honest error a correction put right, marked by a commander; counted
# apart from 谎报 (false_report, deliberate).
VERDICT_KINDS = ("concealment", "false_report", "misreport")
VERDICT_STATES = ("candidate", "confirmed", "dismissed")


class Obligation(Base):
    """One report one unit owes its superior about one incident.

    The engine moves a pending obligation through warning → overdue → missed at
    warn_at, due_at and miss_at; each mark is written once (warned_at, overdue_at,
    missed_at) and `next_at` is the time of the next mark still to make, so the engine
    claims exactly the rows whose `next_at` has passed. A report moves it to met or late.
    """

    __tablename__ = "obligations"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(BigId, ForeignKey("incidents.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    unit_path: Mapped[str] = mapped_column(String(512))
    to_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    kind: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(16))
    # 1, 2, … for 续报一, 续报二 …; 0 for initial and final.
    seq: Mapped[int] = mapped_column(Integer, default=0)
    # The rule that set the limit: ruleset name, level and link, e.g. "cn-national III county>city".
    rule: Mapped[str] = mapped_column(String(128))
    level: Mapped[str] = mapped_column(String(4))
    link: Mapped[str] = mapped_column(String(32))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    warn_at: Mapped[datetime] = mapped_column(UTCDateTime)
    miss_at: Mapped[datetime] = mapped_column(UTCDateTime)
    next_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    missed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    met_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    report_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("reports.id"), nullable=True)
    # Facts the initial report that met it left out (an incomplete report, 漏报 of facts).
    missing_facts: Mapped[list[str]] = mapped_column(JsonType, default=list)
    # The centre holds the incident from another source: missing it flags a 瞒报 candidate.
    known_elsewhere: Mapped[bool] = mapped_column(default=False)
    exercise: Mapped[bool] = mapped_column(default=False)
    # A direct report (越级上报) owed past the next tier, required by the ruleset trigger
    # `trigger`; a chain link shortened by a trigger names it too.
    direct: Mapped[bool] = mapped_column(default=False)
    trigger: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # Set when a lowered level or the closing made a not-yet-overdue obligation unnecessary.
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        Index("ix_obligations_next_at", "next_at"),
        Index("ix_obligations_incident_id", "incident_id"),
        # Pattern operators on PostgreSQL, so that a subtree's prefix (LIKE 'path%') uses
        # the index whatever the database's collation (only "C" lets a plain one serve).
        Index(
            "ix_obligations_unit_path_due_at",
            "unit_path",
            "due_at",
            postgresql_ops={"unit_path": "varchar_pattern_ops"},
        ),
        Index("ix_obligations_due_at", "due_at"),
        # The owed ones (what the screens show) among a year's met and late rows.
        Index("ix_obligations_owed", "state", "withdrawn_at", "kind"),
    )


class Verdict(Base):
    """A determination about a unit's reporting on an incident, made by a person.

    瞒报 (concealment): the engine flags a candidate; a commander confirms or dismisses it
    with a reason (or records one directly). 谎报 (false report): only ever recorded by a
    commander, with a reason.
    """

    __tablename__ = "verdicts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(BigId, ForeignKey("incidents.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    unit_path: Mapped[str] = mapped_column(String(512))
    kind: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    obligation_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("obligations.id"), nullable=True
    )
    report_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("reports.id"), nullable=True)
    # The correction a 误报 verdict marks.
    correction_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("corrections.id"), nullable=True
    )
    reason: Mapped[str] = mapped_column(Text, default="")
    flagged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    flagged_by: Mapped[str] = mapped_column(String(128))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(128), nullable=True)

    __table_args__ = (
        Index("ix_verdicts_incident_id", "incident_id"),
        Index("ix_verdicts_unit_path", "unit_path"),
    )
