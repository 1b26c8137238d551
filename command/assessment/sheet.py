"""An indicator sheet (考核评分表) as the assessment reads it, after checking.

The numbers are the sheet's data (command/assessment/sheets/*.toml); command/assessment/
sheetfile.py parses and checks a file into these records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta


class SheetError(ValueError):
    """Every problem of a sheet file, each as `file:line: where: reason`."""

    def __init__(self, file: str, problems: list[tuple[int, str, str]]) -> None:
        self.file = file
        self.problems = problems
        lines = [f"{file}:{line}: {where}: {reason}" for line, where, reason in problems]
        super().__init__("\n".join(lines))


@dataclass(frozen=True)
class Band:
    """Points for a measured share in [low, high); the top band includes its high end."""

    low: float
    high: float
    points: float


@dataclass(frozen=True)
class Scoring:
    method: str  # "deduct", "bands", "proportional", "target" or "manual"
    per: dict[str, float] = field(default_factory=dict)  # deduct: points off per counted item
    floor: float = 0.0
    bands: tuple[Band, ...] = ()
    target: float = 0.0  # target: full points at this many, in proportion below


@dataclass(frozen=True)
class Indicator:
    key: str
    title: str
    title_en: str
    points: float
    metric: str | None  # None: scored by hand, with evidence
    scoring: Scoring
    evidence: tuple[str, ...] = ()  # manual: the evidence types accepted (pdf, docx, image)
    criteria: str = ""

    @property
    def manual(self) -> bool:
        return self.metric is None


@dataclass(frozen=True)
class Group:
    key: str
    title: str
    title_en: str
    points: float
    indicators: tuple[Indicator, ...]


@dataclass(frozen=True)
class Grade:
    code: str
    label: str
    label_en: str
    low: float
    high: float  # exclusive, except for the top grade


@dataclass(frozen=True)
class Cycle:
    """One assessment year's timetable."""

    year: int
    self_assessment_by: date
    report_by: date
    inspection_by: date
    approval_by: date


STEPS = ("self_assessment", "inspection", "approval")
LATE_RULES = ("accept", "refuse")


@dataclass(frozen=True)
class Step:
    """What a cycle's dates mean for one step (the sheet's `[cycle.<step>]` table): the step
    is open from the day after the date `opens_after` names (from the start when none) to
    the end of its `due` date, local time; after that `late` is "accept" (done, recorded as
    late) or "refuse". `requires = "submitted"`: only once the unit has submitted.
    `override`: the inspector above may act against a refusing rule, giving a reason."""

    name: str
    due: str
    opens_after: str | None = None
    late: str = "accept"
    requires: str | None = None
    override: bool = False

    def opens_on(self, cycle: Cycle) -> date | None:
        return getattr(cycle, self.opens_after) + timedelta(days=1) if self.opens_after else None

    def due_on(self, cycle: Cycle) -> date:
        return getattr(cycle, self.due)


@dataclass(frozen=True)
class Sheet:
    name: str
    title: str
    title_en: str
    file: str
    total: float
    kinds: tuple[str, ...]
    tiers: tuple[str, ...]
    sources: tuple[str, ...]
    groups: tuple[Group, ...]
    grades: tuple[Grade, ...]
    cycles: tuple[Cycle, ...]
    steps: tuple[Step, ...] = ()

    def step(self, name: str) -> Step:
        return next((s for s in self.steps if s.name == name), Step(name, "approval_by"))

    def applies_to(self, kind: str, tier: str) -> bool:
        return kind in self.kinds and (not self.tiers or tier in self.tiers)

    def indicators(self) -> list[tuple[Group, Indicator]]:
        return [(group, ind) for group in self.groups for ind in group.indicators]

    def indicator(self, key: str) -> Indicator | None:
        return next((ind for _, ind in self.indicators() if ind.key == key), None)

    def cycle(self, year: int) -> Cycle | None:
        return next((c for c in self.cycles if c.year == year), None)

    def grade_of(self, total: float) -> Grade:
        for grade in self.grades:
            if grade.low <= total < grade.high or (total == grade.high == self.total):
                return grade
        return self.grades[-1]
