"""Incidents (突发事件) and the chain of reports (初报/续报/终报) that describe them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from command.db import Base, BigId, JsonType, UTCDateTime, utcnow
from command.vocabulary import CATEGORIES, LEVELS, SOURCES, STATUSES

# SOURCES: where the command center first learned of the incident. Anything but "field"
# means the responsible unit did not report it itself (a 瞒报 candidate if it files nothing
# in time).
__all__ = ["CATEGORIES", "LEVELS", "SOURCES", "STATUSES"]
REPORT_KINDS = ("initial", "followup", "final")
CHANNELS = ("written", "phone")


class Incident(Base):
    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(16))
    type: Mapped[str] = mapped_column(String(64), default="")
    level: Mapped[str | None] = mapped_column(String(4), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="reported")
    source: Mapped[str] = mapped_column(String(16), default="field")
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    learned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The unit where it happened (responsible for reporting), and its path for subtree queries.
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    unit_path: Mapped[str] = mapped_column(String(512))
    geometry: Mapped[dict[str, Any]] = mapped_column(JsonType)
    # A geometry of more than geometry.OUTLINE_VERTICES positions, simplified: events,
    # screens and CAP carry this instead (None: the geometry is small enough as it is).
    outline: Mapped[dict[str, Any] | None] = mapped_column(JsonType, nullable=True)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    sensitive: Mapped[bool] = mapped_column(default=False)
    exercise: Mapped[bool] = mapped_column(default=False)
    summary: Mapped[str] = mapped_column(Text, default="")
    measures: Mapped[str] = mapped_column(Text, default="")
    dead: Mapped[int] = mapped_column(Integer, default=0)
    missing: Mapped[int] = mapped_column(Integer, default=0)
    injured: Mapped[int] = mapped_column(Integer, default=0)
    affected: Mapped[int] = mapped_column(Integer, default=0)
    loss: Mapped[float] = mapped_column(Float, default=0.0)
    created_by: Mapped[str] = mapped_column(String(128))
    # 签收: the duty officer who acknowledged the incident at the centre, and when (the
    # centre's 接报时间). Set once.
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    acknowledged_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    # Raised by every change of the row: the incident's ETag, so that two officers'
    # changes never overwrite each other unseen (If-Match on PATCH).
    version: Mapped[int] = mapped_column(Integer, default=1)

    reports: Mapped[list[Report]] = relationship(
        back_populates="incident", order_by="Report.id", lazy="raise"
    )

    __mapper_args__ = {"version_id_col": version}

    __table_args__ = (
        Index("ix_incidents_unit_path", "unit_path"),
        Index("ix_incidents_status_level", "status", "level"),
        Index("ix_incidents_received_at", "received_at"),
        Index("ix_incidents_closed_at", "closed_at"),
    )


class Report(Base):
    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    kind: Mapped[str] = mapped_column(String(16))
    # 0 for initial and final reports, 1, 2, … for 续报一, 续报二 …
    seq: Mapped[int] = mapped_column(Integer, default=0)
    channel: Mapped[str] = mapped_column(String(16), default="written")
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    unit_path: Mapped[str] = mapped_column(String(512))
    summary: Mapped[str] = mapped_column(Text, default="")
    measures: Mapped[str] = mapped_column(Text, default="")
    # Content the rules list for an initial report besides the figures: 影响范围 (scope),
    # 发展趋势 (likely development), 领导到场情况 (leaders on scene).
    scope: Mapped[str] = mapped_column(Text, default="")
    development: Mapped[str] = mapped_column(Text, default="")
    leaders: Mapped[str] = mapped_column(Text, default="")
    # Units the report names as its addressees (越级上报), codes; null: where the rules route it.
    addressees: Mapped[list[str] | None] = mapped_column(JsonType, nullable=True)
    # 核报: the verified figures of a natural disaster; they close the figures.
    verified: Mapped[bool] = mapped_column(default=False)
    # 补报: casualty figures changed after the final report, within the statutory window.
    supplement: Mapped[bool] = mapped_column(default=False)
    # The written explanation of a jump in the casualty figures.
    explanation: Mapped[str] = mapped_column(Text, default="")
    # Figures as reported; null where the report did not state them.
    dead: Mapped[int | None] = mapped_column(Integer, nullable=True)
    missing: Mapped[int | None] = mapped_column(Integer, nullable=True)
    injured: Mapped[int | None] = mapped_column(Integer, nullable=True)
    affected: Mapped[int | None] = mapped_column(Integer, nullable=True)
    loss: Mapped[float | None] = mapped_column(Float, nullable=True)
    # Facts the rules require in an initial report that this one left out (漏报 of facts).
    missing_facts: Mapped[list[str]] = mapped_column(JsonType, default=list)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    device_time: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The device's clock was ahead of the server's by more than the allowed skew: the
    # report is kept (received_at is authoritative) and flagged.
    device_time_flagged: Mapped[bool] = mapped_column(default=False)
    submitted_by: Mapped[str] = mapped_column(String(128))
    # Set when a commander logged a phone report on the unit's behalf.
    logged_by: Mapped[str | None] = mapped_column(String(128), nullable=True)

    incident: Mapped[Incident] = relationship(back_populates="reports", lazy="raise")

    __table_args__ = (
        Index("ix_reports_incident_id", "incident_id"),
        UniqueConstraint("incident_id", "unit_id", "kind", "channel", "seq"),
    )


# Fields of a report a correction (更正) may change.
CORRECTABLE = (
    "dead",
    "missing",
    "injured",
    "affected",
    "loss",
    "summary",
    "measures",
    "scope",
    "development",
    "leaders",
)


class Correction(Base):
    """A correction (更正) of a report: by its own unit, or by the centre (a commander).

    `changes` holds {field: {"from": old, "to": new}}; `reason` says why. A correction of
    casualty figures after the final report is a 补报 (`supplement`). A commander may mark
    it 误报 (an honest error), a verdict of the deadlines domain.
    """

    __tablename__ = "corrections"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(BigId, ForeignKey("incidents.id"))
    report_id: Mapped[int] = mapped_column(BigId, ForeignKey("reports.id"))
    # The unit whose report it corrects, and its path for subtree queries.
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    unit_path: Mapped[str] = mapped_column(String(512))
    by_centre: Mapped[bool] = mapped_column(default=False)
    changes: Mapped[dict[str, Any]] = mapped_column(JsonType)
    reason: Mapped[str] = mapped_column(Text)
    explanation: Mapped[str] = mapped_column(Text, default="")
    supplement: Mapped[bool] = mapped_column(default=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(128))

    __table_args__ = (Index("ix_corrections_incident_id", "incident_id"),)
