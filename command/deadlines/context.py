"""The context a deadline hook works in: an incident locked for update, its ruleset
version, chain, reports and live obligations; and the step that writes a hook's new
obligations and their events (`settle`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from command.db import insert_ids, utcnow
from command.deadlines import actors, runtime, triggers
from command.deadlines.chain import Link, links, within
from command.deadlines.models import Obligation
from command.deadlines.planned import PlannedObligation
from command.deadlines.present import obligation_view
from command.deadlines.rules import LevelRules, Ruleset, Version
from command.events import record_event
from command.incidents.models import Incident, Report
from command.units.service import UnitRef, chain_refs


@dataclass
class Context:
    """An incident locked for update, with what deciding its obligations needs."""

    incident: Incident
    ruleset: Ruleset
    version: Version
    chain: list[UnitRef]
    reports: list[Report]
    obligations: list[Obligation]
    logged_by: int | None
    actor: str
    now: datetime
    # Events of obligations that may not have an id yet; recorded by `settle`.
    unrecorded: list[tuple[str, Obligation, dict[str, Any]]] = field(default_factory=list)

    @property
    def rules(self) -> LevelRules:
        return self.version.for_level(self.incident.level)

    @property
    def reach(self) -> str:
        """The level's reach, extended by the triggers that fire (figures, sensitivity)."""
        return triggers.reach(self.version, self.incident)

    def directs(self) -> list[triggers.Direct]:
        return triggers.directs(self.version, self.incident, self.chain)

    def next_above(self, unit_id: int) -> int | None:
        ids = [unit.id for unit in self.chain]
        index = ids.index(unit_id)
        return ids[index + 1] if index + 1 < len(ids) else None

    @property
    def is_open(self) -> bool:
        return self.incident.status != "closed"

    def code(self, unit_id: int) -> str:
        return next(unit.code for unit in self.chain if unit.id == unit_id)

    def first_link(self) -> Link | None:
        chain_links = links(self.chain)
        if chain_links and within(chain_links[0], self.reach):
            return chain_links[0]
        return None


async def load_context(
    session: AsyncSession, incident: Incident, *, actor: str, now: datetime | None = None
) -> Context:
    # One incident's obligations change in one transaction at a time (PostgreSQL row lock;
    # SQLite writes are serialized already).
    await session.execute(select(Incident.id).where(Incident.id == incident.id).with_for_update())
    obligations = await session.scalars(
        select(Obligation)
        .where(Obligation.incident_id == incident.id, Obligation.withdrawn_at.is_(None))
        .order_by(Obligation.id)
        .with_for_update()
    )
    return await _context(
        session,
        incident,
        reports=await _query_reports(session, incident.id),
        obligations=list(obligations),
        logged_by=await actors.unit_of(session, incident.created_by),
        actor=actor,
        now=now,
    )


async def _query_reports(session: AsyncSession, incident_id: int) -> list[Report]:
    query = select(Report).where(Report.incident_id == incident_id).order_by(Report.id)
    return list(await session.scalars(query))


async def _reports(session: AsyncSession, incident: Incident) -> list[Report]:
    """The incident's reports in order; those it was created with when they are loaded."""
    if "reports" in inspect(incident).unloaded:
        return await _query_reports(session, incident.id)
    return sorted(incident.reports, key=lambda report: report.id)


async def new_incident_context(
    session: AsyncSession, incident: Incident, *, actor: str, actor_unit: int | None
) -> Context:
    """The context of an incident created in this very transaction: no other transaction
    can see it yet, and it owes nothing."""
    return await _context(
        session,
        incident,
        reports=await _reports(session, incident),
        obligations=[],
        logged_by=actor_unit,
        actor=actor,
        now=incident.received_at,
    )


async def _context(
    session: AsyncSession,
    incident: Incident,
    *,
    reports: list[Report],
    obligations: list[Obligation],
    logged_by: int | None,
    actor: str,
    now: datetime | None,
) -> Context:
    ruleset = runtime.ruleset_for(session)
    return Context(
        incident=incident,
        ruleset=ruleset,
        version=ruleset.version_at(incident.learned_at),
        chain=await chain_refs(session, incident.unit_path),
        reports=reports,
        obligations=obligations,
        logged_by=logged_by,
        actor=actor,
        now=now or utcnow(),
    )


def record(ctx: Context, kind: str, ob: Obligation) -> None:
    """Note an event with the obligation as it is now; `settle` records it once the
    obligation has its id, so that a hook's new rows go to the database in one batch."""
    payload = obligation_view(ob, ctx.code(ob.unit_id), ctx.code(ob.to_unit_id), ctx.now)
    ctx.unrecorded.append((kind, ob, payload))


async def settle(session: AsyncSession, ctx: Context) -> None:
    """Insert the obligations a hook created and record their events."""
    await session.run_sync(_insert_new, [ob for ob in ctx.obligations if ob.id is None])
    for kind, ob, payload in ctx.unrecorded:
        payload["id"] = ob.id
        record_event(
            session,
            topic="deadlines",
            kind=kind,
            entity=f"obligation:{ob.id}",
            unit_path=ob.unit_path,
            payload=payload,
            actor=ctx.actor,
        )
    ctx.unrecorded.clear()


_COLUMNS = [column.key for column in Obligation.__table__.columns if column.key != "id"]


def _insert_new(session: Session, new: list[PlannedObligation]) -> None:
    """New obligations in one batched INSERT; each gets its id. They were never in the
    session: a later read in this transaction loads them from the database."""
    if not new:
        return
    rows = [{key: getattr(ob, key) for key in _COLUMNS} for ob in new]
    for ob, id_ in zip(new, insert_ids(session, Obligation.__table__, rows), strict=True):
        ob.id = id_
