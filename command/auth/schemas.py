from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from command.units.schemas import CODE_PATTERN


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class PrincipalOut(BaseModel):
    subject: str
    role: str
    unit: str
    unit_path: str
    name: str


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unit: str = Field(pattern=CODE_PATTERN)
    role: str
    label: str = Field(default="", max_length=128)


class TokenOut(BaseModel):
    id: int
    prefix: str
    unit: str
    role: str
    label: str
    created_at: datetime
    revoked_at: datetime | None
    token: str | None = Field(default=None, description="the secret, only in the create response")


class TokenList(BaseModel):
    items: list[TokenOut]
