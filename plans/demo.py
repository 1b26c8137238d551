"""Demo data of this domain."""

from sqlalchemy.ext.asyncio import AsyncSession


async def load(session: AsyncSession) -> None:
    return None
