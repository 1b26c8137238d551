"""Request and response shapes of the instructions API. Field names are the public
contract (`by`, `text`, `units`, `due_at`; feedback `unit`, `text`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from command.auth.service import SUBJECT_NAME
from command.deadlines.schemas import ObligationOut
from command.incidents.schemas import IncidentOut
from command.units.schemas import CODE_PATTERN

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]
Body = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
UnitCode = Annotated[str, StringConstraints(pattern=CODE_PATTERN, max_length=32)]
InstructionState = Literal["open", "overdue", "done"]


class InstructionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    by: Name = Field(description="the leader who gave the instruction (e.g. 市长 张三)")
    text: Body
    units: list[UnitCode] = Field(min_length=1, max_length=50, description="unit codes")
    due_at: AwareDatetime | None = Field(None, description="when feedback is due")
    given_at: AwareDatetime | None = Field(None, description="when it was given; now if unset")


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unit: UnitCode
    text: Body


class InstructionQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    state: InstructionState | None = None
    unit: UnitCode | None = None
    incident: int | None = Field(None, ge=1, le=2**63 - 1)
    limit: int = Field(200, ge=1, le=1000)


class FeedbackOut(BaseModel):
    id: int
    unit: str
    unit_name: str
    text: str
    at: datetime
    by: str


class AddresseeOut(BaseModel):
    unit: str
    unit_name: str
    done_at: datetime | None


class InstructionOut(BaseModel):
    id: int
    incident: int
    incident_title: str
    by: str
    given_at: datetime
    text: str
    due_at: datetime | None
    state: Literal["open", "done"]
    overdue: bool
    logged_by: str
    logged_at: datetime
    done_at: datetime | None
    units: list[AddresseeOut]
    feedback: list[FeedbackOut]


class NamedInstructionOut(InstructionOut):
    logged_by_name: str = Field(description=SUBJECT_NAME)


class InstructionList(BaseModel):
    items: list[NamedInstructionOut]
    counts: dict[str, int] = Field(description="open, overdue and done in the caller's view")


class PreviewObligations(BaseModel):
    added: list[ObligationOut]
    withdrawn: list[ObligationOut]
    moved: list[ObligationOut]


class ChangePreview(BaseModel):
    incident: IncidentOut = Field(description="the incident as the change would leave it")
    obligations: PreviewObligations
