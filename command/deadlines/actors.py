"""The unit behind an actor subject ("user:<name>", "token:<id>"): the unit that logged
an incident itself learned of it at the incident's learned_at."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from command.auth.models import ApiToken, User


async def unit_of(session: AsyncSession, subject: str) -> int | None:
    kind, _, key = subject.partition(":")
    if kind == "user":
        return await session.scalar(select(User.unit_id).where(User.username == key))
    if kind == "token" and key.isdigit():
        return await session.scalar(select(ApiToken.unit_id).where(ApiToken.id == int(key)))
    return None
