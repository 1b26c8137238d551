"""What a domain brings to the application, declared once in its own `domain.py`.

The composition root (command/registry.py) lists the domains; the app, the CLI, the demo
loader, the migrations and the realtime channel iterate that list. The core and realtime
import no domain: they receive what a domain declares through these records.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from command.events import declare_topic

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession
    from starlette.applications import Starlette
    from starlette.routing import BaseRoute

# The current state of a topic under a unit path, read inside the snapshot's transaction.
SnapshotProvider = Callable[..., Awaitable[list[dict[str, Any]]]]
DemoLoader = Callable[["AsyncSession"], Awaitable[None]]
AppHook = Callable[["Starlette"], Awaitable[None]]


class Partial(list):
    """A snapshot provider's answer that stops at a limit: the items it holds, and how
    many more there are (the snapshot frame says so under `truncated`)."""

    def __init__(self, items: list[Any], *, more: int) -> None:
        super().__init__(items)
        self.more = more


@dataclass(frozen=True)
class Topic:
    """A realtime topic: the capability a screen needs to subscribe and its snapshot
    provider, called as `provider(session=…, unit_path=…, settings=…)`. A topic without
    a provider carries events between processes and is never sent to screens."""

    name: str
    capability: str | None = None
    snapshot: SnapshotProvider | None = None

    def __post_init__(self) -> None:
        declare_topic(self.name)

    @property
    def subscribable(self) -> bool:
        return self.snapshot is not None


@dataclass(frozen=True)
class BackgroundTask:
    """Work a server process runs beside the requests (e.g. the deadline engine)."""

    name: str
    start: AppHook
    stop: AppHook


@dataclass(frozen=True)
class Domain:
    """One domain's declaration.

    - routes: its API endpoints and pages (Starlette routes);
    - models: the modules defining its tables (imported so one metadata sees them all);
    - migrations: its Alembic branch label (its revisions live in command/migrations);
    - cli: registers its sub-commands on the `watchfloor` parser;
    - demo: loads its part of the demo city, after the units (idempotent);
    - topics: its realtime topics and snapshot providers;
    - tasks: background work each server process runs;
    - health: what /api/health reports of the domain (it informs; only the database and
      the bus decide whether the service is up);
    - rules_check: checks the domain's own rule data for `watchfloor rules check`, called
      with the settings; answers (errors, warnings), each a sentence naming the file or
      the thing at fault.
    """

    name: str
    routes: Callable[[], Sequence[BaseRoute]] = lambda: ()
    models: Sequence[str] = ()
    migrations: str | None = None
    cli: Callable[[Any], None] | None = None
    demo: DemoLoader | None = None
    topics: Sequence[Topic] = ()
    tasks: Sequence[BackgroundTask] = ()
    health: Callable[[Starlette], Awaitable[dict[str, Any]]] | None = None
    rules_check: Callable[[Any], tuple[list[str], list[str]]] | None = None
