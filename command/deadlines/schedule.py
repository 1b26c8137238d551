"""The clock of an obligation and the marks the engine makes on it, as plain functions.

A pending obligation passes three marks in order: warning (at a fraction of its window),
overdue (at its due time) and missed (at due + grace). `next_at` is the time of the next
mark still to make, or None when there is none; the engine claims rows by it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from command.deadlines.rules import Version

WARNING = "deadline.warning"
OVERDUE = "deadline.overdue"
MISSED = "deadline.missed"


@dataclass(frozen=True)
class Clock:
    starts_at: datetime
    due_at: datetime
    warn_at: datetime
    miss_at: datetime


def clock(start: datetime, limit: timedelta, version: Version) -> Clock:
    due = start + limit
    return Clock(
        starts_at=start,
        due_at=due,
        warn_at=start + limit * version.warning_fraction,
        miss_at=due + version.grace,
    )


class Marks(NamedTuple):
    """The engine-owned state of one pending obligation."""

    warn_at: datetime
    due_at: datetime
    miss_at: datetime
    state: str = "pending"
    warned_at: datetime | None = None
    overdue_at: datetime | None = None
    missed_at: datetime | None = None

    @property
    def next_at(self) -> datetime | None:
        if self.state != "pending":
            return None
        if self.overdue_at is not None:
            return self.miss_at
        if self.warned_at is not None:
            return self.due_at
        return self.warn_at


def advance(marks: Marks, now: datetime) -> tuple[tuple[str, ...], Marks]:
    """The marks due at `now` (event kinds, in order) and the state after making them.

    A warning that falls due together with the overdue mark (the server was down, or the
    window was tiny) is skipped: warning about a deadline already passed says nothing.
    """
    if marks.state != "pending":
        return (), marks
    if marks.overdue_at is None and now >= marks.due_at:
        if now >= marks.miss_at:
            return (OVERDUE, MISSED), marks._replace(overdue_at=now, missed_at=now, state="missed")
        return (OVERDUE,), marks._replace(overdue_at=now)
    if marks.overdue_at is not None and now >= marks.miss_at:
        return (MISSED,), marks._replace(missed_at=now, state="missed")
    if marks.warned_at is None and marks.overdue_at is None and now >= marks.warn_at:
        return (WARNING,), marks._replace(warned_at=now)
    return (), marks
