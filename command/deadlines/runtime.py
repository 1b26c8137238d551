"""What the hooks need from the running process: its ruleset and its engine worker.

The hooks receive only a session; they find the ruleset and the worker of the database
that session writes to. A process that has not started an engine for that database
(a CLI command, `WATCHFLOOR_ENGINE=0`) uses the ruleset its settings name
(WATCHFLOOR_RULESET), which the session carries (command.config.settings_of).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from command.config import settings_of
from command.db import after_durable, utcnow
from command.deadlines.rulefile import load_ruleset
from command.deadlines.rules import Ruleset


class Wakeable(Protocol):
    def nudge(self, when: datetime) -> None: ...


_rulesets: dict[Any, Ruleset] = {}
_workers: dict[Any, Wakeable] = {}


def _key(session: AsyncSession) -> Any:
    # The engine, also for a session bound to one of its connections (SQLite group commit).
    return session.sync_session.get_bind().engine


def register(sync_engine: Any, ruleset: Ruleset, worker: Wakeable | None = None) -> None:
    _rulesets[sync_engine] = ruleset
    if worker is not None:
        _workers[sync_engine] = worker


def unregister(sync_engine: Any) -> None:
    _rulesets.pop(sync_engine, None)
    _workers.pop(sync_engine, None)


def ruleset_for(session: AsyncSession) -> Ruleset:
    ruleset = _rulesets.get(_key(session))
    if ruleset is None:
        ruleset = load_ruleset(settings_of(session).ruleset)
    return ruleset


def report_form(session: AsyncSession) -> dict[str, Any]:
    """What the field report page takes from the ruleset (its config block): the key facts
    an initial report must state under the version in force now."""
    version = ruleset_for(session).version_at(utcnow())
    return {"initial_facts": list(version.initial_facts)}


def wake_after_commit(session: AsyncSession, when: datetime | None) -> None:
    """Wake this process's engine once the transaction is durable, if `when` is sooner
    than the time it sleeps until (a new obligation whose first mark comes earlier). Not
    at the session's own commit: under SQLite group commit that releases a savepoint, and
    an engine woken then would not see the obligation yet."""
    worker = _workers.get(_key(session))
    if worker is None or when is None:
        return
    pending = session.info.get("deadlines.wake")
    session.info["deadlines.wake"] = when if pending is None else min(pending, when)
    if pending is None:
        after_durable(session, lambda: worker.nudge(session.info.pop("deadlines.wake", when)))
