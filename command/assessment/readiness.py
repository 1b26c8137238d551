"""Readiness registries the assessment reads: 机构建设 (each area unit's 应急办 — established
on, approval document, director, full-time deputy, staff in post — and each department's
incident-information liaison) and 宣传培训 sessions; imported from a workbook too."""

from __future__ import annotations

import io
from datetime import date, datetime
from typing import Any

from openpyxl import load_workbook
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from command.assessment.models import Office, Training
from command.auth.service import Principal
from command.errors import Invalid, validation_error
from command.events import record_event
from command.units.models import Unit
from command.units.service import find_unit

TRAINING_KINDS = ("training", "publicity", "exercise_briefing")
KIND_WORDS = {"培训": "training", "宣传": "publicity", "演练讲评": "exercise_briefing"}
IMPORT_HEADERS = ("日期", "单位编码", "类型", "对象", "参加人数", "领导干部人数")


class OfficeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    established_on: date | None = None
    approval_document: str = Field(default="", max_length=255)
    director: str = Field(default="", max_length=64)
    deputy_full_time: str = Field(default="", max_length=64)
    staff_in_post: int = Field(default=0, ge=0, le=10000)
    liaison: str = Field(default="", max_length=128)


class TrainingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unit: str = Field(min_length=1, max_length=32)
    held_on: date
    kind: str = Field(pattern="^(training|publicity|exercise_briefing)$")
    audience: str = Field(default="", max_length=200)
    attendees: int = Field(default=0, ge=0, le=100000)
    leaders_trained: int = Field(default=0, ge=0, le=100000)


def office_view(office: Office, unit: Unit) -> dict[str, Any]:
    return {
        "unit": unit.code,
        "name": unit.name,
        "established_on": office.established_on.isoformat() if office.established_on else None,
        "approval_document": office.approval_document,
        "director": office.director,
        "deputy_full_time": office.deputy_full_time,
        "staff_in_post": office.staff_in_post,
        "liaison": office.liaison,
        "checks": office_checks(office),
    }


def office_checks(office: Office | None) -> dict[str, bool]:
    """The five facts an office is judged on (all false without a record)."""
    return {
        "established": bool(office and office.established_on),
        "approval_document": bool(office and office.approval_document),
        "director": bool(office and office.director),
        "deputy_full_time": bool(office and office.deputy_full_time),
        "staffed": bool(office and office.staff_in_post > 0),
    }


async def set_office(
    session: AsyncSession, *, unit: Unit, data: OfficeIn, principal: Principal, now: datetime
) -> dict[str, Any]:
    office = await session.scalar(select(Office).where(Office.unit_id == unit.id))
    if office is None:
        office = Office(unit_id=unit.id, unit_path=unit.path, updated_by=principal.subject)
        session.add(office)
    for name, value in data.model_dump().items():
        setattr(office, name, value)
    office.updated_by, office.updated_at = principal.subject, now
    await session.flush()
    view = office_view(office, unit)
    record_event(session, topic="assessment", kind="readiness.office_set",
                 entity=f"office:{office.id}", unit_path=unit.path, payload=view,
                 actor=principal.subject)  # fmt: skip
    return view


async def offices_in(session: AsyncSession, *, root_path: str) -> dict[int, Office]:
    rows = await session.scalars(
        select(Office).where(Office.unit_path.startswith(root_path, autoescape=True))
    )
    return {office.unit_id: office for office in rows}


async def _training_unit(session, code: str, principal: Principal, field: str) -> Unit:
    unit = await find_unit(session, code)
    if unit is None or not principal.sees(unit.path):
        raise Invalid(field, f"unit {code} does not exist in your subtree")
    return unit


async def add_trainings(
    session: AsyncSession, *, items: list[TrainingIn], principal: Principal, now: datetime,
    field: str = "items",
) -> list[int]:  # fmt: skip
    """All the sessions or none: a bad row refuses the lot, naming it."""
    units = [
        await _training_unit(session, item.unit, principal, f"{field}[{i}].unit")
        for i, item in enumerate(items)
    ]
    rows = []
    for item, unit in zip(items, units, strict=True):
        row = Training(unit_id=unit.id, unit_path=unit.path, recorded_by=principal.subject,
                       recorded_at=now, **item.model_dump(exclude={"unit"}))  # fmt: skip
        session.add(row)
        rows.append((row, unit))
    await session.flush()
    for row, unit in rows:
        record_event(session, topic="assessment", kind="readiness.training_added",
                     entity=f"training:{row.id}", unit_path=unit.path,
                     payload={"unit": unit.code, "held_on": row.held_on.isoformat(),
                              "kind": row.kind, "attendees": row.attendees,
                              "leaders_trained": row.leaders_trained},
                     actor=principal.subject)  # fmt: skip
    return [row.id for row, _ in rows]


def read_trainings(content: bytes) -> list[TrainingIn]:
    """Rows of a workbook whose first sheet has the import headers in its first row."""
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        raise Invalid("file", "not an Excel workbook (.xlsx)") from None
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    if (
        not rows
        or tuple(str(c or "").strip() for c in rows[0][: len(IMPORT_HEADERS)]) != IMPORT_HEADERS
    ):
        raise Invalid("file", f"the first row must be {', '.join(IMPORT_HEADERS)}")
    items = []
    for number, row in enumerate(rows[1:], 2):
        if not any(row):
            continue
        held, code, kind, audience, attendees, leaders = (list(row) + [None] * 6)[:6]
        raw = {
            "held_on": held.date() if isinstance(held, datetime) else held,
            "unit": str(code or "").strip(),
            "kind": KIND_WORDS.get(str(kind or "").strip(), str(kind or "").strip()),
            "audience": str(audience or ""),
            "attendees": attendees or 0,
            "leaders_trained": leaders or 0,
        }
        try:
            items.append(TrainingIn.model_validate(raw))
        except ValidationError as exc:
            raise validation_error(exc, (f"row {number}",)) from None
    return items


async def trainings_in(
    session: AsyncSession, *, root_path: str, start: date, end: date
) -> list[Training]:
    rows = await session.scalars(
        select(Training)
        .where(Training.unit_path.startswith(root_path, autoescape=True))
        .where(Training.held_on >= start, Training.held_on <= end)
        .order_by(Training.held_on, Training.id)
    )
    return list(rows)
