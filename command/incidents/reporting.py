"""Checks on what a report carries beyond its figures: the addressees it names
(越级上报), its device's clock, and the figure changes the listening domains' rules
must let in (a jump without an explanation, a 补报 past its window, figures a 核报 closed).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from command.errors import Invalid
from command.incidents.listeners import listeners
from command.incidents.models import Incident, Report


def check_addressees(unit_code: str, unit_path: str, to: Sequence[str] | None) -> list[str] | None:
    """The addressees a report names, each a unit above the reporting unit; 422 naming `to`."""
    if not to:
        return None
    above = unit_path.strip("/").split("/")[:-1]
    for index, code in enumerate(to):
        if code not in above:
            raise Invalid(
                f"to.{index}",
                f"unit {code} is not above unit {unit_code}: a report goes up the chain",
                code="addressee_not_above",
            )
    return list(dict.fromkeys(to))


def device_clock_ahead(device_time: datetime | None, now: datetime, skew: timedelta) -> bool:
    """True when the device's clock runs ahead of the server's by more than the skew (a
    device time in the past is normal: a phone queues reports while offline)."""
    return device_time is not None and device_time > now + skew


def pending_changes(incident: Incident, values: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """{field: {"from", "to"}} of the figures that `values` would change."""
    return {
        name: {"from": getattr(incident, name), "to": value}
        for name, value in values.items()
        if getattr(incident, name) != value
    }


async def guard_figures(
    session: AsyncSession,
    *,
    incident: Incident,
    reports: list[Report],
    changes: dict[str, dict[str, Any]],
    explanation: str,
    now: datetime,
    field: str = "casualties",
) -> bool:
    """Ask every listener with rules on figures whether these changes may go in (each
    raises a domain error when not); True when a listener calls the change a 补报."""
    supplement = False
    for listener in listeners():
        check = getattr(listener, "check_figures", None)
        if check is None or not changes:
            continue
        verdict = await check(
            session,
            incident=incident,
            reports=reports,
            changes=changes,
            explanation=explanation,
            now=now,
            field=field,
        )
        supplement = supplement or bool((verdict or {}).get("supplement"))
    return supplement


async def figures_changed(session: AsyncSession, *, incident: Incident, actor: str) -> None:
    for listener in listeners():
        hook = getattr(listener, "on_figures_changed", None)
        if hook is not None:
            await hook(session, incident=incident, actor=actor)
