"""When each API token was last used, written at most once a minute per process.

A busy device makes many requests; writing on every one would turn reads into writes.
The admin page only needs "last used" to the minute, so each process remembers when it
last wrote each token's time and skips writes until a minute has passed.
"""

from __future__ import annotations

import time

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from command.auth.models import ApiToken
from command.db import utcnow

EVERY_SECONDS = 60.0
MAX_REMEMBERED = 10_000


class TokenUse:
    def __init__(self, every: float = EVERY_SECONDS) -> None:
        self.every = every
        self._written: dict[int, float] = {}

    def due(self, token_id: int) -> bool:
        """Whether this token's time should be written now (and note that it will be)."""
        now = time.monotonic()
        last = self._written.get(token_id)
        if last is not None and now - last < self.every:
            return False
        if len(self._written) >= MAX_REMEMBERED:
            self._written.clear()
        self._written[token_id] = now
        return True


def token_id_of(subject: str) -> int | None:
    kind, _, value = subject.partition(":")
    return int(value) if kind == "token" and value.isdigit() else None


async def mark_used(session: AsyncSession, token_id: int) -> None:
    await session.execute(
        update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=utcnow())
    )
