from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

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
