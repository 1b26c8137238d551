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
from sqlalchemy import func, select
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
    incomplete_reports: set[int] = field(default_factory=set)
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


def _count(tally: Tally, ob: Any, now: datetime) -> None:
    if ob.state == "met":
        tally.on_time += 1
    elif ob.state == "late":
        tally.late += 1
        tally.delays.append((ob.met_at - ob.due_at).total_seconds())
    elif ob.state == "missed":
        tally.missed += 1
    elif ob.due_at <= now:
        tally.pending += 1
    if ob.missing_facts and ob.report_id is not None:
        tally.incomplete_reports.add(ob.report_id)


def _count_verdict(tally: Tally, kind: str, state: str, number: int) -> None:
    if kind == "false_report" and state == "confirmed":
        tally.false_reports += number
    elif kind == "concealment" and state == "confirmed":
        tally.concealed += number
    elif kind == "concealment" and state == "candidate":
        tally.concealment_candidates += number
    elif kind == "misreport" and state == "confirmed":
        tally.misreports += number


# What _count reads of an obligation: plain rows, not ORM objects (a year's table of a
# city is hundreds of thousands of them).
COUNTED = (
    Obligation.unit_id,
    Obligation.state,
    Obligation.due_at,
    Obligation.met_at,
    Obligation.missing_facts,
    Obligation.report_id,
)


async def _tallies(
    session: AsyncSession, root: Unit, start: datetime, end: datetime, now: datetime
) -> dict[int, Tally]:
    in_tree = Obligation.unit_path.startswith(root.path, autoescape=True)
    obligations = await session.execute(
        select(*COUNTED)
        .where(in_tree, Obligation.due_at >= start, Obligation.due_at < end)
        .where(Obligation.withdrawn_at.is_(None), Obligation.exercise.is_(False))
    )
    verdicts = await session.execute(
        select(Verdict.unit_id, Verdict.kind, Verdict.state, func.count())
        .join(Incident, Incident.id == Verdict.incident_id)
        .where(Verdict.unit_path.startswith(root.path, autoescape=True))
        .where(Incident.learned_at >= start, Incident.learned_at < end)
        .where(Incident.exercise.is_(False))
        .group_by(Verdict.unit_id, Verdict.kind, Verdict.state)
    )
    counted, judged = obligations.all(), verdicts.all()
    unit_ids = {row.unit_id for row in counted} | {row.unit_id for row in judged}
    units = await session.scalars(select(Unit).where(Unit.id.in_(unit_ids)))
    tallies = {unit.id: Tally(unit) for unit in units}
    for ob in counted:
        _count(tallies[ob.unit_id], ob, now)
    for unit_id, kind, state, number in judged:
        _count_verdict(tallies[unit_id], kind, state, number)
    return tallies


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
        "incomplete": len(tally.incomplete_reports),
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
