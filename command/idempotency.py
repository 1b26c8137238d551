"""Idempotent submissions: a retried request with the same Idempotency-Key returns the
original result and creates nothing new, also when two retries race.

The key row is inserted in the same transaction as the work it guards, so the unique
constraint, not a check-then-act, decides which of two racing requests takes effect, and
a retry of a request already done rolls its repeated work back and replays the result.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column
from starlette.requests import Request

from command.db import Base, BigId, Database, JsonType, UTCDateTime, utcnow
from command.errors import ClientError, Invalid

HEADER = "idempotency-key"
Work = Callable[[AsyncSession], Awaitable[tuple[int, Any]]]


class IdempotencyRecord(Base):
    __tablename__ = "idempotency_records"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    owner: Mapped[str] = mapped_column(String(128))
    key: Mapped[str] = mapped_column(String(128))
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)
    response: Mapped[Any] = mapped_column(JsonType, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("owner", "key"),)


def request_key(request: Request) -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    key = key.strip()
    # An empty key (a shell's `$(uuidgen)` on a machine without it) would guard nothing:
    # two such requests would both be done. Refused like any other value the rules refuse.
    if not key or len(key) > 128 or not key.isprintable():
        raise Invalid(
            "Idempotency-Key",
            "must be 1 to 128 printable characters",
            code="idempotency_key_invalid",
        )
    return key


def fingerprint(method: str, path: str, payload: Any) -> str:
    canonical = json.dumps([method, path, payload], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


async def _stored(db: Database, owner: str, key: str) -> IdempotencyRecord | None:
    async with db.read() as session:
        return await session.scalar(
            select(IdempotencyRecord).where(
                IdempotencyRecord.owner == owner, IdempotencyRecord.key == key
            )
        )


def _replay(record: IdempotencyRecord, print_: str) -> tuple[int, Any, bool]:
    if record.fingerprint != print_:
        raise Invalid(
            None,
            "Idempotency-Key was already used for a different request",
            code="idempotency_key_reused",
        )
    return record.status, record.response, True


async def run_once(
    db: Database, *, owner: str, key: str | None, print_: str, work: Work
) -> tuple[int, Any, bool]:
    """Run `work` in a write transaction once per (owner, key).

    Returns (status, body, replayed). `work` returns the status and the JSON body that a
    retry will receive again.
    """
    if key is None:
        async with db.write() as session:
            status, body = await work(session)
        return status, body, False
    # No look-up first: retries are rare, and a first submission (the hot path) then
    # costs one transaction. A retry runs the work again, fails on the key and rolls back.
    try:
        async with db.write() as session:
            status, body = await work(session)
            # The key is recorded last, with the result: of two racing twins the unique
            # constraint (or the work's own conflict check) lets one commit; the other's
            # work rolls back and it replays the winner's result.
            session.add(
                IdempotencyRecord(
                    owner=owner, key=key, fingerprint=print_, status=status, response=body
                )
            )
            await session.flush()
    except (IntegrityError, ClientError):
        record = await _stored(db, owner, key)
        if record is None:
            raise
        return _replay(record, print_)
    return status, body, False
