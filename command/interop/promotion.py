"""Recording an early warning as an incident (source "cap") once it has happened.

A warning is a forecast; when what it announced occurs, a commander records it as an
incident of a unit. The incident is created through the incident log's own service, so
its rules, events and reporting deadlines apply; its clock starts at the promotion (when
the command center learned that it happened), and its facts default to the alert's.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from command.auth.service import Principal
from command.db import utcnow
from command.errors import Conflict, Invalid, validation_error
from command.events import record_event
from command.incidents.models import Incident
from command.incidents.schemas import IncidentIn
from command.incidents.service import create_incident
from command.interop import cap_area, cap_rules
from command.interop.early_warnings import TOPIC, entity_key, get_warning, reach, summary
from command.interop.models import EarlyWarning
from command.interop.schemas import PromoteIn
from command.units.service import find_unit

TITLE_MAX = 200
TYPE_MAX = 64
TEXT_MAX = 20_000
COUNTS = ("dead", "missing", "injured", "affected")


def _invalid(field: str, message: str) -> Invalid:
    return Invalid(field, message)


def _conflict(message: str) -> Conflict:
    return Conflict(message, field="warning")


def _check_promotable(warning: EarlyWarning, now: datetime) -> datetime:
    """When it happened (onset, else effective); 409/422 when it cannot become an incident."""
    if warning.incident_id is not None:
        raise _conflict(f"warning {warning.id} is already incident {warning.incident_id}")
    if warning.state == "cancelled":
        raise _conflict(f"warning {warning.id} was cancelled by its sender")
    occurred = warning.onset or warning.effective
    if occurred > now:
        raise _invalid("onset", "the warning's onset lies in the future; record it when it happens")
    return occurred


def _figures(warning: EarlyWarning) -> dict[str, Any]:
    """Figures an alert from this system carries as parameters (others carry none)."""
    values = {p["name"]: p["value"] for p in warning.parameters}
    found: dict[str, Any] = {}
    for figure in cap_rules.FIGURES:
        raw = values.get(cap_rules.FIGURE_PARAMETER.format(figure=figure))
        try:
            found[figure] = int(raw) if figure in COUNTS else float(raw)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            continue
    casualties = {k: found.pop(k) for k in ("dead", "missing", "injured") if k in found}
    return {**found, "casualties": casualties} if casualties else found


async def _geometry(session: AsyncSession, warning: EarlyWarning, unit_code: str) -> dict:
    geometry = cap_area.geometry_of(cap_area.shapes_from(warning.areas))
    if geometry is not None:
        return geometry
    unit = await find_unit(session, unit_code)
    if unit is None or unit.lon is None or unit.lat is None:
        raise _invalid(
            "unit",
            f"the warning has no polygon or circle and unit {unit_code} "
            "has no location to use instead",
        )
    return {"type": "Point", "coordinates": [unit.lon, unit.lat]}


def _body(warning: EarlyWarning, data: PromoteIn, occurred: datetime, geometry: dict) -> dict:
    category = data.category or warning.category
    if category is None:
        raise _invalid("category", "the alert's categories map to no incident category; send one")
    title = data.title or warning.headline or warning.event
    if not title.strip():
        raise _invalid("title", "the alert has no headline or event; send a title")
    codes = {c["name"]: c["value"] for c in warning.event_codes}
    kind = data.type if data.type is not None else codes.get(cap_rules.TYPE_CODE, warning.event)
    return {
        "title": title[:TITLE_MAX],
        "category": category,
        "type": kind[:TYPE_MAX],
        "level": data.level or warning.level,
        "occurred_at": occurred,
        "unit": data.unit,
        "geometry": geometry,
        "exercise": warning.status == "Exercise",
        "summary": warning.description[:TEXT_MAX],
        "measures": warning.instruction[:TEXT_MAX],
        "source": "cap",
        **_figures(warning),
    }


async def promote(
    *,
    session: AsyncSession,
    warning_id: int,
    data: PromoteIn,
    principal: Principal,
    clock_skew: timedelta,
) -> Incident:
    warning = await get_warning(
        session=session, warning_id=warning_id, principal=principal, lock=True
    )
    occurred = _check_promotable(warning, utcnow())
    geometry = await _geometry(session, warning, data.unit)
    try:
        incident_in = IncidentIn.model_validate(_body(warning, data, occurred, geometry))
    except ValidationError as exc:
        raise validation_error(exc) from None
    incident = await create_incident(
        session=session, data=incident_in, principal=principal, clock_skew=clock_skew
    )
    warning.incident_id = incident.id
    _record_promotion(session, warning, incident, principal.subject)
    return incident


def _record_promotion(
    session: AsyncSession, warning: EarlyWarning, incident: Incident, actor: str
) -> None:
    record_event(
        session,
        topic=TOPIC,
        kind="warning.promoted",
        entity=entity_key(warning.id),
        unit_path=incident.unit_path,
        payload={"warning": summary(warning), "incident_id": incident.id},
        actor=actor,
        reach=reach(warning),
    )
