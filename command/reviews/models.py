"""Post-incident evaluations (事后评估) and the corrective actions (整改措施) they open."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from command.db import Base, BigId, JsonType, UTCDateTime, utcnow

# external: led above the city (province, State Council): noted, owes the city nothing.
EVALUATION_STATES = ("external", "draft", "submitted", "accepted")
ACTION_STATES = ("open", "done", "verified")


class Evaluation(Base):
    """One real incident's evaluation, opened when it closes; its clock runs to `due_at`."""

    __tablename__ = "evaluations"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(BigId, ForeignKey("incidents.id"), unique=True)
    # The incident's unit path: whose screens see the evaluation.
    unit_path: Mapped[str] = mapped_column(String(512))
    # The unit that leads it (an ancestor of the incident's unit at the rule's tier);
    # null when that tier lies above the tree the system holds.
    lead_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), nullable=True)
    lead_tier: Mapped[str] = mapped_column(String(16))
    led_locally: Mapped[bool] = mapped_column(default=True)
    rule: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(Text, default="")
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(16), default="draft")
    # Set once by the engine when the clock ran out before submission.
    overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # {"lead": name, "members": [names]}; the sections' texts by name; the plans used
    # [{"plan": id, "worked": bool | null, "note": text}]; the recommendations
    # [{"text", "unit", "due_at", "plan"}].
    group: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    sections: Mapped[dict[str, str]] = mapped_column(JsonType, default=dict)
    plans: Mapped[list[dict[str, Any]]] = mapped_column(JsonType, default=list)
    recommendations: Mapped[list[dict[str, Any]]] = mapped_column(JsonType, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(128), default="")
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    submitted_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    accepted_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (
        Index("ix_evaluations_unit_path", "unit_path"),
        Index("ix_evaluations_state_due_at", "state", "due_at"),
    )


class CorrectiveAction(Base):
    """A recommendation made a task: the owner unit does it by `due_at` with evidence;
    the evaluation's lead unit verifies it."""

    __tablename__ = "corrective_actions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    evaluation_id: Mapped[int] = mapped_column(BigId, ForeignKey("evaluations.id"))
    incident_id: Mapped[int] = mapped_column(BigId, ForeignKey("incidents.id"))
    # Which recommendation of the evaluation it comes from (0-based).
    position: Mapped[int] = mapped_column(Integer)
    owner_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    # The owner unit's path: who sees and closes the action.
    unit_path: Mapped[str] = mapped_column(String(512))
    text: Mapped[str] = mapped_column(Text)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(16), default="open")
    overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    plan_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    revision_task_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    evidence: Mapped[str] = mapped_column(Text, default="")
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    done_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    verified_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        Index("ix_corrective_actions_unit_path", "unit_path"),
        Index("ix_corrective_actions_state_due_at", "state", "due_at"),
        Index("ix_corrective_actions_evaluation_id", "evaluation_id"),
    )
