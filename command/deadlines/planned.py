"""An obligation a hook has just decided on, before it is inserted: the columns of
Obligation as a plain object. A hook creates several per report, and an ORM object
costs its instrumentation on every attribute set, only to be taken out of the session
again for the one batched INSERT that `settle` makes (command/deadlines/context.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(slots=True, kw_only=True)
class PlannedObligation:
    incident_id: int
    unit_id: int
    unit_path: str
    to_unit_id: int
    kind: str
    channel: str
    seq: int
    rule: str
    level: str
    link: str
    direct: bool
    trigger: str | None
    exercise: bool
    created_at: datetime
    starts_at: datetime | None = None
    due_at: datetime | None = None
    warn_at: datetime | None = None
    miss_at: datetime | None = None
    next_at: datetime | None = None
    state: str = "pending"
    warned_at: datetime | None = None
    overdue_at: datetime | None = None
    missed_at: datetime | None = None
    met_at: datetime | None = None
    report_id: int | None = None
    missing_facts: list[str] = field(default_factory=list)
    known_elsewhere: bool = False
    withdrawn_at: datetime | None = None
    id: int | None = None
