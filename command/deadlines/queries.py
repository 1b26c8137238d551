"""Reading obligations: one incident's, a subtree's, and the owed ones a screen shows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from command.db import utcnow
from command.deadlines.models import Obligation
from command.deadlines.present import STAYS_OWED_WHEN_MISSED, obligation_view, owed_since
from command.units.models import Unit

_reporter = aliased(Unit, name="reporter")
_recipient = aliased(Unit, name="recipient")


def _base() -> Select:
    return (
        select(Obligation, _reporter.code, _recipient.code)
        .join(_reporter, _reporter.id == Obligation.unit_id)
        .join(_recipient, _recipient.id == Obligation.to_unit_id)
        .where(Obligation.withdrawn_at.is_(None))
    )


async def _views(session: AsyncSession, query: Select, now: datetime) -> list[dict[str, Any]]:
    rows = await session.execute(query)
    return [obligation_view(ob, unit, to_unit, now) for ob, unit, to_unit in rows.all()]


async def for_incident(session: AsyncSession, incident_id: int) -> list[dict[str, Any]]:
    query = _base().where(Obligation.incident_id == incident_id).order_by(Obligation.id)
    return await _views(session, query, utcnow())


def _filtered(
    query: Select,
    *,
    within: str,
    state: str | None,
    kind: str | None,
    overdue: bool | None,
    incident_id: int | None,
    exercise: bool | None,
    now: datetime,
) -> Select:
    query = query.where(Obligation.unit_path.startswith(within, autoescape=True))
    if state:
        query = query.where(Obligation.state == state)
    if kind:
        query = query.where(Obligation.kind == kind)
    if incident_id is not None:
        query = query.where(Obligation.incident_id == incident_id)
    if exercise is not None:
        query = query.where(Obligation.exercise.is_(exercise))
    if overdue is True:
        query = query.where(Obligation.state == "pending", Obligation.due_at <= now)
    elif overdue is False:
        query = query.where((Obligation.state != "pending") | (Obligation.due_at > now))
    return query


async def search(
    session: AsyncSession, *, limit: int = 100, offset: int = 0, **filters: Any
) -> tuple[list[dict[str, Any]], int]:
    """Obligations of the units in a subtree, most urgent first."""
    now = utcnow()
    query = _filtered(_base(), now=now, **filters)
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    page = query.order_by(Obligation.due_at, Obligation.id).limit(limit).offset(offset)
    return await _views(session, page, now), total or 0


def owed(now: datetime) -> ColumnElement[bool]:
    """`present.is_owed` as a condition: the rows whose view says `owed` at `now`."""
    return (Obligation.state == "pending") | (
        (Obligation.state == "missed")
        & Obligation.kind.in_(STAYS_OWED_WHEN_MISSED)
        & (Obligation.due_at > owed_since(now))
    )


async def owed_in(session: AsyncSession, unit_path: str) -> list[dict[str, Any]]:
    """Obligations of units in the subtree still owed, due soonest first: the pending ones
    (of open incidents, and of a closed one its final report) and the missed initial and
    final reports no report has answered yet, while they are chased (owed.toml)."""
    now = utcnow()
    query = (
        _base()
        .where(owed(now), Obligation.unit_path.startswith(unit_path, autoescape=True))
        .order_by(Obligation.due_at, Obligation.id)
    )
    return await _views(session, query, now)
