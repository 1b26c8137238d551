"""The demo city's evaluations: none is invented; closing a demo incident opens one."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession


async def load(session: AsyncSession) -> None:
    return None
