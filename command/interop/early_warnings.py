"""Recording received CAP alerts as early warnings (预警), and reading them back.

A warning is linked to every unit whose location lies in its area (polygons with shapely,
circles by great-circle distance) or whose code one of its geocodes names, wherever the
unit sits in the tree: a weather warning concerns everyone under it, whoever imported it.
A caller sees a warning that covers a unit in its subtree, or that its subtree received.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import anyio
from sqlalchemy import ColumnElement, and_, exists, func, not_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from command.auth.service import Principal
from command.db import Database, utcnow
from command.errors import Conflict, Forbidden, Invalid, NotFound
from command.events import record_event
from command.incidents.models import CATEGORIES, LEVELS
from command.interop import cap_area, cap_rules
from command.interop.cap_import import BLANK_INFO, Area, Info, ReceivedAlert, preferred
from command.interop.models import EarlyWarning, WarningUnit
from command.interop.schemas import WarningFilters
from command.units.models import Unit

TOPIC = "incidents"
KINDS = {"Alert": "warning.received", "Update": "warning.updated", "Cancel": "warning.cancelled"}
REPLACED = {"Update": "superseded", "Cancel": "cancelled"}
WITH_UNITS = selectinload(EarlyWarning.units).selectinload(WarningUnit.unit)


def entity_key(warning_id: int) -> str:
    return f"warning:{warning_id}"


# --- what a received alert says ----------------------------------------------------------


def area_dict(area: Area) -> dict[str, Any]:
    return {
        "description": area.description,
        "polygons": area.polygons,
        "circles": [circle.as_dict() for circle in area.circles],
        "geocodes": area.geocodes,
    }


def _areas(infos: Iterable[Info]) -> list[dict[str, Any]]:
    """Every info block's areas, each figure once (translations repeat them)."""
    found: list[dict[str, Any]] = []
    seen: list[tuple] = []
    for info in infos:
        for area in info.areas:
            shape = area_dict(area)
            key = (shape["polygons"], shape["circles"], shape["geocodes"])
            if key not in seen:
                seen.append(key)
                found.append(shape)
    return found


def _named(pairs: list[dict[str, str]], name: str) -> str | None:
    return next((pair["value"] for pair in pairs if pair["name"] == name), None)


def category_of(info: Info) -> str | None:
    ours = _named(info.event_codes, cap_rules.CATEGORY_CODE)
    if ours in CATEGORIES:
        return ours
    mapped = (cap_rules.REVERSE_CATEGORIES.get(c) for c in info.categories)
    return next((category for category in mapped if category), None)


def level_of(info: Info) -> str | None:
    ours = _named(info.parameters, cap_rules.LEVEL_PARAMETER)
    if ours is not None:
        return ours if ours in LEVELS else None
    return cap_rules.LEVEL_OF_SEVERITY.get(info.severity)


def _ordered(alert: ReceivedAlert) -> list[Info]:
    first = preferred(alert.infos)
    return [first, *(info for info in alert.infos if info is not first)] if first else []


def _info_fields(info: Info) -> dict[str, Any]:
    """The columns the preferred info block fills (a Cancel may have none: BLANK_INFO)."""
    return {
        "language": info.language,
        "event": info.event,
        "cap_categories": info.categories,
        "urgency": info.urgency,
        "severity": info.severity,
        "certainty": info.certainty,
        "event_codes": info.event_codes,
        "parameters": info.parameters,
        "category": category_of(info),
        "level": level_of(info),
        "sender_name": info.sender_name,
        "headline": info.headline,
        "description": info.description,
        "instruction": info.instruction,
        "onset": info.onset,
        "expires": info.expires,
    }


def _new_warning(alert: ReceivedAlert, principal: Principal, now: datetime) -> EarlyWarning:
    infos = _ordered(alert)
    info = infos[0] if infos else BLANK_INFO
    references = [
        {"sender": r.sender, "identifier": r.identifier, "sent": r.sent.isoformat()}
        for r in alert.references
    ]
    return EarlyWarning(
        **_info_fields(info),
        sender=alert.sender,
        identifier=alert.identifier,
        sent=alert.sent,
        status=alert.status,
        msg_type=alert.msg_type,
        scope=alert.scope,
        note=alert.note,
        refs=references,
        incidents=alert.incidents,
        languages=[i.language for i in alert.infos],
        effective=info.effective or alert.sent,
        areas=_areas(infos),
        state="cancelled" if alert.msg_type == "Cancel" else "active",
        received_at=now,
        received_by=principal.subject,
        receiver_path=principal.unit_path,
        digest=alert.digest,
        document=alert.document,
        units=[],
    )


# --- linking -----------------------------------------------------------------------------


async def coverage_of(alert: ReceivedAlert, *, budget: float) -> cap_area.Coverage | None:
    """The coverage of the alert's areas (shapely's make_valid on each polygon), built in a
    worker thread within `budget` seconds, before any transaction is open: 422
    geometry_over_budget past it. None when the areas have no polygon or circle."""
    shapes = cap_area.shapes_from(_areas(_ordered(alert)))
    if not (shapes.polygons or shapes.circles):
        return None
    try:
        with anyio.fail_after(budget):
            return await anyio.to_thread.run_sync(cap_area.Coverage, shapes, abandon_on_cancel=True)
    except TimeoutError:
        raise Invalid(
            "area",
            f"the alert's area is too complex to place within {budget:g} s",
            code="geometry_over_budget",
        ) from None


async def _covered(
    session: AsyncSession, areas: list[dict[str, Any]], coverage: cap_area.Coverage | None
) -> dict[int, tuple]:
    """{unit id: (unit, "area" | "geocode")} of the units the areas cover."""
    found: dict[int, tuple[Unit, str]] = {}
    shapes = cap_area.shapes_from(areas)
    if shapes.polygons or shapes.circles:
        coverage = coverage or cap_area.Coverage(shapes)
        west, south, east, north = coverage.bounds
        query = select(Unit).where(Unit.lon.between(west, east), Unit.lat.between(south, north))
        for unit in (await session.scalars(query)).all():
            if coverage.covers(unit.lon, unit.lat):  # type: ignore[arg-type]
                found[unit.id] = (unit, "area")
    codes = {
        code["value"]
        for area in areas
        for code in area["geocodes"]
        if code["name"] in cap_rules.LINK_GEOCODES
    }
    if codes:
        for unit in (await session.scalars(select(Unit).where(Unit.code.in_(codes)))).all():
            found.setdefault(unit.id, (unit, "geocode"))
    return found


def _common_path(paths: list[str]) -> str:
    parts = [path.strip("/").split("/") for path in paths]
    shared = []
    for codes in zip(*parts, strict=False):
        if len(set(codes)) > 1:
            break
        shared.append(codes[0])
    return "/" + "".join(code + "/" for code in shared)


async def _replace(session: AsyncSession, warning: EarlyWarning, within: str) -> list[int]:
    """Marks the same sender's referenced warnings superseded or cancelled: only those the
    caller can see (`within`, its subtree). A reference to any other is unknown, exactly as
    one to a message never received, so an Update or Cancel can neither touch nor reveal
    another subtree's warnings."""
    state = REPLACED.get(warning.msg_type)
    identifiers = [ref["identifier"] for ref in warning.refs if ref["sender"] == warning.sender]
    if state is None or not identifiers:
        return []
    query = select(EarlyWarning).where(
        EarlyWarning.sender == warning.sender,
        EarlyWarning.identifier.in_(identifiers),
        EarlyWarning.state != "cancelled",
        EarlyWarning.id != warning.id,
        _visible(within),
    )
    replaced = (await session.scalars(query.with_for_update())).all()
    for row in replaced:
        row.state, row.replaced_by_id = state, warning.id
    return [row.id for row in replaced]


# --- recording ---------------------------------------------------------------------------


def reach(warning: EarlyWarning) -> list[str]:
    """Every subtree that sees the warning: the receiver's and each covered unit's, so that
    a county's screens get a warning over the city's common ancestor live."""
    return [warning.receiver_path, *(link.unit_path for link in warning.units)]


def summary(warning: EarlyWarning) -> dict[str, Any]:
    """What an event carries: enough for a screen to show it (areas come from the API)."""
    return {
        "id": warning.id,
        "sender": warning.sender,
        "identifier": warning.identifier,
        "sent": warning.sent.isoformat(),
        "status": warning.status,
        "msg_type": warning.msg_type,
        "event": warning.event,
        "headline": warning.headline,
        "urgency": warning.urgency,
        "severity": warning.severity,
        "certainty": warning.certainty,
        "category": warning.category,
        "level": warning.level,
        "state": warning.state,
        "linked": warning.linked,
        "units": [link.unit.code for link in warning.units],
        "onset": warning.onset.isoformat() if warning.onset else None,
        "expires": warning.expires.isoformat() if warning.expires else None,
    }


async def _existing(
    session: AsyncSession, alert: ReceivedAlert, principal: Principal
) -> EarlyWarning | None:
    """The warning recorded for this sender and identifier, if the caller may see it.

    CAP identifiers name one message per sender, so a second copy cannot be recorded. A
    copy the caller may see is answered from its row; a different message under the same
    name, or any copy of one only another subtree sees, gets one and the same 409: the
    answer says neither whether the hidden row's content matches nor anything of it."""
    query = (
        select(EarlyWarning)
        .options(WITH_UNITS)
        .where(EarlyWarning.sender == alert.sender, EarlyWarning.identifier == alert.identifier)
    )
    warning = await session.scalar(query)
    if warning is None:
        return None
    if warning.digest != alert.digest or not _sees(principal, warning):
        raise Conflict(
            f"sender {alert.sender}'s message {alert.identifier} is already recorded; "
            "CAP identifiers name one message",
            code="cap_identifier_taken",
        )
    return warning


async def record(
    *,
    session: AsyncSession,
    alert: ReceivedAlert,
    principal: Principal,
    coverage: cap_area.Coverage | None = None,
) -> tuple[EarlyWarning, bool]:
    """The warning for the alert and whether it is new (a repeat changes nothing).
    `coverage` comes from coverage_of (else it is built here, on the loop)."""
    existing = await _existing(session, alert, principal)
    if existing is not None:
        return existing, False
    warning = _new_warning(alert, principal, utcnow())
    covered = await _covered(session, warning.areas, coverage)
    warning.units = [
        WarningUnit(unit_id=unit.id, unit_path=unit.path, match=match, unit=unit)
        for unit, match in covered.values()
    ]
    warning.linked = bool(covered)
    session.add(warning)
    await session.flush()
    replaced = await _replace(session, warning, principal.unit_path)
    paths = [link.unit_path for link in warning.units]
    record_event(
        session,
        topic=TOPIC,
        kind=KINDS[warning.msg_type],
        entity=entity_key(warning.id),
        unit_path=_common_path(paths) if paths else warning.receiver_path,
        payload={"warning": summary(warning), "replaces": replaced},
        actor=principal.subject,
        reach=reach(warning),
    )
    return warning, True


async def receive(
    *, db: Database, alert: ReceivedAlert, principal: Principal, budget: float = 2.0
) -> tuple[dict[str, Any], bool]:
    """Records the alert in its own transaction; two copies racing in are recorded once."""
    coverage = await coverage_of(alert, budget=budget)
    for attempt in (1, 2):
        try:
            async with db.write() as session:
                warning, created = await record(
                    session=session, alert=alert, principal=principal, coverage=coverage
                )
                return warning_dict(warning, principal), created
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


# --- reading -----------------------------------------------------------------------------


def _visible(root_path: str) -> ColumnElement[bool]:
    covers = exists().where(
        WarningUnit.warning_id == EarlyWarning.id,
        WarningUnit.unit_path.startswith(root_path, autoescape=True),
    )
    return or_(EarlyWarning.receiver_path.startswith(root_path, autoescape=True), covers)


def _current(now: datetime) -> ColumnElement[bool]:
    unexpired = or_(EarlyWarning.expires.is_(None), EarlyWarning.expires > now)
    return and_(EarlyWarning.state == "active", unexpired)


def _conditions(filters: WarningFilters, root_path: str) -> list[ColumnElement[bool]]:
    where = [_visible(root_path)]
    if filters.state:
        where.append(EarlyWarning.state.in_(filters.state))
    if filters.linked is not None:
        where.append(EarlyWarning.linked.is_(filters.linked))
    if filters.status:
        where.append(EarlyWarning.status.in_(filters.status))
    if filters.severity:
        where.append(EarlyWarning.severity.in_(filters.severity))
    if filters.current is not None:
        current = _current(utcnow())
        where.append(current if filters.current else not_(current))
    if filters.since:
        where.append(EarlyWarning.sent >= filters.since)
    if filters.until:
        where.append(EarlyWarning.sent < filters.until)
    return where


async def list_warnings(
    *, session: AsyncSession, filters: WarningFilters, root_path: str
) -> tuple[list[EarlyWarning], int]:
    """One page of the warnings visible under `root_path`, newest first, and the total."""
    where = _conditions(filters, root_path)
    total = await session.scalar(select(func.count()).select_from(EarlyWarning).where(*where))
    query = (
        select(EarlyWarning)
        .options(WITH_UNITS)
        .where(*where)
        .order_by(EarlyWarning.sent.desc(), EarlyWarning.id.desc())
        .limit(filters.limit)
        .offset(filters.offset)
    )
    return list((await session.scalars(query)).all()), total or 0


def _sees(principal: Principal, warning: EarlyWarning) -> bool:
    return principal.sees(warning.receiver_path) or any(
        principal.sees(link.unit_path) for link in warning.units
    )


def ensure_visible(principal: Principal, warning: EarlyWarning) -> None:
    if not _sees(principal, warning):
        raise Forbidden(
            f"warning {warning.id} concerns no unit in the subtree of unit {principal.unit_code}"
        )


async def get_warning(
    *, session: AsyncSession, warning_id: int, principal: Principal, lock: bool = False
) -> EarlyWarning:
    query = select(EarlyWarning).options(WITH_UNITS).where(EarlyWarning.id == warning_id)
    warning = await session.scalar(query.with_for_update(of=EarlyWarning) if lock else query)
    if warning is None:
        raise NotFound("warning", warning_id)
    ensure_visible(principal, warning)
    return warning


# Columns shown as they are; the rest of WarningOut is built in warning_dict.
PLAIN_FIELDS = (
    *("id", "sender", "identifier", "sent", "status", "msg_type", "scope", "note"),
    *("incidents", "language", "languages", "event", "cap_categories", "urgency"),
    *("severity", "certainty", "event_codes", "parameters", "category", "level"),
    *("sender_name", "headline", "description", "instruction", "effective", "onset"),
    *("expires", "areas", "state", "linked", "received_at", "received_by", "incident_id"),
)


def warning_dict(warning: EarlyWarning, principal: Principal) -> dict[str, Any]:
    """The warning as WarningOut shows it; linked units only inside the caller's subtree."""
    return {
        **{name: getattr(warning, name) for name in PLAIN_FIELDS},
        "references": warning.refs,
        "replaced_by": warning.replaced_by_id,
        "units": [
            {"code": link.unit.code, "name": link.unit.name, "match": link.match}
            for link in warning.units
            if principal.sees(link.unit_path)
        ],
    }
