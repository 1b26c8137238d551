"""Request and response shapes of the assessment API. Names are the public contract:
`total`, `grade`, `points` (per indicator, with the `records` behind computed ones)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from command.units.schemas import CODE_PATTERN

UnitCode = Annotated[str, StringConstraints(pattern=CODE_PATTERN, max_length=32)]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
IndicatorKey = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Year = Annotated[int, Field(ge=2000, le=2100)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class SubtreeQuery(_In):
    unit: UnitCode | None = Field(default=None, description="root of the subtree; caller's own")


class TrainingsQuery(SubtreeQuery):
    year: Year | None = Field(default=None, description="default: this year")


class EvidenceQuery(_In):
    year: Year
    indicator: IndicatorKey = Field(description="the manual indicator the file backs")
    filename: Annotated[str, StringConstraints(max_length=255)] = ""
    unit: UnitCode | None = Field(default=None, description="the unit; caller's own")


class ScorecardQuery(_In):
    year: Year
    unit: UnitCode | None = Field(default=None, description="root of the subtree; caller's own")
    lang: Literal["zh", "en"] = "zh"


class CircularQuery(_In):
    from_: date = Field(alias="from")
    to: date
    unit: UnitCode | None = None
    seq: int = Field(default=1, ge=1, le=9999, description="the number in 发文字号 (〔year〕seq号)")


class ManualScoreIn(_In):
    indicator: IndicatorKey
    points: float = Field(ge=0)
    note: Note = ""


class SelfAssessmentIn(_In):
    year: Year
    unit: UnitCode | None = None
    notes: Note = ""
    scores: list[ManualScoreIn] = Field(default_factory=list, max_length=200)
    submit: bool = Field(default=False, description="submit (上报) rather than keep a draft")


class AdjustmentIn(_In):
    year: Year
    unit: UnitCode
    indicator: IndicatorKey
    points: float = Field(ge=0)
    reason: Reason
    override_reason: Reason | None = Field(
        default=None,
        description="the inspector acts against a refusing rule of the cycle's dates "
        "(where the sheet allows an override), with this reason (audited)",
    )


class ApprovalIn(_In):
    year: Year
    unit: UnitCode
    override_reason: Reason | None = Field(
        default=None,
        description="the inspector acts against a refusing rule of the cycle's dates "
        "(where the sheet allows an override), with this reason (audited)",
    )


class ScorecardList(BaseModel):
    year: int
    unit: str
    cycle: dict[str, Any] | None
    items: list[dict[str, Any]]
