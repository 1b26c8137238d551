"""Rulesets: the reporting limits as data, in force from their effective dates.

A ruleset is a TOML file (command/rules/<name>.toml, or any path) holding one or more
versions. Each version gives, per incident level, how far up the chain reports must go
(`reach`), the limit of every link for the initial phone and written report, and the
follow-up cadence; and, for all levels, the grace before a late report becomes missed,
the fraction of a window at which a warning fires, the final-report limit, the level an
unassessed incident is treated as, and how far a sensitive incident is reported.
command/deadlines/rulefile.py loads and validates the files.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from command.units.models import TIERS, tier_rank

MEMBER = "member"
STEPS = tuple(f"{low}>{high}" for low, high in zip(TIERS, TIERS[1:], strict=False))
LINKS = (MEMBER, *STEPS)
FACTS = ("time", "place", "nature", "casualties", "loss")


class RulesetError(ValueError):
    """A ruleset that cannot be used; lists every problem with its rule and reason."""

    def __init__(self, file: str, problems: list[tuple[str, str]]) -> None:
        self.file = file
        self.problems = problems
        lines = [
            f"{file}: {rule}: {reason}" if rule else f"{file}: {reason}"
            for rule, reason in problems
        ]
        super().__init__("\n".join(lines))


@dataclass(frozen=True)
class Limit:
    """How long a unit has for its initial report on one link."""

    written: timedelta
    phone: timedelta | None = None


@dataclass(frozen=True)
class LevelRules:
    level: str
    reach: str
    followup: timedelta
    limits: Mapping[str, Limit]

    def limit(self, link: str) -> Limit:
        return self.limits[link]


@dataclass(frozen=True)
class Version:
    effective_from: datetime
    grace: timedelta
    warning_fraction: float
    unassessed_level: str
    sensitive_reach: str
    final: timedelta
    initial_facts: tuple[str, ...]
    levels: Mapping[str, LevelRules]

    def for_level(self, level: str | None) -> LevelRules:
        """The rules of a level; an unassessed incident follows `unassessed_level`."""
        return self.levels[level or self.unassessed_level]

    def reach(self, level: str | None, *, sensitive: bool) -> str:
        """The highest tier reports must reach."""
        reach = self.for_level(level).reach
        if sensitive and tier_rank(self.sensitive_reach) > tier_rank(reach):
            return self.sensitive_reach
        return reach


@dataclass(frozen=True)
class Ruleset:
    name: str
    title: str
    file: str
    versions: tuple[Version, ...]

    def version_at(self, when: datetime) -> Version:
        """The version in force at `when`; before the first one, the first one."""
        chosen = self.versions[0]
        for version in self.versions:
            if version.effective_from <= when:
                chosen = version
        return chosen


def link_name(reporter_kind: str, reporter_tier: str, recipient_tier: str) -> str:
    """The rule key of a link: `member` for a unit reporting to the area it hangs under,
    else the step into the recipient's tier (a county under a province uses city>province)."""
    if reporter_kind != "area" or reporter_tier == recipient_tier:
        return MEMBER
    return STEPS[tier_rank(recipient_tier) - 1]
