"""Working days on the official Chinese calendar (public holidays and make-up working days).

The `chinese-calendar` package carries the State Council's published holiday schedules.
A schedule is published late in the year before, so for a year the package does not know
yet the count falls back to Monday–Friday and the result says it is provisional.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar


@dataclass(frozen=True)
class WorkingDayDeadline:
    due: date
    # True when a day of the count lay in a year whose holiday schedule is not published.
    provisional: bool


def is_working_day(day: date) -> tuple[bool, bool]:
    """(is it a working day, is that answer provisional)."""
    try:
        return chinese_calendar.is_workday(day), False
    except NotImplementedError:
        return day.weekday() < 5, True


def add_working_days(start: date, days: int) -> WorkingDayDeadline:
    """The `days`-th working day after `start` (the start day itself is not counted)."""
    if days < 1:
        raise ValueError("days must be at least 1")
    day, counted, provisional = start, 0, False
    while counted < days:
        day += timedelta(days=1)
        working, guessed = is_working_day(day)
        provisional = provisional or guessed
        counted += working
    return WorkingDayDeadline(due=day, provisional=provisional)
