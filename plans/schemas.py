"""Request and response models of the plan registry (drill models are in drill_schemas)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from command.ids import Offset
from command.units.schemas import CODE_PATTERN
from command.vocabulary import CATEGORIES, LEVELS
from plans.models import PLAN_STATUSES, REVISION_TRIGGERS
from plans.rules import PLAN_TYPES

PlanType = Literal[PLAN_TYPES]  # type: ignore[valid-type]
PlanStatus = Literal[PLAN_STATUSES]  # type: ignore[valid-type]
Category = Literal[CATEGORIES]  # type: ignore[valid-type]
Level = Literal[LEVELS]  # type: ignore[valid-type]
Trigger = Literal[REVISION_TRIGGERS]  # type: ignore[valid-type]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PlanIn(_In):
    title: str = Field(min_length=1, max_length=200)
    type: PlanType
    unit: str = Field(pattern=CODE_PATTERN, description="code of the owner unit")
    categories: list[Category] = Field(default_factory=list, max_length=len(CATEGORIES))
    incident_types: list[str] = Field(default_factory=list, max_length=50)
    levels: list[Level] = Field(default_factory=list, max_length=len(LEVELS))
    high_risk: bool = Field(default=False, description="drilled every 6 months (rules data)")


class PlanPatch(_In):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    categories: list[Category] | None = None
    incident_types: list[str] | None = Field(default=None, max_length=50)
    levels: list[Level] | None = None
    high_risk: bool | None = None
    status: Literal["retired"] | None = Field(default=None, description="only retiring")


class VersionIn(_In):
    """A new version; sent as JSON (text) or multipart/form-data (with a `document` file)."""

    effective_on: date
    issued_on: date | None = Field(default=None, description="印发 date; default effective_on")
    change_summary: str = Field(min_length=1, max_length=4000)
    approved_by: str = Field(min_length=1, max_length=128)
    text: str | None = Field(default=None, min_length=1, max_length=2_000_000)

    @model_validator(mode="after")
    def _issued_before_effective(self) -> VersionIn:
        if self.issued_on is not None and self.issued_on > self.effective_on:
            raise ValueError("issued_on must not be after effective_on")
        return self


class FilingIn(_In):
    filed_on: date | None = Field(default=None, description="default: today")
    reference: str = Field(default="", max_length=128, description="备案 number")


class ReviewIn(_In):
    reviewed_on: date | None = Field(default=None, description="default: today")
    outcome: Literal["keep", "revise"]
    notes: str = Field(default="", max_length=4000)


class RevisionIn(_In):
    trigger: Trigger
    reason: str = Field(min_length=1, max_length=4000)


class DocumentOut(BaseModel):
    filename: str
    media_type: str
    size: int
    sha256: str
    url: str


class FilingOut(BaseModel):
    plan: int
    version: int
    filed_with: str | None
    filed_with_name: str | None = None
    issued_on: date
    due_on: date
    provisional: bool = Field(description="a holiday schedule in the count is not published yet")
    filed_on: date | None
    reference: str
    status: Literal["pending", "overdue", "filed", "filed_late"]


class VersionOut(BaseModel):
    number: int
    issued_on: date
    effective_on: date
    change_summary: str
    approved_by: str
    text: str | None
    document: DocumentOut | None
    filing: FilingOut | None
    created_at: datetime


class RevisionOut(BaseModel):
    id: int
    plan: int
    trigger: str
    reason: str
    status: Literal["open", "done"]
    drill: int | None
    evaluation: int | None
    opened_by: str
    opened_at: datetime
    closed_by_version: int | None


class ReviewOut(BaseModel):
    id: int
    plan: int
    reviewed_on: date
    outcome: str
    notes: str
    reviewed_by: str


class PlanOut(BaseModel):
    id: int
    title: str
    type: str
    unit: str
    unit_name: str
    status: str
    categories: list[str]
    incident_types: list[str]
    levels: list[str]
    high_risk: bool
    version: int | None
    in_force_since: date | None
    last_reviewed_on: date | None
    last_drilled_on: date | None
    review_due: date | None
    next_drill_due: date | None
    created_at: datetime
    updated_at: datetime


class PlanDetail(PlanOut):
    versions: list[VersionOut]
    revisions: list[RevisionOut]
    reviews: list[ReviewOut]


class PlanListItem(PlanOut):
    filing: Literal["pending", "overdue", "filed", "filed_late"] | None = Field(
        default=None, description="the current version's filing; null without a version"
    )
    filing_due: date | None = None


class PlanList(BaseModel):
    items: list[PlanListItem]
    total: int


class PlanQuery(_In):
    within: str | None = Field(default=None, description="code of a unit; only its subtree")
    type: PlanType | None = None
    status: PlanStatus | None = None
    unit: str | None = Field(default=None, description="only plans owned by this unit")
    q: str | None = Field(
        default=None, max_length=100, description="part of the title or of the owner's name"
    )
    sort: Literal["unit", "title", "review_due", "next_drill_due", "updated"] = "unit"
    limit: int = Field(default=100, ge=1, le=1000)
    offset: Offset = 0


class DueQuery(_In):
    within: str | None = None
    days: int | None = Field(default=None, ge=0, le=3650, description="default: rules data")


class DueItem(BaseModel):
    plan: PlanOut
    due_on: date
    overdue: bool


class DueList(BaseModel):
    as_of: date
    until: date
    reviews: list[DueItem]
    drills: list[DueItem]
    filings: list[FilingOut]


class CoverageQuery(_In):
    within: str | None = None
    target: date | None = Field(default=None, description="default: 31 December this year")


class RequirementCount(BaseModel):
    name: str
    label: str
    required: int
    covered: int


class Gap(BaseModel):
    code: str
    name: str
    kind: str
    tier: str
    requirement: str


class CoverageRow(BaseModel):
    code: str | None = Field(description="county code; null for the overall row")
    name: str
    required: int
    covered: int
    missing: int
    rate: float
    requirements: list[RequirementCount]
    gaps: list[Gap]


class CoverageOut(BaseModel):
    target: date
    overall: CoverageRow
    counties: list[CoverageRow]
