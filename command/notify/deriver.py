"""From the event log to deliveries: every event after the persisted cursor that a ladder
rule fires on becomes one delivery row per recipient and channel, inserted under its
unique key in the same transaction that moves the cursor on. A crash loses nothing (the
cursor has not moved) and a second worker writes nothing twice (the cursor row is locked,
and the key would refuse a duplicate anyway)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from command.config import Settings
from command.db import Database
from command.events import Event
from command.incidents.queries import titles
from command.notify import messages
from command.notify.ladder import Ladder, Rule
from command.notify.models import Delivery, NotifyCursor
from command.notify.recipients import Parties, Recipient, resolve
from command.units.models import Unit
from command.vocabulary import LEVELS

CURSOR = "ladder"
BATCH = 500


async def derive(db: Database, settings: Settings, ladder: Ladder, *, now: datetime) -> int:
    """One batch of events turned into deliveries; the number of deliveries written."""
    async with db.write() as session:
        cursor = await _cursor(session)
        events = list(
            await session.scalars(
                select(Event).where(Event.id > cursor.event_id).order_by(Event.id).limit(BATCH)
            )
        )
        if not events:
            return 0
        rows: list[dict[str, Any]] = []
        for event in events:
            for rule in ladder.rules_for(event.kind):
                rows += await _deliveries(session, rule, event, settings, ladder, now)
        if rows:
            await session.execute(insert_ignoring_duplicates(session, Delivery, rows))
        cursor.event_id = events[-1].id
    return len(rows)


def insert_ignoring_duplicates(session: AsyncSession, model: Any, rows: list[dict]) -> Any:
    """Rows inserted, those whose unique key is already taken skipped."""
    return _insert(session, model).values(rows).on_conflict_do_nothing()


def _insert(session: AsyncSession, model: Any) -> Any:
    """An INSERT that can skip rows already there (ON CONFLICT DO NOTHING) in this dialect."""
    dialect = session.bind.dialect.name
    return (pg_insert if dialect == "postgresql" else sqlite_insert)(model)


async def _cursor(session: AsyncSession) -> NotifyCursor:
    """The cursor, locked for this transaction; made at the log's end on first use (what
    happened before notifications existed is not sent now)."""
    query = select(NotifyCursor).where(NotifyCursor.name == CURSOR).with_for_update()
    cursor = await session.scalar(query)
    if cursor is None:
        last = await session.scalar(select(func.max(Event.id))) or 0
        await session.execute(
            _insert(session, NotifyCursor)
            .values(name=CURSOR, event_id=last)
            .on_conflict_do_nothing()
        )
        cursor = await session.scalar(query)
    return cursor


async def _deliveries(
    session: AsyncSession,
    rule: Rule,
    event: Event,
    settings: Settings,
    ladder: Ladder,
    now: datetime,
) -> list[dict[str, Any]]:
    subject = await _subject_of(session, event)
    if subject is None or not _applies(rule, subject):
        return []
    if event.kind == "incident.level_changed" and not await _raised_past_all(session, event):
        return []
    if subject["obligation"] is not None and await _acknowledged(session, subject["obligation"]):
        return []
    parties = Parties(
        subject["owing"],
        subject["superior"],
        subject["incident_unit"],
        tuple(subject.get("covered", ())),
    )
    found: list[Recipient] = []
    for relation in rule.to:
        found += await resolve(session, relation, parties, now)
    lang = ladder.language
    title, body = messages.render(
        rule, lang, _values(subject, settings, lang, event), subject["exercise"]
    )
    rows, seen = [], set()
    for recipient in found:
        key = (recipient.channel, recipient.address)
        if recipient.channel not in rule.channels or key in seen:
            continue
        seen.add(key)
        rows.append(
            {
                "event_id": event.id,
                "rule": rule.name,
                "channel": recipient.channel,
                "address": recipient.address,
                "recipient": recipient.name[:200],
                "unit_id": recipient.unit.id,
                "unit_path": recipient.unit.path,
                "incident_id": subject["incident_id"],
                "obligation_id": subject["obligation"],
                "subject": title[:300],
                "body": body,
                "state": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "last_error": "",
                "created_at": now,
                "repeat": 0,
            }
        )
    return rows


def _applies(rule: Rule, subject: dict[str, Any]) -> bool:
    if rule.severities is not None and subject.get("severity") not in rule.severities:
        return False
    return rule.levels is None or subject["level"] in rule.levels


async def _acknowledged(session: AsyncSession, obligation_id: int) -> bool:
    """Someone acknowledged a message about this obligation: its ladder stops there."""
    return bool(
        await session.scalar(
            select(
                exists().where(
                    Delivery.obligation_id == obligation_id, Delivery.acknowledged_at.is_not(None)
                )
            )
        )
    )


async def _subject_of(session: AsyncSession, event: Event) -> dict[str, Any] | None:
    """What the event is about, in the terms the templates use."""
    payload = event.payload
    if event.topic == "deadlines" and "to_unit" in payload:
        units = await _units(session, [payload["unit"], payload["to_unit"]])
        incident = payload["incident"]
        return {
            "obligation": payload["id"],
            "incident_id": incident,
            "incident_title": (await titles(session, {incident})).get(incident, ""),
            "owing": units.get(payload["unit"]),
            "superior": units.get(payload["to_unit"]),
            "incident_unit": units.get(payload["unit"]),
            "report": payload,
            "due_at": datetime.fromisoformat(payload["due_at"]),
            "level": payload.get("level"),
            "exercise": bool(payload.get("exercise")),
        }
    if event.kind.startswith("warning.") and "warning" in payload:
        return await _warning_subject(session, payload["warning"])
    if event.topic == "incidents" and "incident" in payload:
        incident = payload["incident"]
        unit = (await _units(session, [incident["unit"]])).get(incident["unit"])
        return {
            "obligation": None,
            "incident_id": incident["id"],
            "incident_title": incident["title"],
            "owing": unit,
            "superior": None,
            "incident_unit": unit,
            "report": None,
            "due_at": None,
            "level": incident.get("level"),
            "from_level": ((payload.get("changes") or {}).get("level") or {}).get("from"),
            "exercise": bool(incident.get("exercise")),
        }
    return None


def _seriousness(level: str | None) -> int:
    """I is the most serious: a larger number; no level the least."""
    return len(LEVELS) - LEVELS.index(level) if level in LEVELS else 0


async def _raised_past_all(session: AsyncSession, event: Event) -> bool:
    """A level change worth an alert: to a level more serious than every level the
    incident had before (its creation and the changes since), so a lowering, or the same
    level again after a lowering, alerts nobody."""
    level = event.payload["incident"].get("level")
    earlier = await session.scalars(
        select(Event.payload).where(
            Event.topic == event.topic,
            Event.entity == event.entity,
            Event.id < event.id,
            Event.kind.in_(("incident.created", "incident.level_changed")),
        )
    )
    highest = max((_seriousness(p["incident"].get("level")) for p in earlier), default=0)
    return _seriousness(level) > highest


# Early warnings sent for real or as an exercise reach people; tests and drafts do not.
WARNING_STATUSES = ("Actual", "Exercise")


async def _warning_subject(session: AsyncSession, warning: dict[str, Any]) -> dict[str, Any] | None:
    """An early warning: the units it covers are told (its severity and sender named)."""
    if warning.get("status") not in WARNING_STATUSES:
        return None
    units = await _units(session, list(warning.get("units") or []))
    covered = [units[code] for code in warning.get("units") or [] if code in units]
    return {
        "obligation": None,
        "incident_id": None,
        "incident_title": warning.get("headline") or warning.get("event") or "",
        "owing": None,
        "superior": None,
        "incident_unit": None,
        "covered": covered,
        "report": None,
        "due_at": None,
        "level": warning.get("level"),
        "severity": warning.get("severity"),
        "sender": warning.get("sender") or "",
        "expires": warning.get("expires"),
        "exercise": warning.get("status") == "Exercise",
    }


async def _units(session: AsyncSession, codes: list[str]) -> dict[str, Unit]:
    rows = await session.scalars(select(Unit).where(Unit.code.in_(codes)))
    return {unit.code: unit for unit in rows}


def _values(subject: dict[str, Any], settings: Settings, lang: str, event: Event) -> dict[str, Any]:
    def name(unit: Unit | None) -> str:
        if unit is None:
            return ""
        return unit.name_en or unit.name if lang == "en" else unit.name

    due = subject["due_at"]
    expires = subject.get("expires")
    return {
        "warning": subject["incident_title"],
        "severity": messages.severity_label(subject.get("severity"), lang),
        "sender": subject.get("sender", ""),
        "expires": messages.local_time(datetime.fromisoformat(expires), settings.zone, lang)
        if expires
        else "",
        "incident": subject["incident_title"],
        "report": messages.report_label(subject["report"], lang) if subject["report"] else "",
        "unit": name(subject["owing"]),
        "to_unit": name(subject["superior"]),
        "due": messages.local_time(due, settings.zone, lang) if due else "",
        "left": messages.time_left(due, event.at, lang) if due else "",
        "level": subject["level"] or "",
        "from_level": subject.get("from_level") or "",
    }


async def cancel_after_acknowledgement(session: AsyncSession, delivery: Delivery) -> int:
    """An acknowledgement stops the ladder: what is still waiting to go about the same
    obligation (about no obligation: the same event's message, its repeats) is cancelled."""
    if delivery.obligation_id is not None:
        same = Delivery.obligation_id == delivery.obligation_id
    else:
        same = (Delivery.event_id == delivery.event_id) & (Delivery.rule == delivery.rule)
    result = await session.execute(
        update(Delivery)
        .where(same, Delivery.state == "pending")
        .values(state="cancelled", last_error="acknowledged")
    )
    return result.rowcount or 0
