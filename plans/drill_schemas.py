"""Request and response models of drills (应急演练), their evaluation and calendar feeds."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    model_validator,
)

from command.ids import DbId, Offset
from command.units.schemas import CODE_PATTERN
from plans.models import DRILL_FORMS, DRILL_PURPOSES, DRILL_SCOPES, DRILL_STATUSES

Form = Literal[DRILL_FORMS]  # type: ignore[valid-type]
Scope = Literal[DRILL_SCOPES]  # type: ignore[valid-type]
Purpose = Literal[DRILL_PURPOSES]  # type: ignore[valid-type]
DrillStatus = Literal[DRILL_STATUSES]  # type: ignore[valid-type]
# The evaluation items of a drill (2013 art. 23) and the rating of each.
EVALUATION_ITEMS = (
    "execution",
    "plan_soundness",
    "command_coordination",
    "responders",
    "equipment",
)
Item = Literal[EVALUATION_ITEMS]  # type: ignore[valid-type]
Rating = Literal["good", "adequate", "poor"]
Geometry = dict[str, Any]
# Any offset is accepted; times are kept and shown in UTC.
Moment = Annotated[AwareDatetime, AfterValidator(lambda moment: moment.astimezone(UTC))]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _check_order(starts_at: datetime | None, ends_at: datetime | None) -> None:
    if starts_at is not None and ends_at is not None and ends_at <= starts_at:
        raise ValueError("ends_at must be after starts_at")


class DrillIn(_In):
    title: str = Field(min_length=1, max_length=200)
    plans: list[DbId] = Field(min_length=1, max_length=50, description="ids of the plans drilled")
    form: Form
    scope: Scope
    purpose: Purpose
    organizer: str = Field(pattern=CODE_PATTERN, description="code of the organizing unit")
    units: list[str] = Field(default_factory=list, max_length=500, description="participants")
    starts_at: Moment
    ends_at: Moment
    location: Geometry | None = Field(default=None, description="GeoJSON geometry")
    status: Literal["scheduled", "completed"] = Field(
        default="scheduled", description="'completed' records a drill that already took place"
    )
    rrule: str | None = Field(default=None, max_length=500, description="RFC 5545 RRULE value")
    description: str = Field(default="", max_length=4000)
    override_reason: str | None = Field(
        default=None, min_length=1, max_length=2000, description="book over conflicts (recorded)"
    )

    @model_validator(mode="after")
    def _ends_after_start(self) -> DrillIn:
        _check_order(self.starts_at, self.ends_at)
        return self


class DrillPatch(_In):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    plans: list[DbId] | None = Field(default=None, min_length=1, max_length=50)
    units: list[str] | None = Field(default=None, max_length=500)
    starts_at: Moment | None = None
    ends_at: Moment | None = None
    location: Geometry | None = None
    status: DrillStatus | None = None
    reason: str | None = Field(default=None, max_length=2000, description="why the status changed")
    rrule: str | None = Field(default=None, max_length=500)
    description: str | None = Field(default=None, max_length=4000)
    override_reason: str | None = Field(default=None, min_length=1, max_length=2000)

    @model_validator(mode="after")
    def _ends_after_start(self) -> DrillPatch:
        _check_order(self.starts_at, self.ends_at)
        return self


class Occurrence(BaseModel):
    starts_at: datetime
    ends_at: datetime


class OverrideOut(BaseModel):
    reason: str
    conflicts: list[int]
    by: str


class DrillOut(BaseModel):
    id: int
    title: str
    plans: list[int]
    form: str
    scope: str
    purpose: str
    organizer: str
    organizer_name: str
    units: list[str]
    starts_at: datetime
    ends_at: datetime
    location: Geometry | None
    status: str
    status_reason: str
    rrule: str | None
    exercise: Literal[True] = Field(default=True, description="drill traffic, never real")
    description: str
    override: OverrideOut | None
    sequence: int
    created_by: str
    created_at: datetime
    updated_at: datetime
    occurrences: list[Occurrence] | None = Field(
        default=None, description="occurrences inside the requested window"
    )


class DrillList(BaseModel):
    items: list[DrillOut]
    total: int


class DrillQuery(_In):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    within: str | None = Field(default=None, description="code of a unit; only its subtree")
    status: DrillStatus | None = None
    plan: DbId | None = None
    window_from: Moment | None = Field(default=None, alias="from")
    window_to: Moment | None = Field(default=None, alias="to")
    limit: int = Field(default=200, ge=1, le=1000)
    offset: Offset = 0

    @model_validator(mode="after")
    def _window_order(self) -> DrillQuery:
        _check_order(self.window_from, self.window_to)
        return self


class ItemIn(_In):
    rating: Rating
    notes: str = Field(default="", max_length=4000)


class FindingIn(_In):
    item: Item
    text: str = Field(min_length=1, max_length=4000)
    plan: DbId | None = Field(default=None, description="the drilled plan the finding concerns")
    revise: bool = Field(default=False, description="open a revision task on the plan")

    @model_validator(mode="after")
    def _revise_names_plan(self) -> FindingIn:
        if self.revise and self.plan is None:
            raise ValueError("a finding that revises a plan must name the plan")
        return self


class EvaluationIn(_In):
    occurrence: Moment | None = Field(
        default=None, description="start of the occurrence evaluated (recurring drills)"
    )
    execution: ItemIn
    plan_soundness: ItemIn
    command_coordination: ItemIn
    responders: ItemIn
    equipment: ItemIn
    suggestions: str = Field(default="", max_length=8000)
    findings: list[FindingIn] = Field(default_factory=list, max_length=100)


class EvaluationOut(BaseModel):
    id: int
    drill: int
    occurrence: datetime
    execution: ItemIn
    plan_soundness: ItemIn
    command_coordination: ItemIn
    responders: ItemIn
    equipment: ItemIn
    suggestions: str
    findings: list[FindingIn]
    revision_tasks: list[int]
    evaluated_by: str
    created_at: datetime
    exercise: Literal[True] = True


class EvaluationList(BaseModel):
    items: list[EvaluationOut]


class FeedIn(_In):
    unit: str | None = Field(default=None, pattern=CODE_PATTERN, description="default: yours")
    label: str = Field(default="", max_length=128)


class FeedOut(BaseModel):
    id: int
    unit: str
    label: str
    created_by: str
    created_at: datetime
    revoked_at: datetime | None
    url: str | None = Field(default=None, description="shown once, at creation")


class FeedList(BaseModel):
    items: list[FeedOut]
