"""Request and response shapes of the duty API. Field names are the public contract."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from command.auth.service import SUBJECT_NAME
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


Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Contact = Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)]
Email = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=254, pattern=r"^$|^[^@\s]+@[^@\s]+$")
]


class Person(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    phone: Contact = ""
    email: Email = ""


class ShiftIn(BaseModel):
    """One shift of a duty unit: 带班领导, 值班员, 值班电话."""

    model_config = ConfigDict(extra="forbid")

    unit: UnitCode
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    leader: Person = Field(description="the leader on duty (带班领导)")
    officers: list[Person] = Field(min_length=1, description="the duty officers (值班员)")
    line: Contact = Field("", description="the published duty line (值班电话)")


class ShiftQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unit: UnitCode | None = None
    absent: bool | None = Field(None, description="true: only shifts missed (缺岗)")
    since: AwareDatetime | None = None
    until: AwareDatetime | None = None
    limit: int = Field(500, ge=1, le=5000)


class UnitQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unit: UnitCode | None = None


class SignInIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name = Field(description="who takes post: the leader or one of the officers")


class SignInOut(BaseModel):
    name: str
    by: str
    at: datetime


class ShiftOut(BaseModel):
    id: int
    unit: str
    unit_name: str
    starts_at: datetime
    ends_at: datetime
    leader: Person
    officers: list[Person]
    line: str
    sign_ins: list[SignInOut]
    absent: bool = Field(description="nobody signed in within the grace after the start (缺岗)")


class ShiftList(BaseModel):
    items: list[ShiftOut]


class DutyNow(BaseModel):
    unit: str
    unit_name: str
    shift: ShiftOut | None = Field(description="the shift on duty now, if the roster has one")
    next: ShiftOut | None = None


class ImportProblem(BaseModel):
    row: int
    field: str
    message: str


class ImportResult(BaseModel):
    imported: int
    items: list[ShiftOut]


class HandoverIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unit: UnitCode | None = Field(None, description="the duty unit; the caller's own if unset")
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=8000)] = ""


class HandoverOut(BaseModel):
    id: int
    unit: str
    from_shift: int | None
    to_shift: int | None
    note: str
    open_items: dict
    handed_by: str
    handed_at: datetime
    accepted_by: str | None
    accepted_at: datetime | None


class NamedHandoverOut(HandoverOut):
    handed_by_name: str = Field(description=SUBJECT_NAME)
    accepted_by_name: str = Field(description=SUBJECT_NAME)


class HandoverList(BaseModel):
    items: list[NamedHandoverOut]


class LogEntry(BaseModel):
    at: datetime
    kind: str = Field(
        description="shift.signed_in, shift.absent, call.registered, handover.given, "
        "handover.accepted, or the desk action's event kind (incident.level_changed …)"
    )
    actor: str
    actor_name: str = Field(description='the actor\'s name; "" for a system (系统)')
    incident: int | None
    incident_title: str
    detail: dict


class ShiftLog(BaseModel):
    shift: ShiftOut
    entries: list[LogEntry] = Field(description="in time order")
    counts: dict[str, int] = Field(description="calls, sign_ins and actions")
    generated_at: datetime
