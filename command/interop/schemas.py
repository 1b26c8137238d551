"""Request and response shapes of the interop API (early warnings, CAP, exports)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from command.incidents.schemas import (
    Category,
    IncidentFilters,
    Level,
    Title,
    UnitCode,
)
from command.interop.models import MATCHES, STATES

State = Literal[STATES]  # type: ignore[valid-type]
Match = Literal[MATCHES]  # type: ignore[valid-type]
CapStatus = Literal["Actual", "Exercise"]
Severity = Literal["Extreme", "Severe", "Moderate", "Minor", "Unknown"]
EXPORT_MAX_ROWS = 10_000


def _split_list(value: object) -> object:
    """`?state=a,b` and `?state=a&state=b` both mean [a, b] (as in the incident list)."""
    if value is None:
        return None
    items = value if isinstance(value, list) else [value]
    return [part.strip() for item in items for part in str(item).split(",") if part.strip()]


class AlertQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    event: int | None = Field(
        default=None,
        ge=1,
        le=2**63 - 1,
        description="the event id of an earlier message (as in its identifier); default latest",
    )


class FeedQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unit: UnitCode | None = Field(default=None, description="a unit's code: its subtree only")
    exercise: bool | None = Field(default=None, description="drills only (true) or none (false)")


class ExportQuery(IncidentFilters):
    """The incident list's filters; without `limit`, every match up to EXPORT_MAX_ROWS."""

    limit: int = Field(default=EXPORT_MAX_ROWS, ge=1, le=EXPORT_MAX_ROWS)
    lang: Literal["zh", "en"] = Field(default="zh", description="language of headers and labels")


class WarningFilters(BaseModel):
    model_config = ConfigDict(extra="forbid")

    state: list[State] | None = None
    linked: bool | None = Field(default=None, description="false: warnings that cover no unit")
    status: list[CapStatus] | None = None
    severity: list[Severity] | None = None
    current: bool | None = Field(
        default=None, description="true: active and not expired; false: all others"
    )
    unit: UnitCode | None = Field(default=None, description="a unit's code: its subtree only")
    since: AwareDatetime | None = Field(default=None, description="sent at or after")
    until: AwareDatetime | None = Field(default=None, description="sent before")
    limit: int = Field(default=100, ge=1, le=500)
    offset: int = Field(default=0, ge=0, le=1_000_000)

    _lists = field_validator("state", "status", "severity", mode="before")(_split_list)

    @model_validator(mode="after")
    def _range(self) -> WarningFilters:
        if self.since and self.until and self.until <= self.since:
            raise PydanticCustomError("time_range", "until must lie after since")
        return self


class PromoteIn(BaseModel):
    """Record a warning as an incident (source "cap"); omitted fields come from the alert."""

    model_config = ConfigDict(extra="forbid")

    unit: UnitCode = Field(description="code of the unit where it happens (responsible)")
    title: Title | None = None
    category: Category | None = None
    level: Level | None = None
    type: str | None = Field(default=None, max_length=64)


class NamedValue(BaseModel):
    name: str
    value: str


class CircleOut(BaseModel):
    lon: float
    lat: float
    radius_km: float


class AreaOut(BaseModel):
    description: str
    polygons: list[list[list[float]]] = Field(description="rings of [lon, lat] (GeoJSON order)")
    circles: list[CircleOut]
    geocodes: list[NamedValue]


class ReferenceOut(BaseModel):
    sender: str
    identifier: str
    sent: datetime


class LinkedUnit(BaseModel):
    code: str
    name: str
    match: Match = Field(description="area: its location lies inside; geocode: named by code")


class WarningOut(BaseModel):
    id: int
    sender: str
    identifier: str
    sent: datetime
    status: CapStatus
    msg_type: Literal["Alert", "Update", "Cancel"]
    scope: str
    note: str
    references: list[ReferenceOut]
    incidents: str
    language: str
    languages: list[str]
    event: str
    cap_categories: list[str]
    urgency: str
    severity: str
    certainty: str
    event_codes: list[NamedValue]
    parameters: list[NamedValue]
    category: Category | None
    level: Level | None
    sender_name: str
    headline: str
    description: str
    instruction: str
    effective: datetime
    onset: datetime | None
    expires: datetime | None
    areas: list[AreaOut]
    state: State
    replaced_by: int | None
    linked: bool = Field(description="false: its area covers no unit (not placed yet)")
    units: list[LinkedUnit] = Field(description="covered units in the caller's subtree")
    received_at: datetime
    received_by: str
    incident_id: int | None


class WarningList(BaseModel):
    items: list[WarningOut]
    total: int
    limit: int
    offset: int
