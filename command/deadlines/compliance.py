"""Each unit's on-time reporting rate: the table behind a circular (通报).

Counted: obligations of the units in a subtree whose due time falls in the window, not
withdrawn, of real incidents (exercise traffic never counts). On time, late (迟报) and
missed (漏报) make the rate; obligations past due but still within the grace are shown
as pending and left out of it. Verdicts (瞒报 confirmed or awaiting judgement, 谎报)
count when their incident was learned of within the window. Ranked by on-time rate,
then confirmed verdicts, missed and late reports (fewer first), then the worst delay.
"""

from __future__ import annotations

import statistics
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import String, case, cast, distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from command.deadlines.models import Obligation, Verdict
from command.errors import Invalid
from command.incidents.models import Incident
from command.units.models import Unit

RULES_FILE = Path(__file__).with_name("compliance.toml")


class _Rules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    default_days: int = Field(ge=1, le=3660)


@cache
def default_period() -> timedelta:
    """The window a request without `from` covers, from compliance.toml (checked once)."""
    try:
        rules = _Rules.model_validate(tomllib.loads(RULES_FILE.read_text(encoding="utf-8")))
    except (tomllib.TOMLDecodeError, ValidationError) as exc:
        raise ValueError(f"{RULES_FILE.name}: {exc}") from None
    return timedelta(days=rules.default_days)


@dataclass
class Tally:
    unit: Unit
    on_time: int = 0
    late: int = 0
    missed: int = 0
    pending: int = 0
    incomplete: int = 0  # reports (not obligations) that left out key facts
    concealed: int = 0
    concealment_candidates: int = 0
    false_reports: int = 0
    misreports: int = 0
    delays: list[float] = field(default_factory=list)

    @property
    def judged(self) -> int:
        return self.on_time + self.late + self.missed

    @property
    def rate(self) -> float | None:
        return self.on_time / self.judged if self.judged else None

    def sort_key(self) -> tuple:
        rate = -1.0 if self.rate is None else self.rate
        verdicts = self.concealed + self.false_reports
        worst = max(self.delays, default=0.0)
        return (-rate, verdicts, self.missed, self.late, worst, self.unit.code)


def _instant(value: datetime | date, zone: ZoneInfo) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.combine(value, time.min, tzinfo=zone)


def window(
    start: datetime | date | None, end: datetime | date | None, zone: ZoneInfo, now: datetime
) -> tuple[datetime, datetime]:
    """The window [from, to) of due times; a date is midnight in the deployment's zone."""
    stop = _instant(end, zone) if end is not None else now
    begin = _instant(start, zone) if start is not None else stop - default_period()
    if begin >= stop:
        raise Invalid("query.from", "must be before 'to'")
    return begin, stop


def _count_verdict(tally: Tally, kind: str, state: str, number: int) -> None:
    if kind == "false_report" and state == "confirmed":
        tally.false_reports += number
    elif kind == "concealment" and state == "confirmed":
        tally.concealed += number
    elif kind == "concealment" and state == "candidate":
        tally.concealment_candidates += number
    elif kind == "misreport" and state == "confirmed":
        tally.misreports += number


def _state_is(state: str) -> Any:
    return func.sum(case((Obligation.state == state, 1), else_=0))


async def _count_obligations(
    session: AsyncSession, tallies: _Tallies, where: list[Any], now: datetime
) -> None:
    """Counted in the database, per unit, in one pass over the window's rows (a year's
    table of a city is hundreds of thousands of them); only the late ones come back one
    by one, for their delays."""
    others = Obligation.state.not_in(("met", "late", "missed"))
    # Stored as JSON text on SQLite and as jsonb on PostgreSQL; both print [] alike.
    left_out = cast(Obligation.missing_facts, String) != "[]"
    incomplete = left_out & Obligation.report_id.is_not(None)
    counts = await session.execute(
        select(
            Obligation.unit_id,
            _state_is("met"),
            _state_is("late"),
            _state_is("missed"),
            func.sum(case((others & (Obligation.due_at <= now), 1), else_=0)),
            func.count(distinct(case((incomplete, Obligation.report_id)))),
        )
        .where(*where)
        .group_by(Obligation.unit_id)
    )
    for unit_id, on_time, late, missed, pending, reports in counts.all():
        tally = await tallies.get(unit_id)
        tally.on_time, tally.late, tally.missed, tally.pending = on_time, late, missed, pending
        tally.incomplete = reports
    late_rows = await session.execute(
        select(Obligation.unit_id, Obligation.met_at, Obligation.due_at)
        .where(*where, Obligation.state == "late")
        .order_by(Obligation.id)
    )
    for unit_id, met_at, due_at in late_rows.all():
        (await tallies.get(unit_id)).delays.append((met_at - due_at).total_seconds())


class _Tallies:
    """The tallies by unit id, each made on first use; the subtree's units read at once."""

    def __init__(self, session: AsyncSession, root: Unit) -> None:
        self.session, self.root, self.by_unit = session, root, {}
        self.units: dict[int, Unit] | None = None

    async def get(self, unit_id: int) -> Tally:
        tally = self.by_unit.get(unit_id)
        if tally is None:
            if self.units is None:
                in_tree = Unit.path.startswith(self.root.path, autoescape=True)
                self.units = {
                    u.id: u for u in await self.session.scalars(select(Unit).where(in_tree))
                }
            unit = self.units.get(unit_id) or await self.session.get(Unit, unit_id)
            tally = self.by_unit[unit_id] = Tally(unit)
        return tally


async def _tallies(
    session: AsyncSession, root: Unit, start: datetime, end: datetime, now: datetime
) -> dict[int, Tally]:
    tallies = _Tallies(session, root)
    where = [
        Obligation.unit_path.startswith(root.path, autoescape=True),
        Obligation.due_at >= start,
        Obligation.due_at < end,
        Obligation.withdrawn_at.is_(None),
        Obligation.exercise.is_(False),
    ]
    await _count_obligations(session, tallies, where, now)
    verdicts = await session.execute(
        select(Verdict.unit_id, Verdict.kind, Verdict.state, func.count())
        .join(Incident, Incident.id == Verdict.incident_id)
        .where(Verdict.unit_path.startswith(root.path, autoescape=True))
        .where(Incident.learned_at >= start, Incident.learned_at < end)
        .where(Incident.exercise.is_(False))
        .group_by(Verdict.unit_id, Verdict.kind, Verdict.state)
    )
    for unit_id, kind, state, number in verdicts.all():
        _count_verdict(await tallies.get(unit_id), kind, state, number)
    return tallies.by_unit


def _row(rank: int, tally: Tally) -> dict[str, Any]:
    delays = tally.delays
    return {
        "rank": rank,
        "unit": tally.unit.code,
        "name": tally.unit.name,
        "name_en": tally.unit.name_en,
        "obligations": tally.judged,
        "on_time": tally.on_time,
        "late": tally.late,
        "missed": tally.missed,
        "pending": tally.pending,
        "incomplete": tally.incomplete,
        "concealed": tally.concealed,
        "concealment_candidates": tally.concealment_candidates,
        "false_reports": tally.false_reports,
        "misreports": tally.misreports,
        "on_time_rate": tally.rate,
        "median_delay_seconds": statistics.median(delays) if delays else None,
        "worst_delay_seconds": max(delays) if delays else None,
    }


def _ranked(tallies: list[Tally]) -> list[dict[str, Any]]:
    """Best first; units equal on rate, verdicts, missed and late share a rank (1, 2, 2, 4)."""
    ordered = sorted(tallies, key=Tally.sort_key)
    rows, rank, previous = [], 0, None
    for position, tally in enumerate(ordered, 1):
        key = tally.sort_key()[:4]
        rank = rank if key == previous else position
        previous = key
        rows.append(_row(rank, tally))
    return rows


async def compliance_rows(
    session: AsyncSession, *, root: Unit, start: datetime, end: datetime, now: datetime
) -> list[dict[str, Any]]:
    return _ranked(list((await _tallies(session, root, start, end, now)).values()))
