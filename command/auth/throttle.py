"""Sign-in throttling per account and per client address, shared by every process (a
table, so that N workers do not allow N times the attempts).

Each key counts its failures within a window; at the limit it is blocked for the lockout,
and every attempt meanwhile is refused with 429 and Retry-After before any password is
hashed. A success clears the account's count (not the address's: one right password must
not reset a guesser's budget for every other account).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from command.auth.models import LoginFailure
from command.db import utcnow
from command.errors import RateLimited


@dataclass(frozen=True)
class Budget:
    """Failures allowed per key within `window_seconds` before `lockout_seconds` of refusal."""

    account_failures: int
    address_failures: int
    window_seconds: int
    lockout_seconds: int


def keys(username: str, address: str) -> dict[str, str]:
    return {"account": f"account:{username[:64]}", "address": f"address:{address[:64]}"}


def _limit(kind: str, budget: Budget) -> int:
    return budget.account_failures if kind == "account" else budget.address_failures


def _insert(session: AsyncSession):
    """INSERT … ON CONFLICT DO NOTHING in this session's dialect."""
    dialect = session.bind.dialect.name
    return (pg_insert if dialect == "postgresql" else sqlite_insert)(LoginFailure)


async def _rows(
    session: AsyncSession, names: list[str], *, lock: bool = False
) -> dict[str, LoginFailure]:
    query = select(LoginFailure).where(LoginFailure.key.in_(names))
    rows = (await session.scalars(query.with_for_update() if lock else query)).all()
    return {row.key: row for row in rows}


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(1, math.ceil((moment - now).total_seconds()))


async def ensure_allowed(session: AsyncSession, *, username: str, address: str) -> None:
    """RateLimited (429, Retry-After) while the account or the address is blocked."""
    now = utcnow()
    named = keys(username, address)
    rows = await _rows(session, list(named.values()))
    for kind, key in named.items():
        row = rows.get(key)
        if row is not None and row.blocked_until is not None and row.blocked_until > now:
            raise RateLimited(
                f"too many failed sign-ins for this {kind}; try again later",
                retry_after=_seconds_until(row.blocked_until, now),
                code="login_throttled",
            )


async def record_failure(
    session: AsyncSession, *, username: str, address: str, budget: Budget
) -> None:
    now = utcnow()
    window = timedelta(seconds=budget.window_seconds)
    named = keys(username, address)
    fresh = [{"key": key, "failures": 0, "window_start": now} for key in named.values()]
    # Made if missing, then locked: two failures racing in both count.
    await session.execute(_insert(session).values(fresh).on_conflict_do_nothing())
    rows = await _rows(session, list(named.values()), lock=True)
    for kind, key in named.items():
        row = rows[key]
        if row.window_start + window <= now:
            row.failures, row.window_start, row.blocked_until = 0, now, None
        row.failures += 1
        if row.failures >= _limit(kind, budget):
            row.blocked_until = now + timedelta(seconds=budget.lockout_seconds)
            row.failures, row.window_start = 0, now


async def record_success(session: AsyncSession, *, username: str) -> None:
    row = await session.get(LoginFailure, keys(username, "")["account"])
    if row is not None:
        await session.delete(row)
