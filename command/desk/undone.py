"""Leaders' instructions a subtree's units did not carry out in time: addressed to a unit
of the subtree, due in the period and already past due, and that unit not done by the due
time (the year-end assessment deducts per instruction and unit)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from command.desk.models import Instruction, InstructionUnit
from command.units.models import Unit


async def undone_instructions(
    session: AsyncSession, *, root_path: str, start: datetime, end: datetime, now: datetime
) -> list[dict[str, Any]]:
    rows = await session.execute(
        select(Instruction, InstructionUnit, Unit.code)
        .join(InstructionUnit, InstructionUnit.instruction_id == Instruction.id)
        .join(Unit, Unit.id == InstructionUnit.unit_id)
        .where(InstructionUnit.unit_path.startswith(root_path, autoescape=True))
        .where(Instruction.due_at >= start, Instruction.due_at < end, Instruction.due_at < now)
        .where(or_(InstructionUnit.done_at.is_(None), InstructionUnit.done_at > Instruction.due_at))
        .order_by(Instruction.due_at, Instruction.id, InstructionUnit.id)
    )
    return [
        {
            "type": "instruction",
            "id": instruction.id,
            "incident": instruction.incident_id,
            "unit": code,
            "text": instruction.text,
            "by": instruction.given_by,
            "due_at": instruction.due_at.isoformat(),
            "done_at": row.done_at.isoformat() if row.done_at else None,
        }
        for instruction, row, code in rows.all()
    ]
