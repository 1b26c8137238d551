"""The moment a request is handled, in UTC and in the deployment's zone."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from command.config import Settings
from command.db import utcnow


@dataclass(frozen=True)
class Clock:
    zone: ZoneInfo
    # Client clocks may run behind: "in the past" means earlier than now minus this.
    skew: timedelta = timedelta(0)
    now: datetime = field(default_factory=utcnow)

    @classmethod
    def of(cls, settings: Settings) -> Clock:
        return cls(zone=settings.zone, skew=timedelta(seconds=settings.clock_skew_seconds))

    @property
    def today(self) -> date:
        return self.now.astimezone(self.zone).date()

    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()
