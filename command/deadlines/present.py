"""The one JSON shape of an obligation: in the API, in events and in snapshots."""

from __future__ import annotations

import tomllib
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


_UNCHANGED: Any = object()

# A missed report of these kinds stays owed (a report arriving turns it late) for the span
# owed.toml gives; a missed follow-up is replaced by the next one and owes nothing more.
STAYS_OWED_WHEN_MISSED = ("initial", "final")
OWED_RULES = Path(__file__).with_name("owed.toml")


@cache
def missed_owed_for() -> timedelta:
    """How long after its due time a missed report stays owed (owed.toml)."""
    return owed_span(OWED_RULES.read_text(encoding="utf-8"))


def owed_span(text: str) -> timedelta:
    """The span an owed.toml gives; ValueError naming the file and the fault."""
    try:
        days = tomllib.loads(text).get("missed_owed_days")
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{OWED_RULES.name}: {exc}") from None
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise ValueError(f"{OWED_RULES.name}: missed_owed_days must be a whole number of days ≥ 1")
    return timedelta(days=days)


def owed_since(now: datetime) -> datetime:
    """A missed report that fell due before this moment is no longer owed."""
    return now - missed_owed_for()


def is_owed(state: str, kind: str, due_at: datetime, now: datetime) -> bool:
    """Still owed, so shown on the screens: pending, or missed while the report is still
    chased (within missed_owed_days of its due time)."""
    if state == "pending":
        return True
    return state == "missed" and kind in STAYS_OWED_WHEN_MISSED and due_at > owed_since(now)


def obligation_view(
    row: Any,
    unit: str,
    to_unit: str,
    now: datetime,
    *,
    state: str | None = None,
    missed_at: Any = _UNCHANGED,
) -> dict[str, Any]:
    """`row` is an Obligation or a row with the same column names; `unit` and `to_unit`
    are unit codes; `state` and `missed_at` replace the row's (a mark being made)."""
    missing = list(row.missing_facts or [])
    state = state or row.state
    missed_at = row.missed_at if missed_at is _UNCHANGED else missed_at
    # The engine's claimed rows carry no withdrawn_at: a withdrawn obligation is never claimed.
    withdrawn = getattr(row, "withdrawn_at", None) is not None
    return {
        "id": row.id,
        "incident": row.incident_id,
        "unit": unit,
        "to_unit": to_unit,
        "kind": row.kind,
        "channel": row.channel,
        "seq": row.seq,
        "starts_at": _iso(row.starts_at),
        "due_at": _iso(row.due_at),
        "state": state,
        "overdue": state == "pending" and now >= row.due_at,
        "owed": is_owed(state, row.kind, row.due_at, now) and not withdrawn,
        "met_at": _iso(row.met_at),
        "report": row.report_id,
        "level": row.level,
        "link": row.link,
        "rule": row.rule,
        "warn_at": _iso(row.warn_at),
        "miss_at": _iso(row.miss_at),
        "missed_at": _iso(missed_at),
        "incomplete": bool(missing),
        "missing_facts": missing,
        "exercise": row.exercise,
        "direct": bool(row.direct),
        "trigger": row.trigger,
    }
