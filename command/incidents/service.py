"""The incident log's rules: who may report what, the status lifecycle, report numbering,
figure updates and the audit trail. Every change records its event in the caller's
transaction and tells the domains that listen (command.incidents.listeners: the deadline
engine among them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from command.auth.guard import ensure_sees
from command.auth.service import Principal
from command.config import settings_of
from command.db import utcnow
from command.errors import Conflict, Forbidden, Invalid
from command.events import record_event
from command.incidents import geometry, reporting
from command.incidents.listeners import listeners
from command.incidents.models import Incident, Report
from command.incidents.queries import (
    TOPIC,
    entity_key,
    get_incident,
    incident_history,
    list_incidents,
    locked_incident,
    open_incidents,
)
from command.incidents.schemas import (
    Casualties,
    IncidentIn,
    IncidentPatch,
    ReportIn,
)
from command.incidents.shapes import etag, incident_dict, incident_event_dict, report_dict
from command.preconditions import changed_since_seen, if_match_holds
from command.units.service import find_unit

__all__ = [
    "add_report",
    "create_incident",
    "get_incident",
    "incident_dict",
    "incident_history",
    "list_incidents",
    "open_incidents",
    "report_dict",
    "update_incident",
]

# The status lifecycle: from each status, the statuses it may move to.
TRANSITIONS: dict[str, frozenset[str]] = {
    "reported": frozenset({"verified", "responding", "closed"}),
    "verified": frozenset({"responding", "closed"}),
    "responding": frozenset({"stabilized"}),
    "stabilized": frozenset({"responding", "closed"}),
    "closed": frozenset(),
}
# Current figures of an incident; each report or verified correction may restate them.
FIGURES = ("dead", "missing", "injured", "affected", "loss")
# Facts a commander may correct with PATCH besides the figures, level and status.
PATCHABLE_FACTS = ("title", "type", "sensitive", "summary", "measures")
# A report for another unit is one the caller received from it by phone and logs for it.
ON_BEHALF_CHANNEL = "phone"


def invalid(field: str, message: str) -> Invalid:
    return Invalid(field, message)


def conflict(field: str, message: str) -> Conflict:
    return Conflict(message, field=field)


@dataclass(frozen=True)
class UnitRef:
    """What the incident log needs of a unit: its id, code and place in the tree."""

    id: int
    code: str
    path: str


async def _unit(session: AsyncSession, code: str, field: str) -> UnitRef:
    unit = await find_unit(session, code)
    if unit is None:
        raise invalid(field, f"unit {code} does not exist")
    return UnitRef(unit.id, unit.code, unit.path)


async def _acting_unit(session: AsyncSession, code: str | None, principal: Principal) -> UnitRef:
    """The unit a submission is for; the caller's own unit is known without a query (the
    common case: a field unit reporting for itself on the ingest hot path)."""
    if code is None or code == principal.unit_code:
        return UnitRef(principal.unit_id, principal.unit_code, principal.unit_path)
    return await _unit(session, code, "unit")


def _acting_for(principal: Principal, unit: UnitRef, channel: str) -> str | None:
    """Who logs a report for `unit` on its behalf (None when it is the caller's own)."""
    if unit.id == principal.unit_id:
        return None
    if not principal.can("incidents.manage"):
        raise Forbidden(f"a {principal.role} reports only for its own unit {principal.unit_code}")
    ensure_sees(principal, unit.path, f"unit {unit.code}")
    if channel != ON_BEHALF_CHANNEL:
        raise invalid("channel", f"a report for unit {unit.code} is logged as a phone report")
    return principal.subject


def _check_times(
    occurred_at: datetime, learned_at: datetime, now: datetime, skew: timedelta
) -> None:
    if learned_at > now + skew:
        seconds = int(skew.total_seconds())
        raise invalid("learned_at", f"lies in the future (beyond {seconds} s of clock skew)")
    if occurred_at > learned_at:
        raise invalid("occurred_at", "lies after learned_at: it cannot happen after it was learned")


def _stated(data: IncidentIn | ReportIn | IncidentPatch) -> dict[str, Any]:
    """The figures a submission states (left-out ones are not stated, not zero)."""
    casualties = data.casualties or Casualties()
    values = {
        "dead": casualties.dead,
        "missing": casualties.missing,
        "injured": casualties.injured,
        "affected": data.affected,
        "loss": data.loss,
    }
    return {name: value for name, value in values.items() if value is not None}


def _apply(incident: Incident, values: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Set the values that differ; returns {field: {"from", "to"}} of what changed."""
    changes = {}
    for name, value in values.items():
        old = getattr(incident, name)
        if old != value:
            changes[name] = {"from": old, "to": value}
            setattr(incident, name, value)
    return changes


def _record(session: AsyncSession, incident: Incident, kind: str, actor: str, **extra: Any) -> None:
    record_event(
        session,
        topic=TOPIC,
        kind=kind,
        entity=entity_key(incident.id),
        unit_path=incident.unit_path,
        payload={"incident": incident_event_dict(incident), **extra},
        actor=actor,
    )


def _new_report(
    data: IncidentIn | ReportIn,
    unit: UnitRef,
    *,
    kind: str,
    seq: int,
    now: datetime,
    by: Principal,
    for_: str | None,
    skew: timedelta,
) -> Report:
    """A report as received now; `for_` names who logged it on the unit's behalf."""
    stated = _stated(data)
    return Report(
        kind=kind,
        seq=seq,
        channel=data.channel,
        unit_id=unit.id,
        unit_path=unit.path,
        summary=data.summary,
        measures=data.measures,
        device_time=data.device_time,
        device_time_flagged=reporting.device_clock_ahead(data.device_time, now, skew),
        scope=data.scope,
        development=data.development,
        leaders=data.leaders,
        addressees=reporting.check_addressees(unit.code, unit.path, data.to),
        verified=getattr(data, "verified", False),
        explanation=getattr(data, "explanation", ""),
        # The deadline rules decide which key facts an initial report left out (hooks).
        missing_facts=[],
        received_at=now,
        submitted_by=by.subject,
        logged_by=for_,
        **{name: stated.get(name) for name in FIGURES},
    )


def _creation_rights(principal: Principal, unit: UnitRef, data: IncidentIn) -> str | None:
    """Who logs the initial report for the unit (None: the unit itself); 403s."""
    if data.source == "field":
        return _acting_for(principal, unit, data.channel)
    if not principal.can("incidents.manage"):
        raise Forbidden(f"only commanders log incidents learned from {data.source}")
    ensure_sees(principal, unit.path, f"unit {unit.code}")
    return None


def _new_incident(
    data: IncidentIn, unit: UnitRef, actor: str, now: datetime, placed: geometry.Placed
) -> Incident:
    lon, lat = placed.anchor
    stated = _stated(data)
    return Incident(
        title=data.title,
        category=data.category,
        type=data.type,
        level=data.level,
        status="reported",
        source=data.source,
        occurred_at=data.occurred_at,
        learned_at=data.learned_at or now,
        received_at=now,
        updated_at=now,
        unit_id=unit.id,
        unit_path=unit.path,
        geometry=data.geometry,
        outline=placed.outline,
        lon=lon,
        lat=lat,
        sensitive=data.sensitive,
        exercise=data.exercise,
        summary=data.summary,
        measures=data.measures,
        created_by=actor,
        reports=[],
        **{name: stated.get(name, 0) for name in FIGURES},
    )


async def create_incident(
    *,
    session: AsyncSession,
    data: IncidentIn,
    principal: Principal,
    clock_skew: timedelta | None = None,
    placed: geometry.Placed | None = None,
) -> Incident:
    """A new incident; from the field, with its initial report (初报). `placed`: the
    geometry's anchor and outline computed beforehand (off the event loop), else here."""
    now = utcnow()
    if clock_skew is None:  # the process's WATCHFLOOR_CLOCK_SKEW_SECONDS
        clock_skew = timedelta(seconds=settings_of(session).clock_skew_seconds)
    unit = await _acting_unit(session, data.unit, principal)
    logged_by = _creation_rights(principal, unit, data)
    _check_times(data.occurred_at, data.learned_at or now, now, clock_skew)
    placed = placed or geometry.place(data.geometry)
    incident = _new_incident(data, unit, principal.subject, now, placed)
    if data.source == "field":
        incident.reports.append(
            _new_report(
                data,
                unit,
                kind="initial",
                seq=0,
                now=now,
                by=principal,
                for_=logged_by,
                skew=clock_skew,
            )
        )
    session.add(incident)
    await session.flush()
    for listener in listeners():
        await listener.on_incident_created(
            session, incident=incident, actor=principal.subject, actor_unit=principal.unit_id
        )
    initial = {"report": report_dict(incident.reports[0])} if incident.reports else {}
    _record(session, incident, "incident.created", principal.subject, **initial)
    return incident


def _sequence(incident: Incident, unit: UnitRef, kind: str, channel: str) -> int:
    """续报 are numbered 1, 2, … per reporting unit; one initial and one final per channel."""
    own = [r for r in incident.reports if r.unit_id == unit.id]
    if kind == "followup":
        return 1 + max((r.seq for r in own if r.kind == "followup"), default=0)
    for report in own:
        if report.kind == kind and report.channel == channel:
            raise conflict(
                "kind", f"unit {unit.code} already filed its {channel} {kind} report {report.id}"
            )
    return 0


def _report_rights(
    principal: Principal, incident: Incident, unit: UnitRef, data: ReportIn
) -> str | None:
    """Who logs the report on the unit's behalf (None: the unit itself); 403, 422, 409."""
    logged_by = _acting_for(principal, unit, data.channel)
    # Reports come from the incident's unit or a superior that reports it further up.
    if not incident.unit_path.startswith(unit.path):
        raise invalid("unit", f"unit {unit.code} is neither the incident's unit nor above it")
    if incident.status == "closed" and data.kind != "final":
        raise conflict("kind", f"incident {incident.id} is closed: only a final report is accepted")
    if data.verified and data.kind == "initial":
        raise invalid("verified", "the verified report (核报) follows the initial report")
    return logged_by


async def add_report(
    *,
    session: AsyncSession,
    incident_id: int,
    data: ReportIn,
    principal: Principal,
    clock_skew: timedelta | None = None,
) -> tuple[Incident, Report]:
    """A follow-up (续报), final (终报) or a superior's own initial report (初报)."""
    if clock_skew is None:  # the process's WATCHFLOOR_CLOCK_SKEW_SECONDS
        clock_skew = timedelta(seconds=settings_of(session).clock_skew_seconds)
    incident = await locked_incident(session, incident_id)
    ensure_sees(principal, incident.unit_path, f"incident {incident_id}")
    unit = await _acting_unit(session, data.unit, principal)
    logged_by = _report_rights(principal, incident, unit, data)
    now = utcnow()
    seq = _sequence(incident, unit, data.kind, data.channel)
    supplement = await reporting.guard_figures(
        session,
        incident=incident,
        reports=list(incident.reports),
        changes=reporting.pending_changes(incident, _stated(data)),
        explanation=data.explanation,
        now=now,
    )
    report = _new_report(
        data, unit, kind=data.kind, seq=seq, now=now, by=principal, for_=logged_by, skew=clock_skew
    )
    report.supplement = supplement
    incident.reports.append(report)
    changes = _apply(incident, _stated(data))
    incident.updated_at = now
    await session.flush()
    for listener in listeners():
        await listener.on_report_received(
            session, incident=incident, report=report, actor=principal.subject
        )
    _record(
        session,
        incident,
        "report.received",
        principal.subject,
        report=report_dict(report),
        changes=changes,
    )
    return incident, report


def _patched_values(
    incident: Incident, patch: IncidentPatch, placed: geometry.Placed | None
) -> dict[str, Any]:
    fields = patch.model_fields_set
    values = {name: getattr(patch, name) for name in ("level", "status", *PATCHABLE_FACTS)}
    values = {name: value for name, value in values.items() if name in fields}
    if "geometry" in fields and patch.geometry != incident.geometry:
        placed = placed or geometry.place(patch.geometry)
        (lon, lat), outline = placed.anchor, placed.outline
        values |= {"geometry": patch.geometry, "outline": outline, "lon": lon, "lat": lat}
    return values | _stated(patch)


def _check_transition(incident: Incident, values: dict[str, Any]) -> None:
    new = values.get("status", incident.status)
    if new != incident.status and new not in TRANSITIONS[incident.status]:
        allowed = ", ".join(sorted(TRANSITIONS[incident.status])) or "none"
        raise conflict(
            "status", f"status cannot go from {incident.status} to {new} (allowed: {allowed})"
        )


async def update_incident(
    *,
    session: AsyncSession,
    incident_id: int,
    patch: IncidentPatch,
    principal: Principal,
    if_match: str | None = None,
    placed: geometry.Placed | None = None,
) -> Incident:
    """Level, status and verified facts; a request that changes nothing writes nothing.
    `if_match`: the entity tags the caller last saw (If-Match); 412 when none is current.
    `placed`: the new geometry's anchor and outline computed beforehand, else here."""
    if not patch.model_fields_set:
        raise invalid("body", "send at least one field to change")
    incident = await locked_incident(session, incident_id)
    ensure_sees(principal, incident.unit_path, f"incident {incident_id}")
    _check_version(incident, if_match)
    values = _patched_values(incident, patch, placed)
    if all(getattr(incident, name) == value for name, value in values.items()):
        return incident
    if incident.status == "closed":
        raise conflict("status", f"incident {incident_id} is closed; it no longer changes")
    _check_transition(incident, values)
    await reporting.guard_figures(
        session,
        incident=incident,
        reports=list(incident.reports),
        changes=reporting.pending_changes(incident, _stated(patch)),
        explanation=patch.explanation or "",
        now=utcnow(),
    )
    old_level = incident.level
    changes = _apply(incident, values)
    incident.updated_at = utcnow()
    if changes.get("status", {}).get("to") == "closed":
        incident.closed_at = incident.updated_at
    await session.flush()
    await _after_patch(session, incident, changes, old_level, principal.subject)
    return incident


def _check_version(incident: Incident, if_match: str | None) -> None:
    """If-Match (command/preconditions.py): otherwise another officer changed it first."""
    current = etag(incident)
    if not if_match_holds(if_match, current):
        raise changed_since_seen(f"incident {incident.id}", current, incident_dict(incident))


async def acknowledge(
    *, session: AsyncSession, incident_id: int, principal: Principal
) -> tuple[Incident, bool]:
    """签收: a duty officer acknowledges the incident at the centre, once. A repeat changes
    nothing and answers the first acknowledgement; the second value says whether this
    call made it."""
    incident = await locked_incident(session, incident_id)
    ensure_sees(principal, incident.unit_path, f"incident {incident_id}")
    if incident.acknowledged_at is not None:
        return incident, False
    incident.acknowledged_at = utcnow()
    incident.acknowledged_by = principal.subject
    await session.flush()
    _record(session, incident, "incident.acknowledged", principal.subject)
    return incident, True


async def _after_patch(
    session: AsyncSession,
    incident: Incident,
    changes: dict[str, dict[str, Any]],
    old_level: str | None,
    actor: str,
) -> None:
    """The deadline hooks the change calls for, and one event per kind of change."""
    if "level" in changes or "sensitive" in changes:
        # The sensitive flag moves the top of the reporting chain, as the level does.
        for listener in listeners():
            await listener.on_level_changed(
                session, incident=incident, old_level=old_level, actor=actor
            )
    if any(name in changes for name in FIGURES):
        # A commander's figures are verified: the triggers on figures are evaluated again.
        await reporting.figures_changed(session, incident=incident, actor=actor)
    if changes.get("status", {}).get("to") == "closed":
        for listener in listeners():
            await listener.on_incident_closed(session, incident=incident, actor=actor)
    facts = {k: v for k, v in changes.items() if k not in ("level", "status", "lon", "lat")}
    if facts:
        _record(session, incident, "incident.updated", actor, changes=facts)
    for name in ("level", "status"):
        if name in changes:
            kind = f"incident.{name}_changed"
            _record(session, incident, kind, actor, changes={name: changes[name]})
