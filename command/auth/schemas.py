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
    unit_name: str = ""
    role: str
    label: str
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None = None
    token: str | None = Field(default=None, description="the secret, only in the create response")
    kiosk_url: str | None = Field(
        default=None, description="display tokens, at creation: the wall's sign-in address"
    )
    kiosk_qr: str | None = Field(
        default=None, description="that address as a QR code (an SVG data: URI)"
    )


class TokenList(BaseModel):
    items: list[TokenOut]


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    username: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
    display_name: str = Field(default="", max_length=128)
    unit: str = Field(pattern=CODE_PATTERN)
    role: str
    password: str = Field(min_length=1, max_length=256)


class UserPatch(BaseModel):
    """Omit a field to keep it; `password` sets a new one (a reset)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    display_name: str | None = Field(default=None, max_length=128)
    unit: str | None = Field(default=None, pattern=CODE_PATTERN)
    role: str | None = None
    active: bool | None = None
    password: str | None = Field(default=None, min_length=1, max_length=256)


class UserOut(BaseModel):
    id: int
    username: str
    display_name: str
    unit: str
    unit_name: str
    role: str
    active: bool
    created_at: datetime


class UserList(BaseModel):
    items: list[UserOut]


class SessionQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user: str | None = Field(default=None, min_length=1, max_length=64, description="username")
    ended: bool = Field(default=False, description="also revoked and expired sessions")


class SessionOut(BaseModel):
    id: int
    user: str | None = Field(description="the username; null for a kiosk screen")
    kiosk_token: int | None = Field(description="the display token a kiosk signed in with")
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    address: str
    user_agent: str


class SessionList(BaseModel):
    items: list[SessionOut]


class RevokedCount(BaseModel):
    revoked: int
