"""Leaders' instructions (领导批示): logged on an incident, addressed to units, followed up
until every unit has reported back what it did (落实情况).

An instruction is open until each unit it names has given feedback; it is overdue while
open past its due time. Each change records an event on the incidents topic carrying the
incident too, so that every screen showing the incident sees the instruction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from command.auth.guard import ensure_sees, named_unit, subtree_root
from command.auth.service import Principal, name_subjects
from command.desk.models import Instruction, InstructionFeedback, InstructionUnit
from command.desk.schemas import FeedbackIn, InstructionIn, InstructionOut, InstructionQuery
from command.errors import Invalid, NotFound
from command.events import record_event
from command.incidents.queries import entity_key, get_incident
from command.incidents.queries import titles as incident_titles
from command.incidents.shapes import incident_event_dict
from command.units.models import Unit

TOPIC = "incidents"


async def give(
    session: AsyncSession,
    *,
    incident_id: int,
    data: InstructionIn,
    principal: Principal,
    now: datetime,
    clock_skew: timedelta,
) -> dict[str, Any]:
    """Log a leader's instruction on an incident the caller sees, addressed to units of
    the caller's subtree."""
    incident = await get_incident(session=session, incident_id=incident_id)
    ensure_sees(principal, incident.unit_path, f"incident {incident_id}")
    given_at = _given_at(data, now, clock_skew)
    units = await _addressees(session, data.units, principal)
    instruction = Instruction(
        incident_id=incident.id,
        unit_path=incident.unit_path,
        given_by=data.by,
        given_at=given_at,
        text=data.text,
        due_at=data.due_at,
        state="open",
        logged_by=principal.subject,
        logged_at=now,
    )
    session.add(instruction)
    await session.flush()
    session.add_all(
        InstructionUnit(instruction_id=instruction.id, unit_id=unit.id, unit_path=unit.path)
        for unit in units
    )
    await session.flush()
    view = await instruction_view(session, instruction, incident.title, now=now)
    _record(session, "instruction.given", incident, view, principal.subject)
    return view


def _given_at(data: InstructionIn, now: datetime, clock_skew: timedelta) -> datetime:
    given_at = data.given_at or now
    if given_at > now + clock_skew:
        raise Invalid("given_at", "lies in the future")
    if data.due_at is not None and data.due_at <= given_at:
        raise Invalid("due_at", "must be after the instruction was given")
    return given_at


async def _addressees(
    session: AsyncSession, codes: Sequence[str], principal: Principal
) -> list[Unit]:
    units: list[Unit] = []
    for index, code in enumerate(codes):
        if code in codes[:index]:
            raise Invalid(f"units.{index}", f"unit {code} is named twice")
        unit = await named_unit(session, code, field=f"units.{index}")
        ensure_sees(principal, unit.path, f"unit {unit.code}")
        units.append(unit)
    return units


async def feedback(
    session: AsyncSession,
    *,
    instruction_id: int,
    data: FeedbackIn,
    principal: Principal,
    now: datetime,
) -> dict[str, Any]:
    """A named unit reports back; the instruction is done once every unit has."""
    instruction = await _visible_instruction(session, instruction_id, principal)
    unit = await named_unit(session, data.unit, field="unit")
    ensure_sees(principal, unit.path, f"unit {unit.code}")
    addressee = await session.scalar(
        select(InstructionUnit)
        .where(
            InstructionUnit.instruction_id == instruction.id,
            InstructionUnit.unit_id == unit.id,
        )
        .with_for_update()
    )
    if addressee is None:
        raise Invalid("unit", f"instruction {instruction.id} is not addressed to unit {unit.code}")
    session.add(
        InstructionFeedback(
            instruction_id=instruction.id,
            unit_id=unit.id,
            text=data.text,
            at=now,
            by=principal.subject,
        )
    )
    addressee.done_at = addressee.done_at or now
    await session.flush()
    finished = instruction.state == "open" and not await _units_waiting(session, instruction.id)
    if finished:
        instruction.state, instruction.done_at = "done", now
    incident = await get_incident(session=session, incident_id=instruction.incident_id)
    view = await instruction_view(session, instruction, incident.title, now=now)
    _record(session, "instruction.feedback", incident, view, principal.subject)
    if finished:
        _record(session, "instruction.done", incident, view, principal.subject)
    return view


async def _units_waiting(session: AsyncSession, instruction_id: int) -> int:
    return await session.scalar(
        select(func.count())
        .select_from(InstructionUnit)
        .where(InstructionUnit.instruction_id == instruction_id, InstructionUnit.done_at.is_(None))
    )


async def _visible_instruction(
    session: AsyncSession, instruction_id: int, principal: Principal
) -> Instruction:
    """The instruction, locked for the change, when the caller sees its incident or a unit
    it is addressed to; otherwise it is none of theirs and not found."""
    instruction = await session.scalar(
        select(Instruction).where(Instruction.id == instruction_id).with_for_update()
    )
    if instruction is None or not (
        principal.sees(instruction.unit_path)
        or await session.scalar(
            select(
                exists().where(
                    InstructionUnit.instruction_id == instruction_id,
                    _in_subtree(InstructionUnit.unit_path, principal.unit_path),
                )
            )
        )
    ):
        raise NotFound("instruction", instruction_id)
    return instruction


def _in_subtree(column: Any, path: str) -> ColumnElement[bool]:
    return column.startswith(path, autoescape=True)


def _record(
    session: AsyncSession, kind: str, incident: Any, view: dict[str, Any], actor: str
) -> None:
    record_event(
        session,
        topic=TOPIC,
        kind=kind,
        entity=entity_key(incident.id),
        unit_path=incident.unit_path,
        payload={
            "incident": incident_event_dict(incident),
            "instruction": InstructionOut.model_validate(view).model_dump(mode="json"),
        },
        actor=actor,
    )


async def list_instructions(
    session: AsyncSession, *, query: InstructionQuery, principal: Principal, now: datetime
) -> dict[str, Any]:
    """Instructions on incidents of the subtree or addressed to units in it, newest first;
    `unit` narrows to those addressed to that unit's subtree; counts for the whole view."""
    root = await subtree_root(session, principal, query.unit)
    where = [_addressed_to(root.path) if query.unit else _concerns(root.path)]
    if query.incident is not None:
        where.append(Instruction.incident_id == query.incident)
    counts = await _counts(session, where, now)
    rows = await session.scalars(
        select(Instruction)
        .where(*where, *_state(query.state, now))
        .order_by(Instruction.given_at.desc(), Instruction.id.desc())
        .limit(query.limit)
    )
    instructions = list(rows)
    titles = await incident_titles(session, {i.incident_id for i in instructions})
    items = [
        await instruction_view(session, i, titles.get(i.incident_id, ""), now=now)
        for i in instructions
    ]
    await name_subjects(session, items, "logged_by")
    return {"items": items, "counts": counts}


def _concerns(path: str) -> ColumnElement[bool]:
    return or_(_in_subtree(Instruction.unit_path, path), _addressed_to(path))


def _addressed_to(path: str) -> ColumnElement[bool]:
    return exists().where(
        InstructionUnit.instruction_id == Instruction.id,
        _in_subtree(InstructionUnit.unit_path, path),
    )


def _state(state: str | None, now: datetime) -> list[ColumnElement[bool]]:
    if state == "done":
        return [Instruction.state == "done"]
    if state == "open":
        return [Instruction.state == "open"]
    if state == "overdue":
        return [Instruction.state == "open", Instruction.due_at < now]
    return []


async def _counts(session: AsyncSession, where: list, now: datetime) -> dict[str, int]:
    counts = {}
    for state in ("open", "overdue", "done"):
        counts[state] = await session.scalar(
            select(func.count()).select_from(Instruction).where(*where, *_state(state, now))
        )
    return counts


async def instruction_view(
    session: AsyncSession, instruction: Instruction, incident_title: str, *, now: datetime
) -> dict[str, Any]:
    addressees = await session.execute(
        select(InstructionUnit, Unit.code, Unit.name)
        .join(Unit, Unit.id == InstructionUnit.unit_id)
        .where(InstructionUnit.instruction_id == instruction.id)
        .order_by(InstructionUnit.id)
    )
    notes = await session.execute(
        select(InstructionFeedback, Unit.code, Unit.name)
        .join(Unit, Unit.id == InstructionFeedback.unit_id)
        .where(InstructionFeedback.instruction_id == instruction.id)
        .order_by(InstructionFeedback.at, InstructionFeedback.id)
    )
    return {
        "id": instruction.id,
        "incident": instruction.incident_id,
        "incident_title": incident_title,
        "by": instruction.given_by,
        "given_at": instruction.given_at,
        "text": instruction.text,
        "due_at": instruction.due_at,
        "state": instruction.state,
        "overdue": _overdue(instruction, now),
        "logged_by": instruction.logged_by,
        "logged_at": instruction.logged_at,
        "done_at": instruction.done_at,
        "units": [
            {"unit": code, "unit_name": name, "done_at": row.done_at}
            for row, code, name in addressees
        ],
        "feedback": [
            {
                "id": row.id,
                "unit": code,
                "unit_name": name,
                "text": row.text,
                "at": row.at,
                "by": row.by,
            }
            for row, code, name in notes
        ],
    }


def _overdue(instruction: Instruction, now: datetime) -> bool:
    return (
        instruction.state == "open" and instruction.due_at is not None and instruction.due_at < now
    )


async def open_concerning(session: AsyncSession, unit_path: str, now: datetime) -> list[dict]:
    """Open instructions on incidents of the subtree or addressed to units in it (for a
    duty handover), oldest first."""
    rows = await session.scalars(
        select(Instruction)
        .where(_concerns(unit_path), Instruction.state == "open")
        .order_by(Instruction.given_at, Instruction.id)
        .limit(200)
    )
    instructions = list(rows)
    titles = await incident_titles(session, {i.incident_id for i in instructions})
    return [
        await instruction_view(session, i, titles.get(i.incident_id, ""), now=now)
        for i in instructions
    ]
