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
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from command.units.models import TIERS, tier_rank
from command.vocabulary import AREA_KINDS

MEMBER = "member"
STEPS = tuple(f"{low}>{high}" for low, high in zip(TIERS, TIERS[1:], strict=False))
LINKS = (MEMBER, *STEPS)
FACTS = (
    "time",
    "place",
    "nature",
    "casualties",
    "loss",
    "scope",
    "development",
    "measures",
    "leaders",
)
# The figures a trigger may count; "dead+missing" adds figures up.
FIGURES = ("dead", "missing", "injured", "affected", "loss")


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
    # Limits of member units reporting to an area of a given tier (`member_to.city`: a
    # city department, school or enterprise to the city government); else `member`.
    member_to: Mapping[str, Limit] = field(default_factory=dict)

    def limit(self, link: str) -> Limit:
        base, _, tier = link.partition(">")
        if base == MEMBER and tier:
            return self.member_to.get(tier, self.limits[MEMBER])
        return self.limits[link]

    def key(self, link: str, recipient_tier: str) -> str:
        """The rule key of a link: `member>city` when the level has a `member_to` limit
        for that tier, else the link itself."""
        if link == MEMBER and recipient_tier in self.member_to:
            return f"{MEMBER}>{recipient_tier}"
        return link


@dataclass(frozen=True)
class DirectLink:
    """A report owed straight to the area of tier `to` above the reporting unit, with its
    own limit counted from when the reporting unit learned the facts (越级上报)."""

    to: str
    written: timedelta
    phone: timedelta | None = None


@dataclass(frozen=True)
class Trigger:
    """A rule that takes reports further, or straight up, when its conditions hold.

    It applies to incidents of its `categories` and `levels` (all when empty) and fires
    when any figure reaches its threshold (`figures`, e.g. {"dead+missing": 10}) or, with
    `sensitive`, when the incident is sensitive; with neither, whenever it applies. Then
    the chain reaches at least `reach`, and each unit of the chain matching `reporters`
    (an area tier, or a member unit kind) owes the `direct` links."""

    key: str
    source: str
    categories: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()
    figures: Mapping[str, float] = field(default_factory=dict)
    sensitive: bool = False
    reporters: tuple[str, ...] = ()
    reach: str | None = None
    direct: tuple[DirectLink, ...] = ()

    def fires(self, *, category: str, level: str, sensitive: bool, figures: Mapping) -> bool:
        if self.categories and category not in self.categories:
            return False
        if self.levels and level not in self.levels:
            return False
        if not self.figures and not self.sensitive:
            return True
        if self.sensitive and sensitive:
            return True
        return any(
            sum(figures.get(name) or 0 for name in key.split("+")) >= threshold
            for key, threshold in self.figures.items()
        )

    def owes(self, kind: str, tier: str) -> bool:
        """True when a unit of this kind and tier owes the trigger's direct links."""
        return (tier if kind in AREA_KINDS else kind) in self.reporters


@dataclass(frozen=True)
class Corrections:
    """Rules of corrections (更正) and supplementary reports (补报)."""

    # A rise or fall in a casualty figure of at least this many needs a written explanation.
    jump: Mapping[str, int] = field(default_factory=dict)
    # Casualty changes after the final report (补报) are accepted this long after the
    # incident occurred; `supplement_by_type` overrides it for incident types.
    supplement: timedelta = timedelta(days=30)
    supplement_by_type: Mapping[str, timedelta] = field(default_factory=dict)
    # Categories whose verified report (核报) closes the figures.
    verified_closes: tuple[str, ...] = ("natural",)

    def supplement_window(self, incident_type: str) -> timedelta:
        return self.supplement_by_type.get(incident_type, self.supplement)


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
    triggers: tuple[Trigger, ...] = ()
    corrections: Corrections = field(default_factory=Corrections)

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
    else the step into the recipient's tier (a county under a province uses city>province).
    Areas are the kinds vocabulary.toml marks `area` (行政区域 and 社区)."""
    if reporter_kind not in AREA_KINDS or reporter_tier == recipient_tier:
        return MEMBER
    return STEPS[tier_rank(recipient_tier) - 1]
