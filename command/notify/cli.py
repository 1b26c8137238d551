"""`watchfloor notify check [FILE]` (and `watchfloor rules check`): the escalation ladder,
the mail relay and every unit's notification URLs, checked before a deployment relies on
them."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from command.config import Settings
from command.db import Database
from command.notify.ladder import LADDER_FILE, LadderError, Rule, load_ladder
from command.units.models import Unit
from command.units.schemas import channel_url_ok


async def relay_problem(settings: Settings, wait: float = 3.0) -> str | None:
    """Why the mail relay cannot be reached, or None (a TCP connection, nothing sent)."""
    if not settings.smtp_url:
        return "no mail relay configured (WATCHFLOOR_SMTP_URL): mail is recorded, not sent"
    relay = urlsplit(settings.smtp_url)
    port = relay.port or (465 if relay.scheme == "smtps" else 25)
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(relay.hostname, port), wait)
    except (OSError, TimeoutError) as exc:
        return f"the mail relay {relay.hostname}:{port} cannot be reached ({type(exc).__name__})"
    writer.close()
    return None


def _existing_database(settings: Settings) -> None:
    """FileNotFoundError for a SQLite file that is not there (a check creates none)."""
    if settings.is_sqlite:
        path = Path(settings.database_url.split(":///", 1)[-1])
        if not path.is_file():
            raise FileNotFoundError(path)


async def _bad_contacts(settings: Settings) -> list[str]:
    db = Database(settings.database_url, settings=settings)
    try:
        async with db.read() as session:
            return await bad_contacts(session)
    finally:
        await db.dispose()


async def bad_contacts(session: AsyncSession) -> list[str]:
    """Each unit contact apprise cannot use, named by unit and position (never by the URL,
    which may hold a channel's secret)."""
    units = [u for u in await session.scalars(select(Unit).order_by(Unit.code)) if u.contacts]
    return [
        f"unit {unit.code}: contact {index} is not a URL apprise can use"
        for unit in units
        for index, contact in enumerate(unit.contacts or [])
        if contact.get("kind") == "apprise" and not channel_url_ok(contact.get("address", ""))
    ]


def _summary(rule: Rule) -> str:
    repeats = f", again every {rule.repeat_every} ×{rule.repeat_max}" if rule.repeats else ""
    return f"{rule.name} ({rule.on} → {'/'.join(rule.to)}{repeats})"


def check(settings: Settings, path: Path | None, *, contacts: bool = True) -> tuple[str, list[str]]:
    """The ladder's summary and the warnings (the relay, the units' channel URLs);
    LadderError when the ladder cannot be used."""
    ladder = load_ladder(path) if path else load_ladder()
    summary = "ladder ok: " + ", ".join(_summary(rule) for rule in ladder.rule)
    warnings = [p for p in [asyncio.run(relay_problem(settings))] if p]
    if contacts:
        try:
            _existing_database(settings)
            warnings += asyncio.run(_bad_contacts(settings))
        except Exception as exc:  # no database here (a CI check of the files): say so
            warnings.append(f"the units' channel URLs were not checked ({type(exc).__name__})")
    return summary, warnings


def rules_check(settings: Settings) -> tuple[list[str], list[str]]:
    """`watchfloor rules check`: the deployment's ladder, the relay, the channel URLs."""
    path = settings.notify_ladder or LADDER_FILE
    try:
        summary, warnings = check(settings, path)
    except LadderError as exc:
        return [str(exc)], []
    print(f"{path}: {summary}")
    return [], warnings


def cmd_check(settings: Settings, args: argparse.Namespace) -> int:
    path = Path(args.file) if args.file else settings.notify_ladder
    try:
        summary, warnings = check(settings, path, contacts=not args.file)
    except LadderError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(summary)
    for problem in warnings:
        print(f"warning: {problem}", file=sys.stderr)
    return 0


def register(sub: Any) -> None:
    notify = sub.add_parser("notify", help="reminders and escalation").add_subparsers(
        dest="action", required=True
    )
    check = notify.add_parser(
        "check", help="check the escalation ladder, the mail relay and the units' channel URLs"
    )
    check.add_argument("file", nargs="?", help="a ladder file (default: the deployment's)")
    check.set_defaults(func=cmd_check)
