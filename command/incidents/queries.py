"""Reading the incident log: one incident, filtered pages, the open ones of a subtree, and
the history of changes from the event log. Loaded incidents always carry their reports,
so `incident_dict` can serialize them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from command.auth.guard import subtree_root
from command.auth.service import Principal
from command.errors import NotFound
from command.events import Event
from command.incidents.models import Incident
from command.incidents.schemas import IncidentFilters
from command.vocabulary import STATUSES

TOPIC = "incidents"
SNAPSHOT_LIMIT = 1000
# Named rather than "not closed", so that the (status, level) index finds the few open
# incidents among a year's closed ones.
OPEN_STATUSES = tuple(status for status in STATUSES if status != "closed")
WITH_REPORTS = selectinload(Incident.reports)


def entity_key(incident_id: int) -> str:
    return f"incident:{incident_id}"


async def get_incident(*, session: AsyncSession, incident_id: int) -> Incident:
    """The incident with its reports loaded, or 404."""
    query = select(Incident).options(WITH_REPORTS).where(Incident.id == incident_id)
    incident = await session.scalar(query)
    if incident is None:
        raise NotFound("incident", incident_id)
    return incident


async def incident_unit_path(session: AsyncSession, incident_id: int) -> str | None:
    """The unit path of an incident (for checking a filter that names it), None if none."""
    return await session.scalar(select(Incident.unit_path).where(Incident.id == incident_id))


async def locked_incident(session: AsyncSession, incident_id: int) -> Incident:
    """The incident with its reports, locked against concurrent changes until commit."""
    query = select(Incident).options(WITH_REPORTS).where(Incident.id == incident_id)
    incident = await session.scalar(query.with_for_update(of=Incident))
    if incident is None:
        raise NotFound("incident", incident_id)
    return incident


async def _subtree_path(session: AsyncSession, code: str | None, principal: Principal) -> str:
    if code is None:  # the caller's own subtree, known without a query
        return principal.unit_path
    return (await subtree_root(session, principal, code)).path


def _conditions(filters: IncidentFilters, root_path: str) -> list[ColumnElement[bool]]:
    where = [Incident.unit_path.startswith(root_path, autoescape=True)]
    if filters.status:
        where.append(Incident.status.in_(filters.status))
    if filters.level:
        levels = Incident.level.in_([lv for lv in filters.level if lv != "none"])
        where.append(or_(levels, Incident.level.is_(None)) if "none" in filters.level else levels)
    if filters.category:
        where.append(Incident.category.in_(filters.category))
    if filters.exercise is not None:
        where.append(Incident.exercise.is_(filters.exercise))
    if filters.sensitive is not None:
        where.append(Incident.sensitive.is_(filters.sensitive))
    if filters.since:
        where.append(Incident.occurred_at >= filters.since)
    if filters.until:
        where.append(Incident.occurred_at < filters.until)
    return where


async def list_incidents(
    *, session: AsyncSession, filters: IncidentFilters, principal: Principal
) -> tuple[list[Incident], int]:
    """One page of the incidents in the caller's subtree that match, newest first, with
    their reports; and how many match in all."""
    where = _conditions(filters, await _subtree_path(session, filters.unit, principal))
    total = await session.scalar(select(func.count()).select_from(Incident).where(*where))
    query = (
        select(Incident)
        .options(WITH_REPORTS)
        .where(*where)
        .order_by(Incident.received_at.desc(), Incident.id.desc())
        .limit(filters.limit)
        .offset(filters.offset)
    )
    return list((await session.scalars(query)).all()), total or 0


def _open_in(unit_path: str) -> tuple[ColumnElement[bool], ...]:
    return (
        Incident.status.in_(OPEN_STATUSES),
        Incident.unit_path.startswith(unit_path, autoescape=True),
    )


async def open_incidents(
    *, session: AsyncSession, unit_path: str, limit: int = SNAPSHOT_LIMIT
) -> list[Incident]:
    """Incidents not closed in a subtree, newest first (at most `limit`), with their reports."""
    query = (
        select(Incident)
        .options(WITH_REPORTS)
        .where(*_open_in(unit_path))
        .order_by(Incident.received_at.desc(), Incident.id.desc())
        .limit(limit)
    )
    return list((await session.scalars(query)).all())


async def count_open_incidents(*, session: AsyncSession, unit_path: str) -> int:
    query = select(func.count()).select_from(Incident).where(*_open_in(unit_path))
    return await session.scalar(query) or 0


def _history_entry(event: Event) -> dict[str, Any]:
    return {
        "id": event.id,
        "at": event.at.isoformat(),
        "actor": event.actor,
        "kind": event.kind,
        "changes": event.payload.get("changes", {}),
        "report": event.payload.get("report"),
    }


async def incident_history(*, session: AsyncSession, incident_id: int) -> list[dict[str, Any]]:
    """Who changed what when, oldest first, from the event log."""
    query = (
        select(Event)
        .where(Event.topic == TOPIC, Event.entity == entity_key(incident_id))
        .order_by(Event.id)
    )
    return [_history_entry(event) for event in (await session.scalars(query)).all()]


async def titles(session: AsyncSession, incident_ids: set[int]) -> dict[int, str]:
    """The titles of these incidents, by id (for lists that name them)."""
    if not incident_ids:
        return {}
    rows = await session.execute(
        select(Incident.id, Incident.title).where(Incident.id.in_(incident_ids))
    )
    return {row.id: row.title for row in rows}


async def incidents_occurred(
    *, session: AsyncSession, root_path: str, start: Any, end: Any, exercise: bool = False
) -> list[Incident]:
    """The incidents of a subtree that occurred in [start, end), oldest first, without
    their reports (for yearly counts: the annual review)."""
    query = (
        select(Incident)
        .where(Incident.unit_path.startswith(root_path, autoescape=True))
        .where(Incident.occurred_at >= start, Incident.occurred_at < end)
        .where(Incident.exercise.is_(exercise))
        .order_by(Incident.occurred_at, Incident.id)
    )
    return list((await session.scalars(query)).all())
