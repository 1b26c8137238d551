"""Readiness registries the assessment reads: 机构建设 (each area unit's 应急办 — established
on, approval document, director, full-time deputy, staff in post — and each department's
incident-information liaison) and 宣传培训 sessions; imported from a workbook too."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from command.assessment.models import Office, Training
from command.auth.service import Principal
from command.errors import Invalid, NotFound, TooLarge
from command.events import record_event
from command.units.models import Unit
from command.units.service import find_unit
from plans.documents import sniff

TRAINING_KINDS = ("training", "publicity", "exercise_briefing")
DOCUMENT_TYPES = ("pdf", "image")
DOCUMENT_LIMIT = 10 * 1024 * 1024
IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")


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
        "kind": unit.kind,
        "established_on": office.established_on.isoformat() if office.established_on else None,
        "approval_document": office.approval_document,
        "document": {"filename": office.document_filename, "kind": office.document_kind,
                     "sha256": office.document_sha256} if office.document_sha256 else None,
        "director": office.director,
        "deputy_full_time": office.deputy_full_time,
        "staff_in_post": office.staff_in_post,
        "liaison": office.liaison,
        "checks": liaison_checks(office) if unit.kind == "department" else office_checks(office),
    }  # fmt: skip


def office_checks(office: Office | None) -> dict[str, bool]:
    """The five facts an area unit's office is judged on (all false without a record); the
    approval document counts once it is uploaded, not for its number alone."""
    return {
        "established": bool(office and office.established_on),
        "approval_document": bool(office and office.document_sha256),
        "director": bool(office and office.director),
        "deputy_full_time": bool(office and office.deputy_full_time),
        "staffed": bool(office and office.staff_in_post > 0),
    }


def liaison_checks(office: Office | None) -> dict[str, bool]:
    """A department is judged on its designated incident-information liaison."""
    return {"liaison": bool(office and office.liaison)}


async def _office_row(session: AsyncSession, unit: Unit, principal: Principal) -> Office:
    office = await session.scalar(select(Office).where(Office.unit_id == unit.id))
    if office is None:
        office = Office(unit_id=unit.id, unit_path=unit.path, updated_by=principal.subject)
        session.add(office)
    return office


def _office_event(session, office: Office, unit: Unit, principal: Principal, kind: str) -> dict:
    view = office_view(office, unit)
    record_event(session, topic="assessment", kind=kind, entity=f"office:{office.id}",
                 unit_path=unit.path, payload=view, actor=principal.subject)  # fmt: skip
    return view


async def set_office(
    session: AsyncSession, *, unit: Unit, data: OfficeIn, principal: Principal, now: datetime
) -> dict[str, Any]:
    office = await _office_row(session, unit, principal)
    for name, value in data.model_dump().items():
        setattr(office, name, value)
    office.updated_by, office.updated_at = principal.subject, now
    await session.flush()
    return _office_event(session, office, unit, principal, "readiness.office_set")


async def set_office_document(
    session: AsyncSession, *, unit: Unit, filename: str, content: bytes, principal: Principal,
    now: datetime,
) -> dict[str, Any]:  # fmt: skip
    """Upload the office's approval document (成立文件): a PDF or a scan (PNG, JPEG)."""
    if len(content) > DOCUMENT_LIMIT:
        raise TooLarge(f"the document exceeds the limit of {DOCUMENT_LIMIT} bytes")
    kind = "image" if content.startswith(IMAGE_MAGIC) else sniff(content)
    if kind not in DOCUMENT_TYPES:
        shown = kind or "not a PDF, PNG or JPEG"
        raise Invalid("file", f"the approval document must be a PDF or a scan; this is {shown}")
    office = await _office_row(session, unit, principal)
    office.document_filename = (filename or f"approval.{'pdf' if kind == 'pdf' else 'img'}")[:255]
    office.document_kind, office.document = kind, content
    office.document_sha256 = hashlib.sha256(content).hexdigest()
    office.updated_by, office.updated_at = principal.subject, now
    await session.flush()
    return _office_event(session, office, unit, principal, "readiness.office_document_set")


async def import_offices(
    session: AsyncSession, *, items: list[tuple[str, OfficeIn]], principal: Principal,
    now: datetime,
) -> list[dict[str, Any]]:  # fmt: skip
    """All the records or none: a unit outside the caller's subtree refuses the lot."""
    units = [
        await unit_in_subtree(session, code, principal, f"rows[{i}].unit")
        for i, (code, _) in enumerate(items)
    ]
    return [
        await set_office(session, unit=unit, data=data, principal=principal, now=now)
        for unit, (_, data) in zip(units, items, strict=True)
    ]


async def office_document(session: AsyncSession, *, unit: Unit) -> tuple[str, str, bytes]:
    office = await session.scalar(
        select(Office).where(Office.unit_id == unit.id).options(undefer(Office.document))
    )
    if office is None or office.document is None:
        raise NotFound("approval document of unit", unit.code)
    return office.document_filename or "document", office.document_kind or "pdf", office.document


async def offices_in(session: AsyncSession, *, root_path: str) -> dict[int, Office]:
    rows = await session.scalars(
        select(Office).where(Office.unit_path.startswith(root_path, autoescape=True))
    )
    return {office.unit_id: office for office in rows}


async def unit_in_subtree(session, code: str, principal: Principal, field: str) -> Unit:
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
        await unit_in_subtree(session, item.unit, principal, f"{field}[{i}].unit")
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


async def training_views(session: AsyncSession, rows: list[Training]) -> list[dict[str, Any]]:
    """The sessions as the API lists them, each with its unit's code and name."""
    ids = {t.unit_id for t in rows}
    found = await session.scalars(select(Unit).where(Unit.id.in_(ids))) if ids else []
    units = {unit.id: unit for unit in found}
    return [
        {"id": t.id, "unit": units[t.unit_id].code, "unit_name": units[t.unit_id].name,
         "unit_path": t.unit_path, "held_on": t.held_on.isoformat(), "kind": t.kind,
         "audience": t.audience, "attendees": t.attendees, "leaders_trained": t.leaders_trained}
        for t in rows
    ]  # fmt: skip
