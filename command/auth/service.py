"""Issuing, checking and revoking credentials."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

import anyio
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from command.auth.models import ApiToken, User
from command.auth.roles import CAPABILITIES, ROLES
from command.db import utcnow
from command.errors import Conflict, Invalid, NotFound
from command.events import ACCESS, record_event
from command.units.models import Unit

TOKEN_PREFIX = "wf_"
_hasher = PasswordHasher()
# Verified against when the username is unknown, so both paths take the same time.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


@dataclass(frozen=True)
class Principal:
    """Who is calling: one role, bound to one unit, seeing that unit's subtree."""

    subject: str
    role: str
    unit_id: int
    unit_code: str
    unit_path: str
    name: str = ""

    @classmethod
    def of(cls, unit: Unit, *, role: str, subject: str, name: str = "") -> Principal:
        """The principal with `role` at `unit`: the one way tokens, users and demos build it."""
        return cls(
            subject=subject,
            role=role,
            unit_id=unit.id,
            unit_code=unit.code,
            unit_path=unit.path,
            name=name,
        )

    def can(self, capability: str) -> bool:
        return capability in CAPABILITIES[self.role]

    def sees(self, unit_path: str) -> bool:
        return unit_path.startswith(self.unit_path)

    def as_dict(self) -> dict[str, str]:
        return {
            "subject": self.subject,
            "role": self.role,
            "unit": self.unit_code,
            "unit_path": self.unit_path,
            "name": self.name,
        }


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise Invalid("role", f"unknown role {role!r}; choose one of {', '.join(ROLES)}", bare=True)


async def create_token(
    session: AsyncSession, *, unit: Unit, role: str, label: str = ""
) -> tuple[str, ApiToken]:
    """A new token; the plain value is returned once and never stored."""
    _check_role(role)
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        token_hash=hash_token(plain), prefix=plain[:10], unit_id=unit.id, role=role, label=label
    )
    session.add(row)
    await session.flush()
    return plain, row


async def principal_for_token(session: AsyncSession, plain: str) -> Principal | None:
    if not plain.startswith(TOKEN_PREFIX) or len(plain) > 128:
        return None
    return await _token_principal(session, ApiToken.token_hash == hash_token(plain))


async def principal_for_token_id(session: AsyncSession, token_id: int) -> Principal | None:
    """The principal of a token known by its id; None once it is revoked."""
    return await _token_principal(session, ApiToken.id == token_id)


async def _token_principal(session: AsyncSession, which: ColumnElement[bool]) -> Principal | None:
    found = (
        await session.execute(
            select(ApiToken, Unit)
            .join(Unit, Unit.id == ApiToken.unit_id)
            .where(which, ApiToken.revoked_at.is_(None))
        )
    ).first()
    if found is None:
        return None
    token, unit = found
    name = token.label or f"token {token.prefix}…"
    return Principal.of(unit, role=token.role, subject=f"token:{token.id}", name=name)


async def revoke_token(
    session: AsyncSession, *, token_id: int, within: str, actor: str
) -> ApiToken:
    """Revoke a token; every process drops it, and the screens using it, on the event."""
    token = await session.get(ApiToken, token_id)
    unit = await session.get(Unit, token.unit_id) if token else None
    if token is None or unit is None or not unit.path.startswith(within):
        raise NotFound("token", token_id)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        subject = f"token:{token.id}"
        record_event(
            session,
            topic=ACCESS,
            kind="credential.revoked",
            entity=subject,
            unit_path=unit.path,
            payload={"subject": subject},
            actor=actor,
        )
    return token


async def create_user(
    session: AsyncSession,
    *,
    username: str,
    password: str,
    unit: Unit,
    role: str,
    display_name: str = "",
) -> User:
    _check_role(role)
    if await session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"user {username} already exists")
    password_hash = await hash_password(password)
    user = User(
        username=username,
        display_name=display_name,
        password_hash=password_hash,
        unit_id=unit.id,
        role=role,
    )
    session.add(user)
    await session.flush()
    return user


async def hash_password(password: str) -> str:
    if len(password) < 8:
        raise Invalid("password", "password must be at least 8 characters long", bare=True)
    return await anyio.to_thread.run_sync(_hasher.hash, password)


def check_role(role: str) -> None:
    _check_role(role)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def active_user(session: AsyncSession, username: str) -> User | None:
    return await session.scalar(select(User).where(User.username == username, User.active))


async def password_matches(
    user: User | None, password: str, *, limiter: anyio.CapacityLimiter | None = None
) -> bool:
    """Whether `password` is the user's; checked in a worker thread, at most `limiter`'s
    number at once (argon2 takes 64 MiB and tens of milliseconds each), and with no
    database connection held meanwhile. An unknown user costs the same time."""
    ok = await anyio.to_thread.run_sync(
        _verify, user.password_hash if user else _DUMMY_HASH, password, limiter=limiter
    )
    return user is not None and ok


async def principal_for_user(session: AsyncSession, user_id: int) -> Principal | None:
    found = (
        await session.execute(
            select(User, Unit).join(Unit, Unit.id == User.unit_id).where(User.id == user_id)
        )
    ).first()
    if found is None or not found[0].active:
        return None
    user, unit = found
    name = user.display_name or user.username
    return Principal.of(unit, role=user.role, subject=f"user:{user.username}", name=name)


async def usernames_present(session: AsyncSession, names: list[str]) -> list[str]:
    """Which of these usernames have an account (the sign-in page lists the demo users
    only where the demo is loaded)."""
    found = await session.scalars(select(User.username).where(User.username.in_(names)))
    present = set(found.all())
    return [name for name in names if name in present]


async def subject_names(session: AsyncSession, subjects: set[str]) -> dict[str, str]:
    """The name each "user:…" or "token:…" subject goes by in the pages (a user's display
    name, a token's label), as the principal carries it; other subjects are left out."""
    usernames = {s.removeprefix("user:") for s in subjects if s.startswith("user:")}
    token_ids = {
        int(s.removeprefix("token:"))
        for s in subjects
        if s.startswith("token:") and s.removeprefix("token:").isdigit()
    }
    names: dict[str, str] = {}
    if usernames:
        rows = await session.execute(
            select(User.username, User.display_name).where(User.username.in_(usernames))
        )
        names |= {f"user:{username}": shown or username for username, shown in rows.all()}
    if token_ids:
        rows = await session.execute(
            select(ApiToken.id, ApiToken.label, ApiToken.prefix).where(ApiToken.id.in_(token_ids))
        )
        names |= {f"token:{i}": label or f"token {prefix}…" for i, label, prefix in rows.all()}
    return names


SUBJECT_NAME = 'the name auth\'s subject_names gives the subject ("" for a system actor)'


async def name_subjects(
    session: AsyncSession, rows: list[dict[str, Any]], *fields: str
) -> list[dict[str, Any]]:
    """Put `<field>_name` beside each subject field of these rows: the name subject_names
    gives it, "" for a system actor or an unknown one (the pages say 系统 / System)."""
    subjects = {row[field] for row in rows for field in fields if row.get(field)}
    names = await subject_names(session, subjects) if subjects else {}
    for row in rows:
        for field in fields:
            row[f"{field}_name"] = names.get(row.get(field) or "", "")
    return rows
