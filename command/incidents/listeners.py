"""Other domains' work on an incident's changes, inside the incident's own transaction.

The incident log names no domain that builds on it. A domain that must act when an
incident is created, receives a report, changes level (or its sensitive flag) or closes
registers a listener from its declaration (e.g. command/deadlines/domain.py registers the
deadline hooks); the incident service calls every listener, in registration order, before
it records its own event. The registry loads every declaration before the app, the CLI
or the demo runs, so a listener is in place before any incident changes.

Two methods are optional (command/incidents/reporting.py calls them where a listener has
them): `check_figures(session, *, incident, reports, changes, explanation, now, field)`,
before figures change — it raises a domain error to refuse the change and may return
{"supplement": True} for a 补报 —, and `on_figures_changed(session, *, incident, actor)`
after a correction or a commander's PATCH changed them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from command.incidents.models import Incident, Report


class IncidentListener(Protocol):
    async def on_incident_created(
        self,
        session: AsyncSession,
        *,
        incident: Incident,
        actor: str,
        actor_unit: int | None = None,
    ) -> None: ...

    async def on_report_received(
        self, session: AsyncSession, *, incident: Incident, report: Report, actor: str
    ) -> None: ...

    async def on_level_changed(
        self, session: AsyncSession, *, incident: Incident, old_level: str | None, actor: str
    ) -> None: ...

    async def on_incident_closed(
        self, session: AsyncSession, *, incident: Incident, actor: str
    ) -> None: ...


_listeners: list[IncidentListener] = []


def listen(listener: IncidentListener) -> None:
    """Register a listener once (a module of these four functions will do)."""
    if listener not in _listeners:
        _listeners.append(listener)


def listeners() -> tuple[IncidentListener, ...]:
    return tuple(_listeners)
