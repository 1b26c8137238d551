"""Helpers for the deadline tests: incidents and reports written with the ORM and handed
to the hooks exactly as the incident service does, an engine pass at a chosen instant,
and apps on a chosen ruleset with the background engine off (tests drive it)."""

from __future__ import annotations

import dataclasses
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from command.app import create_app
from command.config import Settings
from command.deadlines import hooks, runtime
from command.deadlines.marking import mark_due
from command.deadlines.models import Obligation
from command.deadlines.rulefile import load_ruleset
from command.events import Event
from command.incidents.models import Incident, Report
from command.units.models import Unit
from command.units.service import get_unit

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 in Heihe
VILLAGE, TOWNSHIP, COUNTY, CITY, PROVINCE, NATIONAL = (
    "231102003001",
    "231102003",
    "231102",
    "231100",
    "230000",
    "000000",
)
CHAIN = [VILLAGE, TOWNSHIP, COUNTY, CITY, PROVINCE, NATIONAL]


@asynccontextmanager
async def deadline_app(settings: Settings, ruleset: str = "cn-national", **changes: Any):
    """The app on `ruleset` with the background engine off: tests run passes themselves."""
    app = create_app(dataclasses.replace(settings, engine_enabled=False, **changes))
    async with app.router.lifespan_context(app):
        runtime.register(app.state.db.writer.sync_engine, load_ruleset(ruleset))
        try:
            yield app
        finally:
            runtime.unregister(app.state.db.writer.sync_engine)


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


async def create_incident(
    app,
    *,
    unit: str = VILLAGE,
    level: str | None = "IV",
    learned_at: datetime = T0,
    reported_at: datetime | None = None,
    report_unit: str | None = None,
    channel: str = "written",
    source: str = "field",
    sensitive: bool = False,
    exercise: bool = False,
    casualties: tuple[int | None, int | None, int | None] = (0, 0, 1),
    summary: str = "山体滑坡，道路中断",
    kind_of: str = "landslide",
    with_report: bool = True,
    category: str = "natural",
    loss: float | None = 0.0,
    figures: dict[str, Any] | None = None,
) -> int:
    """An incident with its initial report (from `report_unit`, default the incident's
    unit, received at `reported_at`), as POST /api/incidents writes it."""
    async with app.state.db.write() as session:
        where = await get_unit(session, unit)
        incident = Incident(
            title="测试事件",
            category=category,
            type=kind_of,
            level=level,
            source=source,
            occurred_at=learned_at - minutes(5),
            learned_at=learned_at,
            received_at=reported_at or learned_at,
            updated_at=reported_at or learned_at,
            unit_id=where.id,
            unit_path=where.path,
            geometry={"type": "Point", "coordinates": [127.5, 50.2]},
            lon=127.5,
            lat=50.2,
            sensitive=sensitive,
            exercise=exercise,
            summary=summary,
            created_by="test",
            **_incident_figures(casualties, loss, figures),
        )
        session.add(incident)
        await session.flush()
        if with_report:
            at = reported_at or learned_at
            unit_code = report_unit or unit
            await _report(
                session,
                incident,
                unit_code,
                "initial",
                channel,
                0,
                at,
                casualties,
                summary,
                loss=loss,
                extra=figures,
            )
        await hooks.on_incident_created(session, incident=incident, actor="test")
        return incident.id


def _incident_figures(casualties, loss, figures) -> dict[str, Any]:
    """The incident's current figures, as the incident service keeps them."""
    dead, missing, injured = casualties
    values = {"dead": dead or 0, "missing": missing or 0, "injured": injured or 0}
    values["loss"] = loss or 0.0
    values.update(figures or {})
    return values


async def _report(
    session,
    incident,
    unit_code,
    kind,
    channel,
    seq,
    at,
    casualties,
    summary,
    *,
    loss=0.0,
    extra=None,
    to=None,
):
    unit = await get_unit(session, unit_code)
    dead, missing, injured = casualties
    report = Report(
        incident_id=incident.id,
        kind=kind,
        seq=seq,
        channel=channel,
        unit_id=unit.id,
        unit_path=unit.path,
        summary=summary,
        dead=dead,
        missing=missing,
        injured=injured,
        loss=loss,
        affected=(extra or {}).get("affected"),
        addressees=to,
        received_at=at,
        submitted_by="test",
    )
    session.add(report)
    await session.flush()
    return report


async def report(
    app,
    incident_id: int,
    unit: str,
    at: datetime,
    *,
    kind: str = "initial",
    channel: str = "written",
    casualties: tuple[int | None, int | None, int | None] = (0, 0, 1),
    summary: str = "续报情况",
    loss: float | None = 0.0,
    to: list[str] | None = None,
    figures: bool = False,
) -> int:
    """A later report, as POST /api/incidents/{id}/reports writes it; with `figures`, its
    casualties become the incident's current figures (as the service applies them)."""
    async with app.state.db.write() as session:
        incident = await session.get_one(Incident, incident_id)
        seq = 0
        if kind == "followup":
            seq = 1 + (
                await session.scalar(
                    select(func.count()).where(
                        Report.incident_id == incident_id, Report.kind == "followup"
                    )
                )
                or 0
            )
        row = await _report(
            session, incident, unit, kind, channel, seq, at, casualties, summary, loss=loss, to=to
        )
        if figures:
            for name, value in zip(("dead", "missing", "injured"), casualties, strict=True):
                if value is not None:
                    setattr(incident, name, value)
        await hooks.on_report_received(session, incident=incident, report=row, actor="test")
        return row.id


async def change_level(
    app, incident_id: int, level: str | None, *, sensitive: bool | None = None, at=None
):
    async with app.state.db.write() as session:
        incident = await session.get_one(Incident, incident_id)
        old = incident.level
        incident.level = level
        incident.updated_at = at or datetime.now(UTC)
        if sensitive is not None:
            incident.sensitive = sensitive
        await hooks.on_level_changed(session, incident=incident, old_level=old, actor="test")


async def close_incident(app, incident_id: int, at: datetime | None = None):
    async with app.state.db.write() as session:
        incident = await session.get_one(Incident, incident_id)
        incident.status = "closed"
        incident.closed_at = at or datetime.now(UTC)
        await hooks.on_incident_closed(session, incident=incident, actor="test")


async def run_engine(app, now: datetime) -> int:
    """Engine passes at `now` until nothing is left to mark; returns the rows claimed."""
    total = 0
    while True:
        claimed = await mark_due(app.state.db, now=now, limit=500)
        total += claimed
        if claimed == 0:
            return total


async def obligations(app, incident_id: int) -> list[dict[str, Any]]:
    """The incident's live obligations as (unit code, to_unit code, …) dicts, in id order."""
    async with app.state.db.read() as session:
        rows = await session.execute(
            select(Obligation, Unit.code)
            .join(Unit, Unit.id == Obligation.unit_id)
            .where(Obligation.incident_id == incident_id, Obligation.withdrawn_at.is_(None))
            .order_by(Obligation.id)
        )
        codes = {u.id: u.code for u in (await session.scalars(select(Unit))).all()}
        return [
            {
                "id": ob.id,
                "unit": code,
                "to_unit": codes[ob.to_unit_id],
                "kind": ob.kind,
                "channel": ob.channel,
                "seq": ob.seq,
                "starts_at": ob.starts_at,
                "due_at": ob.due_at,
                "limit": ob.due_at - ob.starts_at,
                "state": ob.state,
                "met_at": ob.met_at,
                "overdue_at": ob.overdue_at,
                "missed_at": ob.missed_at,
                "warned_at": ob.warned_at,
                "missing_facts": ob.missing_facts,
                "level": ob.level,
            }
            for ob, code in rows.all()
        ]


async def events_of(app, kind: str | None = None) -> list[Event]:
    async with app.state.db.read() as session:
        query = select(Event).where(Event.topic == "deadlines").order_by(Event.id)
        if kind:
            query = query.where(Event.kind == kind)
        return list((await session.scalars(query)).all())
