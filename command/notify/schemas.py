"""Shapes of the notifications API. Field names are the public contract."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from command.auth.service import SUBJECT_NAME
from command.notify.models import DELIVERY_STATES
from command.units.schemas import CODE_PATTERN

State = Literal[DELIVERY_STATES]  # type: ignore[valid-type]
UnitCode = Annotated[str, StringConstraints(pattern=CODE_PATTERN, max_length=32)]


def _empty_is_any(value: Any) -> Any:
    """`?incident=&unit=&state=` as the contract writes it: an empty filter filters nothing."""
    return None if value == "" else value


AnyWhenEmpty = BeforeValidator(_empty_is_any)


class DeliveryQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    incident: Annotated[int | None, AnyWhenEmpty] = Field(None, ge=1, le=2**63 - 1)
    unit: Annotated[UnitCode | None, AnyWhenEmpty] = None
    state: Annotated[State | None, AnyWhenEmpty] = None
    limit: int = Field(200, ge=1, le=1000)


class DeliveryOut(BaseModel):
    id: int
    event: int
    rule: str
    channel: str
    recipient: str
    address: str = Field(description="a mail address; a notification URL only by its scheme")
    incident: int | None
    obligation: int | None
    subject: str
    body: str
    state: State
    attempts: int
    sent_at: datetime | None
    last_error: str
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    created_at: datetime
    repeat: int = Field(0, description="0 for the first message, n for its n-th repeat")


class NamedDeliveryOut(DeliveryOut):
    acknowledged_by_name: str = Field(description=SUBJECT_NAME)


class DeliveryList(BaseModel):
    items: list[NamedDeliveryOut]
