from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from command.units.models import KINDS, TIERS

Tier = Literal[TIERS]  # type: ignore[valid-type]
Kind = Literal[KINDS]  # type: ignore[valid-type]
CODE_PATTERN = r"^[0-9A-Za-z][0-9A-Za-z._-]{1,31}$"


class UnitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=CODE_PATTERN)
    name: str = Field(min_length=1, max_length=128)
    name_en: str = Field(default="", max_length=128)
    kind: Kind
    tier: Tier
    parent: str | None = None
    lon: float | None = Field(default=None, ge=-180, le=180)
    lat: float | None = Field(default=None, ge=-90, le=90)


class UnitOut(BaseModel):
    code: str
    name: str
    name_en: str
    kind: str
    tier: str
    parent: str | None
    path: str
    depth: int
    lon: float | None
    lat: float | None


class UnitList(BaseModel):
    items: list[UnitOut]
    total: int


class UnitQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Kind | None = None
    tier: Tier | None = None
    within: str | None = Field(default=None, description="code of a unit; only its subtree")


ContactKind = Literal["email", "apprise", "phone"]


class Contact(BaseModel):
    """Where a unit's duty is reached: a mail address, an apprise URL (dingtalk://,
    wecom://, feishu://, json://… for a webhook) or a phone number (shown, not dialled)."""

    model_config = ConfigDict(extra="forbid")

    kind: ContactKind
    address: str = Field(min_length=1, max_length=1000)
    label: str = Field(default="", max_length=64)

    @model_validator(mode="after")
    def _address_fits_kind(self) -> Contact:
        if self.kind == "email" and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", self.address):
            raise PydanticCustomError("contact_email", "not a mail address")
        if self.kind == "apprise" and not channel_url_ok(self.address):
            raise PydanticCustomError("contact_url", "not a notification URL apprise knows")
        return self


class UnitPatch(BaseModel):
    """Names, position and contacts of a unit; omit a field to keep it."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=128)
    name_en: str | None = Field(default=None, max_length=128)
    lon: float | None = Field(default=None, ge=-180, le=180)
    lat: float | None = Field(default=None, ge=-90, le=90)
    contacts: list[Contact] | None = Field(default=None, max_length=20)


class UnitMove(BaseModel):
    """Where a unit goes: the code of its new parent."""

    model_config = ConfigDict(extra="forbid")

    parent: str = Field(min_length=1, max_length=32)


class UnitDetail(UnitOut):
    contacts: list[Contact] | None = Field(
        default=None, description="for administrators only; absent for everyone else"
    )


def channel_url_ok(url: str) -> bool:
    """Whether apprise can build a notifier from the URL (checked offline: nothing sent)."""
    import apprise

    return apprise.Apprise.instantiate(url, suppress_exceptions=True) is not None
