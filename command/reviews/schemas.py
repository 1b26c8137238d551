"""Request and response shapes of the reviews API. Field names are the public contract
(`GET /api/reviews?incident=ID` with `due_at`, `lead_unit`, `state`;
`GET /api/actions?unit=&state=`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from command.reviews.models import ACTION_STATES, EVALUATION_STATES
from command.reviews.rules import SECTIONS
from command.units.schemas import CODE_PATTERN

Name = Annotated[str, StringConstraints(strip_whitespace=True, max_length=128)]
Body = Annotated[str, StringConstraints(strip_whitespace=True, max_length=20_000)]
Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
UnitCode = Annotated[str, StringConstraints(pattern=CODE_PATTERN, max_length=32)]
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
EvaluationState = Literal[EVALUATION_STATES]  # type: ignore[valid-type]
ActionState = Literal[ACTION_STATES]  # type: ignore[valid-type]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GroupIn(_In):
    lead: Name = Field("", description="who leads the evaluation group (组长)")
    members: list[Name] = Field(default_factory=list, max_length=50)


class PlanUsedIn(_In):
    plan: Id = Field(description="a plan of the registry")
    worked: bool | None = Field(None, description="whether the plan worked as written")
    note: Body = ""


class RecommendationIn(_In):
    text: Line
    unit: UnitCode = Field(description="the unit that owns the corrective action")
    due_at: AwareDatetime = Field(description="when the corrective action is due")
    plan: Id | None = Field(None, description="a plan to revise: opens a revision task")


SectionTexts = dict[Literal[SECTIONS], Body]  # type: ignore[valid-type]


class EvaluationPatch(_In):
    """A draft's changes; left-out fields stay as they are, sections merge by name."""

    group: GroupIn | None = None
    sections: SectionTexts | None = None
    plans: list[PlanUsedIn] | None = Field(None, max_length=50)
    recommendations: list[RecommendationIn] | None = Field(None, max_length=100)


class EvaluationQuery(_In):
    incident: Id | None = None
    unit: UnitCode | None = None
    state: EvaluationState | None = None
    overdue: bool | None = None
    limit: int = Field(200, ge=1, le=1000)


class ActionQuery(_In):
    unit: UnitCode | None = None
    state: ActionState | None = None
    overdue: bool | None = None
    evaluation: Id | None = None
    limit: int = Field(200, ge=1, le=1000)


class DoneIn(_In):
    evidence: Body = Field(description="what was done and where it is recorded (required)")


class VerifyIn(_In):
    note: Body = ""


class AnnualQuery(_In):
    year: int | None = Field(None, ge=2000, le=2100, description="default: last year")
    unit: UnitCode | None = None
    lang: Literal["zh", "en"] = "zh"


class ReportQuery(_In):
    lang: Literal["zh", "en"] = "zh"


class ActionOut(BaseModel):
    id: int
    kind: Literal["action"]
    evaluation: int
    incident: int
    incident_title: str
    position: int
    unit: str
    unit_name: str
    unit_name_en: str
    text: str
    due_at: datetime
    state: ActionState
    owed: bool
    overdue: bool
    overdue_at: datetime | None
    plan: int | None
    revision_task: int | None
    evidence: str
    done_at: datetime | None
    done_by: str | None
    verified_at: datetime | None
    verified_by: str | None
    created_at: datetime


class IncidentEvaluationOut(BaseModel):
    id: int
    kind: Literal["evaluation"]
    incident: int
    incident_title: str
    unit: str
    lead_unit: str | None = Field(description="the leading unit's code; null above the tree")
    lead_unit_name: str
    lead_unit_name_en: str
    lead_tier: str
    led_locally: bool = Field(description="false: led by the province or the State Council")
    rule: str
    source: str
    opened_at: datetime
    due_at: datetime
    state: EvaluationState
    owed: bool
    overdue: bool
    overdue_at: datetime | None
    on_time: bool | None
    group: dict[str, Any]
    sections: dict[str, str]
    plans: list[dict[str, Any]]
    recommendations: list[dict[str, Any]]
    updated_at: datetime
    updated_by: str
    updated_by_name: str = Field("", description="the name the last writer goes by")
    submitted_at: datetime | None
    submitted_by: str | None
    submitted_by_name: str = ""
    accepted_at: datetime | None
    accepted_by: str | None
    accepted_by_name: str = ""
    version: int
    actions: list[ActionOut] = Field(default_factory=list)
    facts: dict[str, Any] | None = Field(
        None, description="what the system holds of the incident (one evaluation only)"
    )
    names: dict[str, Any] | None = Field(
        None,
        description="names of what the facts and the evaluation name by code (one evaluation "
        "only): units {code: {name, name_en}}, actors {subject: name}, plans {id: title}",
    )


class IncidentEvaluationList(BaseModel):
    items: list[IncidentEvaluationOut]
    counts: dict[str, int] = Field(description="owed, overdue, submitted, accepted, external")


class ActionList(BaseModel):
    items: list[ActionOut]
    counts: dict[str, int] = Field(description="open, overdue, done, verified")
