"""`watchfloor plans recompute`: re-derive stored due dates after plans/rules.toml changed."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from command.config import Settings
from command.db import Database
from plans.service import recompute_due_dates


async def _recompute(settings: Settings) -> int:
    db = Database(settings.database_url, settings=settings)
    try:
        async with db.write() as session:
            return await recompute_due_dates(session, actor="system:cli")
    finally:
        await db.dispose()


def cmd_recompute(settings: Settings, _args: argparse.Namespace) -> int:
    moved = asyncio.run(_recompute(settings))
    print(f"review and drill due dates recomputed; {moved} plan(s) changed")
    return 0


def register(sub: Any) -> None:
    plans = sub.add_parser("plans", help="plan registry").add_subparsers(
        dest="action", required=True
    )
    recompute = plans.add_parser(
        "recompute", help="re-derive every plan's review and drill due dates from the rules data"
    )
    recompute.set_defaults(func=cmd_recompute)
