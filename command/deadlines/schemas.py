"""Request and response shapes of the deadline API. Field names are the public contract."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from command.auth.service import SUBJECT_NAME
from command.deadlines.models import OBLIGATION_KINDS, OBLIGATION_STATES, VERDICT_KINDS
from command.ids import DbId, Offset

ObligationState = Literal[OBLIGATION_STATES]  # type: ignore[valid-type]
ObligationKind = Literal[OBLIGATION_KINDS]  # type: ignore[valid-type]
VerdictKind = Literal[VERDICT_KINDS]  # type: ignore[valid-type]
VerdictState = Literal["candidate", "confirmed", "dismissed"]
UnitCode = Annotated[str, StringConstraints(min_length=1, max_length=32)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Instant = AwareDatetime | date


class ObligationOut(BaseModel):
    id: int
    incident: int
    unit: str = Field(description="code of the unit that must report")
    to_unit: str = Field(description="code of the unit it reports to")
    kind: ObligationKind
    channel: Literal["phone", "written"]
    seq: int = Field(description="1, 2, … for 续报一, 续报二 …; 0 for initial and final")
    starts_at: datetime = Field(
        description="when the unit learned of the incident (or the "
        "reclassification, the previous follow-up, the closing)"
    )
    due_at: datetime
    state: ObligationState
    overdue: bool = Field(description="true once due_at has passed while pending")
    owed: bool = Field(
        description="still owed, so screens show it: pending, or a missed initial or final "
        "report (a report arriving turns it late); false once met, late, withdrawn, or a "
        "missed follow-up (the next one replaces it)"
    )
    met_at: datetime | None
    report: int | None = Field(description="id of the report that met it")
    level: str = Field(description="the level whose limits apply (IV for an unassessed one)")
    link: str = Field(description="the rule's link: member, village>township, …")
    rule: str
    warn_at: datetime
    miss_at: datetime = Field(description="due_at + grace: still no report means missed")
    missed_at: datetime | None
    incomplete: bool = Field(description="the initial report that met it left out key facts")
    missing_facts: list[str]
    exercise: bool
    direct: bool = Field(description="a direct report (越级上报) past the next tier")
    trigger: str | None = Field(description="the ruleset trigger that required or shortened it")


class ObligationList(BaseModel):
    items: list[ObligationOut]
    total: int


class ObligationQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    state: ObligationState | None = None
    unit: UnitCode | None = Field(
        default=None, description="code of a unit: obligations of units in its subtree"
    )
    kind: ObligationKind | None = None
    overdue: bool | None = Field(default=None, description="only pending ones past due")
    incident: DbId | None = Field(default=None)
    exercise: bool | None = None
    limit: int = Field(default=100, ge=1, le=1000)
    offset: Offset = 0


class ComplianceQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: Instant | None = Field(
        default=None,
        alias="from",
        description="start (inclusive) of the window of due times; a date is midnight in "
        "the deployment's time zone; default 30 days before `to`",
    )
    to: Instant | None = Field(default=None, description="end (exclusive); default now")
    unit: UnitCode | None = Field(default=None, description="default the caller's unit")
    lang: Literal["zh", "en"] = Field(default="zh", description="headers of the CSV and XLSX")


class ComplianceRow(BaseModel):
    rank: int
    unit: str
    name: str
    name_en: str
    obligations: int = Field(description="obligations due in the window with a verdict")
    on_time: int
    late: int
    missed: int
    pending: int = Field(description="due in the window, past due, still within the grace")
    incomplete: int = Field(description="initial reports that left out key facts")
    concealed: int = Field(description="瞒报 confirmed by a commander")
    concealment_candidates: int = Field(description="瞒报 candidates not yet judged")
    false_reports: int = Field(description="谎报 recorded by a commander")
    misreports: int = Field(description="误报: corrections of honest errors marked by a commander")
    on_time_rate: float | None = Field(description="on_time / obligations; null without any")
    median_delay_seconds: float | None = Field(description="median lateness of late reports")
    worst_delay_seconds: float | None


class ComplianceTable(BaseModel):
    from_: datetime = Field(alias="from")
    to: datetime
    unit: str
    ruleset: str
    rows: list[ComplianceRow]

    model_config = ConfigDict(populate_by_name=True)


class VerdictOut(BaseModel):
    id: int
    incident: int
    unit: str
    kind: VerdictKind
    state: VerdictState
    obligation: int | None
    report: int | None
    correction: int | None = Field(description="the correction a 误报 marks")
    reason: str
    flagged_at: datetime
    flagged_by: str
    decided_at: datetime | None
    decided_by: str | None


class NamedVerdictOut(VerdictOut):
    """A verdict as the list shows it: who flagged and decided it, by name."""

    flagged_by_name: str = Field(description=SUBJECT_NAME)
    decided_by_name: str = Field(description=SUBJECT_NAME)


class VerdictList(BaseModel):
    items: list[NamedVerdictOut]
    total: int


class VerdictQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    state: VerdictState | None = None
    kind: VerdictKind | None = None
    unit: UnitCode | None = None
    incident: DbId | None = Field(default=None)
    limit: int = Field(default=100, ge=1, le=1000)
    offset: Offset = 0


class VerdictDecision(BaseModel):
    """A commander's decision on a 瞒报 candidate, always with a reason."""

    model_config = ConfigDict(extra="forbid")

    decision: Literal["confirm", "dismiss"]
    reason: Reason


class VerdictIn(BaseModel):
    """A commander's own determination: 谎报 (false report), or a 瞒报 the engine did not
    flag. Always with a reason."""

    model_config = ConfigDict(extra="forbid")

    kind: VerdictKind
    unit: UnitCode = Field(description="code of the unit the verdict is about")
    reason: Reason
    report: DbId | None = Field(default=None, description="the report found false")
    correction: int | None = Field(
        default=None, ge=1, le=2**63 - 1, description="误报: the correction it marks (required)"
    )


class RuleLimitOut(BaseModel):
    link: str
    phone: str | None
    written: str


class RuleLevelOut(BaseModel):
    level: str
    reach: str
    followup: str
    limits: list[RuleLimitOut]


class RuleDirectOut(BaseModel):
    to: str
    phone: str | None
    written: str


class RuleTriggerOut(BaseModel):
    key: str
    source: str = Field(description="the regulation the rule comes from")
    categories: list[str]
    levels: list[str]
    figures: dict[str, float] = Field(description="thresholds; 'dead+missing' adds figures")
    sensitive: bool
    reporters: list[str] = Field(description="tiers or unit kinds that owe the direct links")
    reach: str | None
    direct: list[RuleDirectOut]


class RuleCorrectionsOut(BaseModel):
    jump: dict[str, int] = Field(description="a change this large needs an explanation")
    supplement: str = Field(description="补报 window after the incident occurred")
    supplement_by_type: dict[str, str]
    verified_closes: list[str] = Field(description="categories whose 核报 closes the figures")


class RuleVersionOut(BaseModel):
    effective_from: datetime
    grace: str
    warning_fraction: float
    unassessed_level: str
    sensitive_reach: str
    final: str
    initial_facts: list[str]
    levels: list[RuleLevelOut]
    triggers: list[RuleTriggerOut]
    corrections: RuleCorrectionsOut


class RulesetOut(BaseModel):
    name: str
    title: str
    versions: list[RuleVersionOut]
