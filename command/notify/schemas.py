"""Shapes of the notifications API. Field names are the public contract."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from command.notify.models import DELIVERY_STATES
from command.units.schemas import CODE_PATTERN

State = Literal[DELIVERY_STATES]  # type: ignore[valid-type]
UnitCode = Annotated[str, StringConstraints(pattern=CODE_PATTERN, max_length=32)]


class DeliveryQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    incident: int | None = Field(None, ge=1, le=2**63 - 1)
    unit: UnitCode | None = None
    state: State | None = None
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


class DeliveryList(BaseModel):
    items: list[DeliveryOut]
