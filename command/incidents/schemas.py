"""Request and response shapes of the incident API. Field names are the public contract."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from command.auth.service import SUBJECT_NAME
from command.incidents import geometry
from command.incidents.models import CATEGORIES, CHANNELS, LEVELS, REPORT_KINDS, SOURCES, STATUSES

Category = Literal[CATEGORIES]  # type: ignore[valid-type]
Level = Literal[LEVELS]  # type: ignore[valid-type]
Status = Literal[STATUSES]  # type: ignore[valid-type]
Source = Literal[SOURCES]  # type: ignore[valid-type]
ReportKind = Literal[REPORT_KINDS]  # type: ignore[valid-type]
Channel = Literal[CHANNELS]  # type: ignore[valid-type]
LevelFilter = Literal[(*LEVELS, "none")]  # type: ignore[valid-type]

Count = Annotated[int, Field(ge=0, le=100_000_000)]
Loss = Annotated[
    float,
    Field(ge=0, allow_inf_nan=False, description="direct economic loss, in 10,000 CNY (万元)"),
]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Text = Annotated[str, Field(max_length=20_000)]
UnitCode = Annotated[str, StringConstraints(min_length=1, max_length=32)]
Addressees = Annotated[
    list[UnitCode],
    Field(
        min_length=1,
        max_length=6,
        description="越级上报: codes of the units above the reporting unit the report is "
        "addressed to; it meets only the links to them. Omit: the unit above, and any "
        "unit the rules require a direct report to.",
    ),
]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class Content(BaseModel):
    """What an initial report states besides the figures (DOMAIN-RULES 初报)."""

    scope: Text = Field(default="", description="影响范围: the area and people affected")
    development: Text = Field(default="", description="发展趋势: the likely development")
    leaders: Text = Field(default="", description="领导到场情况: leaders on scene")


def _geometry(value: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
    """Checked with the intake bounds of the request's settings (command.http.read_model
    passes them as the validation context), else the defaults."""
    settings = (info.context or {}).get("settings")
    bounds = (
        {"max_vertices": settings.max_geometry_vertices, "max_bytes": settings.max_geometry_bytes}
        if settings is not None
        else {}
    )
    try:
        return geometry.parse(value, **bounds)
    except geometry.GeometryError as exc:
        raise PydanticCustomError(exc.kind, "{reason}", {"reason": str(exc)}) from None


Geometry = Annotated[
    dict[str, Any], AfterValidator(_geometry), WithJsonSchema(geometry.JSON_SCHEMA)
]


class Casualties(BaseModel):
    """People dead, missing and injured, as totals at the time of the report."""

    model_config = ConfigDict(extra="forbid")

    dead: Count | None = None
    missing: Count | None = None
    injured: Count | None = None


class IncidentIn(Content):
    """An incident with its initial report (初报), or, with a `source` other than "field",
    an incident the command center learned of elsewhere."""

    model_config = ConfigDict(extra="forbid")

    title: Title
    category: Category
    type: str = Field(default="", max_length=64)
    level: Level | None = None
    occurred_at: AwareDatetime
    learned_at: AwareDatetime | None = Field(
        default=None, description="获悉时间: when the unit learned of it; defaults to receipt"
    )
    unit: UnitCode = Field(description="code of the unit where it happened")
    geometry: Geometry
    sensitive: bool = False
    exercise: bool = False
    summary: Text = ""
    measures: Text = ""
    casualties: Casualties | None = None
    affected: Count | None = None
    loss: Loss | None = None
    source: Source = "field"
    channel: Channel = "written"
    device_time: AwareDatetime | None = None
    to: Addressees | None = None


class ReportIn(Content):
    model_config = ConfigDict(extra="forbid")

    kind: ReportKind
    channel: Channel = "written"
    unit: UnitCode | None = Field(default=None, description="defaults to the caller's unit")
    summary: Text = ""
    measures: Text = ""
    casualties: Casualties | None = None
    affected: Count | None = None
    loss: Loss | None = None
    device_time: AwareDatetime | None = None
    to: Addressees | None = None
    verified: bool = Field(default=False, description="核报: the verified figures")
    explanation: Text = Field(default="", description="why the casualty figures jumped")


class IncidentPatch(BaseModel):
    """Level, status and verified facts. Omit a field to keep it; null is refused."""

    model_config = ConfigDict(extra="forbid")

    level: Level | None = None
    status: Status | None = None
    title: Title | None = None
    type: str | None = Field(default=None, max_length=64)
    geometry: Geometry | None = None
    sensitive: bool | None = None
    summary: Text | None = None
    measures: Text | None = None
    casualties: Casualties | None = None
    affected: Count | None = None
    loss: Loss | None = None
    explanation: Text | None = Field(default=None, description="why the casualty figures jumped")

    @field_validator("*", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise PydanticCustomError("null_refused", "may not be null; omit it to keep the value")
        return value


def _split_list(value: Any) -> Any:
    """`?status=a,b` and `?status=a&status=b` both mean [a, b]."""
    if value is None:
        return None
    items = value if isinstance(value, list) else [value]
    return [part.strip() for item in items for part in str(item).split(",") if part.strip()]


class IncidentFilters(BaseModel):
    """Which incidents to list; used by the API, the exports and the wall display."""

    model_config = ConfigDict(extra="forbid")

    status: list[Status] | None = None
    level: list[LevelFilter] | None = Field(default=None, description="'none': unassessed")
    category: list[Category] | None = None
    unit: UnitCode | None = Field(default=None, description="a unit's code: its subtree only")
    exercise: bool | None = Field(default=None, description="drills only (true) or none (false)")
    sensitive: bool | None = None
    since: AwareDatetime | None = Field(default=None, description="occurred_at at or after")
    until: AwareDatetime | None = Field(default=None, description="occurred_at before")
    limit: int = Field(default=100, ge=1, le=500)
    offset: int = Field(default=0, ge=0, le=1_000_000)

    _lists = field_validator("status", "level", "category", mode="before")(_split_list)

    @model_validator(mode="after")
    def _range(self) -> IncidentFilters:
        if self.since and self.until and self.until <= self.since:
            raise PydanticCustomError("time_range", "until must lie after since")
        return self


class CasualtiesOut(BaseModel):
    dead: int
    missing: int
    injured: int


class ReportOut(BaseModel):
    id: int
    incident_id: int
    kind: ReportKind
    seq: int = Field(description="0 for initial and final reports; 1, 2, … for 续报一, 续报二")
    channel: Channel
    unit: str
    summary: str
    measures: str
    casualties: Casualties = Field(description="as stated; null where the report was silent")
    affected: int | None
    loss: float | None
    missing_facts: list[str] = Field(description="key facts an initial report left out")
    received_at: datetime = Field(description="server receipt time (authoritative)")
    device_time: datetime | None
    device_time_flagged: bool = Field(
        description="the device's clock was ahead of the server's beyond the allowed skew"
    )
    submitted_by: str
    logged_by: str | None = Field(description="who logged a phone report for the unit")
    scope: str
    development: str
    leaders: str
    to: list[str] | None = Field(description="the addressees it named (越级上报)")
    verified: bool = Field(description="核报")
    supplement: bool = Field(description="补报: casualties changed after the final report")
    explanation: str


class CorrectionIn(BaseModel):
    """A correction (更正) of a report: the new values of the fields it changes, and why."""

    model_config = ConfigDict(extra="forbid")

    casualties: Casualties | None = None
    affected: Count | None = None
    loss: Loss | None = None
    summary: Text | None = None
    measures: Text | None = None
    scope: Text | None = None
    development: Text | None = None
    leaders: Text | None = None
    reason: Reason
    explanation: Text = Field(default="", description="why the casualty figures jumped")


class IncidentOut(BaseModel):
    id: int
    title: str
    category: Category
    type: str
    level: Level | None
    status: Status
    source: Source
    occurred_at: datetime
    learned_at: datetime
    received_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    unit: str
    unit_path: str
    geometry: dict[str, Any]
    lon: float
    lat: float
    sensitive: bool
    exercise: bool
    summary: str
    measures: str
    casualties: CasualtiesOut
    affected: int
    loss: float
    created_by: str
    acknowledged_at: datetime | None = Field(
        None, description="when a duty officer acknowledged it at the centre (签收, 接报时间)"
    )
    acknowledged_by: str | None = None
    version: int = Field(1, description="raised by every change; the ETag is id.version")
    reports: list[ReportOut]


class NamedReportOut(ReportOut):
    """A report as the read answers show it: with who submitted and logged it by name."""

    submitted_by_name: str = Field(description=SUBJECT_NAME)
    logged_by_name: str = Field(description=SUBJECT_NAME)


class NamedIncidentOut(IncidentOut):
    """The incident as GET /api/incidents/{id} shows it: with the names of its subjects."""

    created_by_name: str = Field(description=SUBJECT_NAME)
    acknowledged_by_name: str = Field(description=SUBJECT_NAME)
    reports: list[NamedReportOut]


class IncidentList(BaseModel):
    items: list[IncidentOut]
    total: int
    limit: int
    offset: int


class Change(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: Any = Field(alias="from")
    to: Any


class HistoryEntry(BaseModel):
    id: int = Field(description="event id")
    at: datetime
    actor: str
    actor_name: str = Field(description=SUBJECT_NAME)
    kind: str
    changes: dict[str, Change]
    report: ReportOut | None = None


class IncidentHistory(BaseModel):
    incident_id: int
    items: list[HistoryEntry]


class IncidentFeature(BaseModel):
    type: Literal["Feature"]
    id: int
    geometry: dict[str, Any]
    properties: dict[str, Any]


class IncidentFeatureCollection(BaseModel):
    type: Literal["FeatureCollection"]
    features: list[IncidentFeature]


class CorrectionOut(BaseModel):
    id: int
    incident_id: int
    report_id: int
    unit: str
    by_centre: bool = Field(description="made by the centre, not the report's own unit")
    changes: dict[str, Change]
    reason: str
    explanation: str
    supplement: bool = Field(description="补报")
    at: datetime
    actor: str


class NamedCorrectionOut(CorrectionOut):
    actor_name: str = Field(description=SUBJECT_NAME)


class CorrectionList(BaseModel):
    items: list[NamedCorrectionOut]
    total: int
