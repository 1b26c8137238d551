"""Request and response shapes of the duty API. Field names are the public contract."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from command.duty.models import CALL_CHANNELS
from command.incidents.schemas import IncidentIn, IncidentOut
from command.units.schemas import CODE_PATTERN

Body = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
UnitCode = Annotated[str, StringConstraints(pattern=CODE_PATTERN, max_length=32)]


CallChannel = Literal[CALL_CHANNELS]  # type: ignore[valid-type]
Line = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]


class CallIn(BaseModel):
    """A call or document received (来电来文), as the duty office's register records it."""

    model_config = ConfigDict(extra="forbid")

    received_at: AwareDatetime | None = Field(None, description="来电/来文时间; now if unset")
    channel: CallChannel = "phone"
    caller_name: Line = Field("", description="来电人")
    caller_phone: Phone = ""
    caller_unit: Line = Field("", description="来电单位")
    place: Line = Field("", description="where it happened, as the caller said")
    content: Body = Field(description="what happened (内容)")
    actions: Note = Field("", description="what was done about it (处理情况)")
    told: Note = Field("", description="whom the caller has already told (已告知谁)")
    incident: IncidentIn | None = Field(
        None, description="log an incident from the call (source hotline, media, higher …)"
    )


class CallQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unit: UnitCode | None = None
    since: AwareDatetime | None = None
    until: AwareDatetime | None = None
    limit: int = Field(200, ge=1, le=1000)


class CallOut(BaseModel):
    id: int
    unit: str
    received_at: datetime
    channel: CallChannel
    caller_name: str
    caller_phone: str
    caller_unit: str
    place: str
    content: str
    actions: str
    told: str
    incident: int | None
    recorded_by: str
    recorded_at: datetime


class CallList(BaseModel):
    items: list[CallOut]


class CallRegistered(BaseModel):
    call: CallOut
    incident: IncidentOut | None = None
