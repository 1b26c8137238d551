"""值班日志: the duty log of one shift, built from what was recorded while it was on — the
sign-ins (and the absence, when nobody signed in within the grace), the calls and
documents registered, the actions taken at the desk by the duty unit's people (签收,
verification, grading, escalation, closure, leaders' instructions and their feedback,
瞒报 decisions, warnings taken up, notifications acknowledged) and the handovers that
opened and closed it — in time order. Nothing is stored twice: the log is read from the
roster, the call register and the event log each time."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from command.auth.models import ApiToken, User
from command.auth.service import Principal, subject_names
from command.duty.calls import call_view
from command.duty.handover import handover_view
from command.duty.models import Call, Handover, Shift
from command.duty.roster import is_absent, shift_view, sign_ins_of
from command.duty.rules import duty_rules
from command.errors import NotFound
from command.events import Event
from command.incidents.queries import titles
from command.incidents.shapes import unit_code as code_of_path
from command.units.models import Unit

# Desk actions recorded in the event log that the duty log lists when the duty unit's
# own people took them.
DESK_KINDS = (
    "incident.created",
    "incident.acknowledged",
    "incident.level_changed",
    "incident.status_changed",
    "incident.updated",
    "report.received",
    "report.corrected",
    "instruction.given",
    "instruction.done",
    "verdict.decided",
    "verdict.recorded",
    "warning.promoted",
    "notification.acknowledged",
)
# What reaches the office from below whoever wrote it: feedback on instructions.
RECEIVED_KINDS = ("instruction.feedback",)
LIMIT = 2000


async def shift_log(
    session: AsyncSession, *, shift_id: int, principal: Principal, now: datetime
) -> dict[str, Any]:
    shift = await session.get(Shift, shift_id)
    if shift is None or not principal.sees(shift.unit_path):
        raise NotFound("shift", shift_id)
    unit = await session.get_one(Unit, shift.unit_id)
    sign_ins = (await sign_ins_of(session, [shift.id])).get(shift.id, [])
    names = await _people_of(session, unit)
    entries = [
        *_sign_in_entries(shift, sign_ins, now),
        *await _call_entries(session, shift, unit),
        *await _handover_entries(session, shift),
        *await _desk_entries(session, shift, unit, names),
    ]
    entries.sort(key=lambda entry: (entry["at"], entry["kind"]))
    untitled = {e["incident"] for e in entries if e["incident"] and not e["incident_title"]}
    found = await titles(session, untitled)
    known = await subject_names(session, {entry["actor"] for entry in entries})
    for entry in entries:
        entry["actor_name"] = actor_name(entry["actor"], known)
        if entry["incident"] and not entry["incident_title"]:
            entry["incident_title"] = found.get(entry["incident"], "")
    return {
        "shift": shift_view(shift, unit, sign_ins, now),
        "entries": entries,
        "counts": _counts(entries),
        "generated_at": now.isoformat(),
    }


def actor_name(actor: str, known: dict[str, str]) -> str:
    """The actor's name (subject_names'), "" for a system (the page says 系统 / System), the
    bare account for a subject no longer known; never the raw "user:…" / "token:…"."""
    if actor == "system" or actor.startswith("system:"):
        return ""
    return known.get(actor) or actor.partition(":")[2] or actor


def _entry(at: datetime, kind: str, actor: str, **detail: Any) -> dict[str, Any]:
    incident = detail.pop("incident", None)
    title = detail.pop("incident_title", "")
    return {
        "at": at.isoformat(),
        "kind": kind,
        "actor": actor,
        "incident": incident,
        "incident_title": title,
        "detail": detail,
    }


def _sign_in_entries(shift: Shift, sign_ins: list, now: datetime) -> list[dict[str, Any]]:
    entries = [_entry(s.at, "shift.signed_in", s.by, name=s.name) for s in sign_ins]
    if is_absent(shift, sign_ins, now):
        minutes = duty_rules().sign_in.grace_minutes
        at = shift.starts_at + timedelta(minutes=minutes)
        entries.append(_entry(at, "shift.absent", "system", minutes=minutes))
    return entries


async def _call_entries(session: AsyncSession, shift: Shift, unit: Unit) -> list[dict[str, Any]]:
    rows = await session.scalars(
        select(Call)
        .where(
            Call.unit_id == unit.id,
            Call.received_at >= shift.starts_at,
            Call.received_at < shift.ends_at,
        )
        .order_by(Call.received_at, Call.id)
        .limit(LIMIT)
    )
    return [
        _entry(
            call.received_at,
            "call.registered",
            call.recorded_by,
            incident=call.incident_id,
            call=call_view(call, unit.code),
        )
        for call in rows
    ]


async def _handover_entries(session: AsyncSession, shift: Shift) -> list[dict[str, Any]]:
    """The handover that gave this shift the duty and the one it gave it on with."""
    rows = await session.scalars(
        select(Handover).where(
            or_(Handover.from_shift_id == shift.id, Handover.to_shift_id == shift.id)
        )
    )
    entries = []
    for handover in rows:
        view = handover_view(handover, code_of_path(handover.unit_path))
        direction = "out" if handover.from_shift_id == shift.id else "in"
        entries.append(
            _entry(
                handover.handed_at,
                "handover.given",
                handover.handed_by,
                direction=direction,
                handover=view,
            )
        )
        if handover.accepted_at is not None and handover.accepted_by is not None:
            entries.append(
                _entry(
                    handover.accepted_at,
                    "handover.accepted",
                    handover.accepted_by,
                    direction=direction,
                    handover=view,
                )
            )
    return entries


async def _desk_entries(
    session: AsyncSession, shift: Shift, unit: Unit, people: dict[str, str]
) -> list[dict[str, Any]]:
    rows = await session.scalars(
        select(Event)
        .where(
            Event.at >= shift.starts_at,
            Event.at < shift.ends_at,
            Event.unit_path.startswith(unit.path, autoescape=True),
            Event.kind.in_(DESK_KINDS + RECEIVED_KINDS),
        )
        .order_by(Event.id)
        .limit(LIMIT)
    )
    return [
        _event_entry(event)
        for event in rows
        if event.kind in RECEIVED_KINDS or event.actor in people
    ]


def _event_entry(event: Event) -> dict[str, Any]:
    payload = event.payload
    incident = payload.get("incident") if isinstance(payload.get("incident"), dict) else {}
    detail: dict[str, Any] = {}
    if event.kind == "incident.created" and incident:
        detail["summary"] = incident.get("summary", "")
    if "changes" in payload:
        detail["changes"] = payload["changes"]
    if instruction := payload.get("instruction"):
        detail["instruction"] = {
            key: instruction.get(key) for key in ("id", "by", "text", "due_at", "state")
        }
        feedback = instruction.get("feedback") or []
        if event.kind == "instruction.feedback" and feedback:
            detail["feedback"] = feedback[-1]
    if report := payload.get("report"):
        detail["report"] = {key: report.get(key) for key in ("id", "kind", "seq", "unit")}
    if event.kind.startswith("verdict."):
        detail["verdict"] = {key: payload.get(key) for key in ("kind", "unit", "state", "reason")}
    if event.kind == "notification.acknowledged":
        detail["notification"] = {key: payload.get(key) for key in ("id", "subject", "recipient")}
    return _entry(
        event.at,
        event.kind,
        event.actor,
        incident=incident["id"] if incident else payload.get("incident"),
        incident_title=incident.get("title", ""),
        **detail,
    )


async def _people_of(session: AsyncSession, unit: Unit) -> dict[str, str]:
    """The subjects (user:…, token:…) of the duty unit's own people, with their names."""
    users = await session.execute(
        select(User.username, User.display_name).where(User.unit_id == unit.id)
    )
    tokens = await session.execute(
        select(ApiToken.id, ApiToken.label).where(ApiToken.unit_id == unit.id)
    )
    found = {f"user:{name}": shown or name for name, shown in users}
    found |= {f"token:{token_id}": label or f"token:{token_id}" for token_id, label in tokens}
    return found


def _counts(entries: list[dict[str, Any]]) -> dict[str, int]:
    calls = sum(entry["kind"] == "call.registered" for entry in entries)
    sign_ins = sum(entry["kind"] == "shift.signed_in" for entry in entries)
    return {
        "calls": calls,
        "sign_ins": sign_ins,
        "actions": len(entries) - calls - sign_ins,
    }
