"""Sending deliveries through apprise: claimed in batches (SKIP LOCKED on PostgreSQL, so
several workers share them), each held under a lease while it is sent, retried with the
ladder's backoff and parked with its error after the last attempt. A sender that dies
mid-send leaves its claims to expire; the next one sends them (at least once)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

import apprise
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from command.config import Settings
from command.db import Database, utcnow
from command.notify import escalations
from command.notify.ladder import Ladder
from command.notify.messages import LINK
from command.notify.models import Delivery

ACTOR = "system:notify"
CLAIM_BATCH = 20
SALT = "watchfloor.notify.ack"


def ack_token(settings: Settings, delivery_id: int) -> str:
    return URLSafeSerializer(settings.secret, salt=SALT).dumps(delivery_id)


def delivery_of_token(settings: Settings, token: str) -> int | None:
    try:
        value = URLSafeSerializer(settings.secret, salt=SALT).loads(token)
    except BadSignature:
        return None
    return value if isinstance(value, int) else None


def ack_link(settings: Settings, delivery_id: int) -> str:
    return f"{settings.public_url}/n/{ack_token(settings, delivery_id)}"


def mail_url(settings: Settings, to: str) -> str | None:
    """The apprise mailto URL of the deployment's relay (WATCHFLOOR_SMTP_URL) for `to`.
    The relay's user and password arrive percent-encoded (a password may hold '@', ':' or
    '/'); they are decoded here and encoded once for apprise, which decodes them once."""
    if not settings.smtp_url:
        return None
    relay = urlsplit(settings.smtp_url)
    secure = relay.scheme == "smtps"
    mode = "ssl" if secure else "starttls" if starttls(relay.query) else "insecure"
    port = relay.port or (465 if secure else 25)
    login = ""
    if relay.username:
        login = quote(unquote(relay.username), safe="")
        if relay.password:
            login += ":" + quote(unquote(relay.password), safe="")
        login += "@"
    query = {"from": settings.notify_from, "to": to, "mode": mode}
    if not relay.username:
        query |= {"user": "", "pass": ""}
    return (
        f"{'mailtos' if secure else 'mailto'}://{login}{relay.hostname}:{port}?{urlencode(query)}"
    )


def starttls(query: str) -> bool:
    """Whether the relay's query asks for STARTTLS (`?starttls=1`, or true/yes/on)."""
    value = (parse_qs(query).get("starttls") or [""])[-1].strip().lower()
    return value in ("1", "true", "yes", "on")


async def claim(db: Database, ladder: Ladder, *, now: datetime) -> list[Delivery]:
    """Deliveries due now, leased to this sender."""
    lease = now + timedelta(seconds=ladder.sending.lease_seconds)
    async with db.write() as session:
        query = (
            select(Delivery)
            .where(
                or_(Delivery.state == "pending", Delivery.state == "sending"),
                Delivery.next_attempt_at <= now,
            )
            .order_by(Delivery.next_attempt_at, Delivery.id)
            .limit(CLAIM_BATCH)
            .with_for_update(skip_locked=True)
        )
        claimed = list(await session.scalars(query))
        for delivery in claimed:
            delivery.state = "sending"
            delivery.attempts += 1
            delivery.next_attempt_at = lease
    return claimed


async def send_due(db: Database, settings: Settings, ladder: Ladder, *, now: datetime) -> int:
    """Send what is due; the number sent."""
    sent = 0
    for delivery in await claim(db, ladder, now=now):
        error = await _send(delivery, settings)
        async with db.write() as session:
            await _settle(session, delivery, error, ladder)
        sent += error is None
    return sent


async def _send(delivery: Delivery, settings: Settings) -> str | None:
    """None when apprise delivered it, else what went wrong (no secret in it). A channel
    that raises is one failed attempt like any other, never the end of the round."""
    try:
        return await _send_through_apprise(delivery, settings)
    except Exception as exc:
        return f"the channel failed ({type(exc).__name__})"


async def _send_through_apprise(delivery: Delivery, settings: Settings) -> str | None:
    url = mail_url(settings, delivery.address) if delivery.channel == "email" else delivery.address
    if url is None:
        return "no mail relay configured (WATCHFLOOR_SMTP_URL)"
    notifier = apprise.Apprise()
    if not notifier.add(url):
        return "the notification URL is not one apprise can use"
    body = delivery.body.replace(LINK, ack_link(settings, delivery.id))
    with apprise.LogCapture(level=apprise.logging.WARNING) as log:
        ok = await asyncio.to_thread(notifier.notify, title=delivery.subject, body=body)
        detail = log.getvalue().strip().splitlines()
    if ok:
        return None
    return (detail[-1] if detail else "the channel refused the message")[:500]


async def _settle(
    session: AsyncSession, delivery: Delivery, error: str | None, ladder: Ladder
) -> None:
    now = utcnow()
    if error is None:
        values = {"state": "sent", "sent_at": now, "last_error": ""}
    elif delivery.attempts >= ladder.sending.max_attempts:
        values = {"state": "parked", "last_error": error}
    else:
        wait = timedelta(seconds=ladder.backoff(delivery.attempts))
        values = {"state": "pending", "next_attempt_at": now + wait, "last_error": error}
    settled = await session.execute(
        update(Delivery)
        .where(Delivery.id == delivery.id, Delivery.state == "sending")
        .values(**values)
    )
    if error is None and settled.rowcount and delivery.obligation_id is not None:
        # A message reached the superior: the owing unit's page may say so now.
        sent = await session.get_one(Delivery, delivery.id)
        await escalations.record(session, "escalation.sent", sent, ACTOR)
