"""Calendar feed tokens: read-only access to one unit's drill calendar from a URL.

Calendar clients (Outlook, Google, Apple, Thunderbird) cannot send an Authorization header,
so GET /api/drills.ics accepts ?token=. Such a URL ends up in client settings, proxy logs
and sometimes a third-party calendar service, so a feed token is not an API token: it is
accepted on that one route only, can do nothing but read that subtree's drill calendar,
is stored hashed, and is revoked on its own (DELETE /api/drills/feeds/{id}).
"""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from command.auth.guard import ensure_sees
from command.auth.service import Principal
from command.db import utcnow
from command.errors import NotFound
from command.units.models import Unit
from plans.drill_schemas import FeedOut
from plans.models import DrillFeed

FEED_PREFIX = "wfc_"
FEED_PATH = "/api/drills.ics"


def _hash(plain: str) -> str:
    return hashlib.sha256(plain.encode()).hexdigest()


def feed_out(feed: DrillFeed, unit: Unit, plain: str | None = None) -> FeedOut:
    return FeedOut(
        id=feed.id,
        unit=unit.code,
        label=feed.label,
        created_by=feed.created_by,
        created_at=feed.created_at,
        revoked_at=feed.revoked_at,
        url=f"{FEED_PATH}?token={plain}" if plain else None,
    )


async def create_feed(
    session: AsyncSession, *, unit: Unit, label: str, actor: str
) -> tuple[str, DrillFeed]:
    """A new feed token; the plain value is returned once and never stored."""
    plain = FEED_PREFIX + secrets.token_urlsafe(32)
    feed = DrillFeed(
        token_hash=_hash(plain),
        prefix=plain[:10],
        unit_id=unit.id,
        label=label,
        created_by=actor,
        created_at=utcnow(),
    )
    session.add(feed)
    await session.flush()
    return plain, feed


async def unit_for_token(session: AsyncSession, plain: str) -> Unit | None:
    """The unit whose calendar a feed token opens; None for anything else."""
    if not plain.startswith(FEED_PREFIX) or len(plain) > 128:
        return None
    query = (
        select(Unit)
        .join(DrillFeed, DrillFeed.unit_id == Unit.id)
        .where(DrillFeed.token_hash == _hash(plain), DrillFeed.revoked_at.is_(None))
    )
    return await session.scalar(query)


async def list_feeds(session: AsyncSession, *, root: Unit) -> list[FeedOut]:
    query = (
        select(DrillFeed, Unit)
        .join(Unit, Unit.id == DrillFeed.unit_id)
        .where(Unit.path.startswith(root.path, autoescape=True))
        .order_by(DrillFeed.id)
    )
    return [feed_out(feed, unit) for feed, unit in (await session.execute(query)).all()]


async def revoke_feed(session: AsyncSession, *, feed_id: int, principal: Principal) -> FeedOut:
    feed = await session.get(DrillFeed, feed_id)
    unit = await session.get(Unit, feed.unit_id) if feed else None
    if feed is None or unit is None:
        raise NotFound("feed", feed_id)
    ensure_sees(principal, unit.path, f"the feed of unit {unit.code}")
    if feed.revoked_at is None:
        feed.revoked_at = utcnow()
    return feed_out(feed, unit)
