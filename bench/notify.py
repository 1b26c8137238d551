"""Reminders under load: 1,000 obligations falling due in the same minute, marked by the
deadline engine and mailed by the notification worker to an aiosmtpd server on loopback.

    .venv/bin/python -m bench.notify [--count N] [--spread S] [--postgres URL]

The obligations (all of one unit, already warned) fall due evenly over S seconds from just
after the insert; the engine marks each overdue as it falls due, and the ladder's
"overdue" rule mails the owing unit's contact. Latency is the mark (the event's time) to
the mail server holding the message (p50, p99, max): marks and arrivals in order, paired
first with first, on the one clock of this machine. The floor, measured in the same run:
as many messages sent by plain smtplib, one connection each as apprise opens them, one
after another: the least a sender does per message. SQLite always (a scratch file);
PostgreSQL too with --postgres, whose database is emptied. Prints a table and writes
JSON to bench/results/.
"""

from __future__ import annotations

import argparse
import asyncio
import smtplib
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy import select, update

from bench.common import free_port, percentile, print_table, write_results
from bench.engine import _insert, _prepare
from command.config import Settings
from command.db import Database, utcnow
from command.deadlines import runtime
from command.deadlines.engine import Worker
from command.deadlines.rulefile import load_ruleset
from command.events import Event
from command.notify.deriver import derive
from command.notify.ladder import ladder
from command.notify.models import Delivery
from command.notify.sender import send_due
from command.units.models import Unit

SECRET = "bench-secret-0123456789abcdef"
ADDRESS = "duty@village.example"


class Arrivals:
    """The mail server: when each message arrived, by the subject's obligation number."""

    def __init__(self) -> None:
        self.at: list[float] = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's hook name
        self.at.append(time.time())
        return "250 OK"


def floor(port: int, count: int) -> dict[str, Any]:
    """Plain smtplib: connect, send one message, quit; `count` times in a row."""
    seconds = []
    for number in range(count):
        message = EmailMessage()
        message["From"], message["To"] = "bench@localhost", ADDRESS
        message["Subject"] = f"floor {number}"
        message.set_content("floor")
        started = time.perf_counter()
        with smtplib.SMTP("127.0.0.1", port) as client:
            client.send_message(message)
        seconds.append(time.perf_counter() - started)
    return {
        "per_message_p50_ms": round(percentile(seconds, 0.5) * 1000, 2),
        "per_message_p99_ms": round(percentile(seconds, 0.99) * 1000, 2),
        "messages_per_s": round(count / sum(seconds), 1),
    }


async def _contact(db: Database, code: str) -> None:
    async with db.write() as session:
        await session.execute(
            update(Unit)
            .where(Unit.code == code)
            .values(contacts=[{"kind": "email", "address": ADDRESS}])
        )


async def _notify_loop(db: Database, settings: Settings, stop: asyncio.Event) -> None:
    rules = ladder()
    while not stop.is_set():
        while await derive(db, settings, rules, now=utcnow()):
            pass
        await send_due(db, settings, rules, now=utcnow())
        await asyncio.sleep(0.05)


async def _mark_times(db: Database) -> list[datetime]:
    async with db.read() as session:
        rows = await session.scalars(
            select(Event.at)
            .join(Delivery, Delivery.event_id == Event.id)
            .where(Delivery.state == "sent")
            .order_by(Event.at)
        )
        return list(rows)


async def run(label: str, url: str, args: argparse.Namespace, port: int, box: Arrivals) -> dict:
    db, ids = await _prepare(url)
    settings = Settings(
        database_url=url, secret=SECRET, smtp_url=f"smtp://127.0.0.1:{port}", engine_max_sleep=0.2
    )
    await _contact(db, "231102003001")
    engine = Worker(db, max_sleep=0.2)
    runtime.register(db.writer.sync_engine, load_ruleset("cn-national"), engine)
    stop = asyncio.Event()
    box.at.clear()
    try:
        await derive(db, settings, ladder(), now=utcnow())  # the cursor at the log's end
        first = utcnow() + timedelta(seconds=2)
        step = args.spread / args.count
        dues = [first + timedelta(seconds=step * number) for number in range(args.count)]
        insert_s = await _insert(db, ids, dues)
        engine.start()
        notifier = asyncio.create_task(_notify_loop(db, settings, stop))
        for _tick in range(int((args.spread + 2 + args.drain) / 0.2)):
            if len(box.at) >= args.count:
                break
            await asyncio.sleep(0.2)
        stop.set()
        await notifier
        await engine.stop()
        marks = sorted(m.timestamp() for m in await _mark_times(db))
        arrivals = sorted(box.at)
        pairs = list(zip(marks, arrivals, strict=False))
        latency = [max(0.0, arrived - marked) for marked, arrived in pairs]
        return {
            "backend": label,
            "obligations": args.count,
            "spread_s": args.spread,
            "insert_s": round(insert_s, 2),
            "delivered": len(arrivals),
            "p50_ms": round(percentile(latency, 0.5) * 1000, 1),
            "p99_ms": round(percentile(latency, 0.99) * 1000, 1),
            "max_ms": round(max(latency, default=float("nan")) * 1000, 1),
        }
    finally:
        runtime.unregister(db.writer.sync_engine)
        await db.dispose()


COLUMNS = {
    "obligations": "due",
    "spread_s": "within s",
    "delivered": "mailed",
    "p50_ms": "p50 ms",
    "p99_ms": "p99 ms",
    "max_ms": "max ms",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--spread", type=float, default=60.0, help="seconds they fall due in")
    parser.add_argument("--drain", type=float, default=30.0, help="seconds allowed after")
    parser.add_argument("--postgres", help="also measure on this (emptied) PostgreSQL database")
    args = parser.parse_args()
    box, port = Arrivals(), free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        bare = floor(port, min(args.count, 1000))
        results = []
        with tempfile.TemporaryDirectory() as workdir:
            sqlite = f"sqlite+aiosqlite:///{Path(workdir) / 'notify.db'}"
            results.append(asyncio.run(run("sqlite", sqlite, args, port, box)))
        if args.postgres:
            results.append(asyncio.run(run("postgres", args.postgres, args, port, box)))
    finally:
        controller.stop()
    path = write_results(
        "notify", {"floor": bare, "results": results, "at": str(datetime.now(UTC))}
    )
    print("\nMark → mail server, obligations falling due together")
    print_table(
        ["backend", *COLUMNS.values()], [[r["backend"], *(r[k] for k in COLUMNS)] for r in results]
    )
    print("\nFloor: plain smtplib, one connection per message")
    print_table(["p50 ms", "p99 ms", "messages/s"], [list(bare.values())])
    print(f"\nresults: {path}")


if __name__ == "__main__":
    main()
