"""Obligations kept in step with an incident, inside the incident service's transaction.

Initial reports: every link of the chain within the level's reach, from the moment the
link's reporting unit learned of the incident, by phone (where the rule sets a phone
limit) and in writing. Follow-ups: one at a time from the incident's unit to its
superior while the incident is open, each due one cadence after the previous one was
received (or fell due). Final: from the incident's unit after closing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from command.deadlines import runtime, triggers
from command.deadlines.chain import Link, known_elsewhere, learned_times, links, within
from command.deadlines.context import (
    Context,
    load_context,
    new_incident_context,
    settle,
)
from command.deadlines.context import record as _record
from command.deadlines.durations import format_duration
from command.deadlines.models import Obligation
from command.deadlines.planned import PlannedObligation
from command.deadlines.rules import Version
from command.deadlines.schedule import Marks, clock
from command.incidents.models import Report

__all__ = ["Context", "load_context", "new_incident_context", "settle"]


def _marks(ob: Obligation) -> Marks:
    return Marks(
        warn_at=ob.warn_at,
        due_at=ob.due_at,
        miss_at=ob.miss_at,
        state=ob.state,
        warned_at=ob.warned_at,
        overdue_at=ob.overdue_at,
        missed_at=ob.missed_at,
    )


def _set_clock(ob: Obligation, start: datetime, limit: timedelta, version: Version) -> None:
    times = clock(start, limit, version)
    ob.starts_at, ob.due_at = times.starts_at, times.due_at
    ob.warn_at, ob.miss_at = times.warn_at, times.miss_at
    ob.next_at = _marks(ob).next_at


def _rule_text(ctx: Context, name: str, what: str) -> str:
    since = ctx.version.effective_from.date().isoformat()
    return f"{ctx.ruleset.name} ({since}) {ctx.rules.level} {name} {what}"[:128]


def _chain_key(ctx: Context, link: Link) -> str:
    return ctx.rules.key(link.name, link.recipient.tier)


def _create(
    session: AsyncSession,
    ctx: Context,
    link: Link,
    *,
    kind: str,
    channel: str,
    start: datetime,
    limit: timedelta,
    seq: int = 0,
    name: str | None = None,
    direct: bool = False,
    trigger: str | None = None,
) -> PlannedObligation:
    name = name or _chain_key(ctx, link)
    what = f"{kind} {channel} {format_duration(limit)}" + (f" [{trigger}]" if trigger else "")
    ob = PlannedObligation(
        incident_id=ctx.incident.id,
        unit_id=link.reporter.id,
        unit_path=link.reporter.path,
        to_unit_id=link.recipient.id,
        kind=kind,
        channel=channel,
        seq=seq,
        rule=_rule_text(ctx, name, what),
        level=ctx.rules.level,
        link=name[:32],
        direct=direct,
        trigger=trigger,
        exercise=ctx.incident.exercise,
        created_at=ctx.now,
    )
    _set_clock(ob, start, limit, ctx.version)
    ctx.obligations.append(ob)
    _record(ctx, "obligation.created", ob)
    runtime.wake_after_commit(session, ob.next_at)
    return ob


def _accepts(ob: Obligation, report: Report) -> bool:
    """A written report also meets a phone obligation; a phone report only a phone one."""
    return ob.kind == report.kind and (ob.channel == "phone" or report.channel == "written")


def _addressed(ctx: Context, ob: Obligation, report: Report) -> bool:
    """A report naming its addressees (越级上报) meets only the links to them; one that
    names none goes where the rules routed it when it arrived: to the unit above, and
    to the direct recipients owed by then (not those a later report's figures added)."""
    if report.addressees:
        return ctx.code(ob.to_unit_id) in report.addressees
    return not ob.direct or ob.starts_at <= report.received_at


def _meets(ctx: Context, ob: Obligation, report: Report) -> bool:
    return report.unit_id == ob.unit_id and _accepts(ob, report) and _addressed(ctx, ob, report)


def _first_report(ctx: Context, ob: Obligation) -> Report | None:
    matching = [r for r in ctx.reports if _meets(ctx, ob, r)]
    return min(matching, key=lambda r: (r.received_at, r.id), default=None)


def _meet(ctx: Context, ob: Obligation, report: Report) -> None:
    ob.report_id = report.id
    ob.met_at = report.received_at
    ob.state = "met" if report.received_at <= ob.due_at else "late"
    ob.next_at = None
    if ob.kind == "initial":
        ob.missing_facts = list(report.missing_facts or [])
    _record(ctx, "obligation.met", ob)


def _has_initial(ctx: Context, unit_id: int, to_unit_id: int) -> bool:
    return any(
        ob.kind == "initial" and ob.unit_id == unit_id and ob.to_unit_id == to_unit_id
        for ob in ctx.obligations
    )


def _required_links(ctx: Context) -> list[Link]:
    return [link for link in links(ctx.chain) if within(link, ctx.reach)]


def _split(ctx: Context) -> tuple[list[Link], list[triggers.Direct], list[triggers.Direct]]:
    """The chain links required, the direct links that only shorten one of them (their
    recipient is the unit's own superior), and the direct links owed besides."""
    required = _required_links(ctx)
    pairs = {(link.reporter.id, link.recipient.id) for link in required}
    merged, separate = [], []
    for direct in ctx.directs():
        pair = (direct.reporter.id, direct.recipient.id)
        (merged if pair in pairs else separate).append(direct)
    return required, merged, separate


def ensure_initial(session: AsyncSession, ctx: Context, *, floor: datetime | None = None) -> None:
    """Create the initial-report obligations of every required link (the chain within
    the reach, and the direct links the triggers require) whose reporting unit has
    learned of the incident; a clock never starts before `floor` (a reclassification, or
    the report that crossed a threshold). A report the unit already sent meets its new
    obligation at once."""
    required, merged, separate = _split(ctx)
    # A direct link owed already routes reports from when its clock started; one being
    # added now (a crossing) routes only reports from now on (at creation: all of them).
    started = {(ob.unit_id, ob.to_unit_id): ob.starts_at for ob in ctx.obligations if ob.direct}
    routes: dict[int, dict[int, datetime | None]] = {}
    for direct in separate:
        pair = (direct.reporter.id, direct.recipient.id)
        routes.setdefault(pair[0], {})[pair[1]] = started.get(pair, floor)
    learned = learned_times(ctx.incident, ctx.chain, ctx.reports, ctx.logged_by, routes)
    watched = known_elsewhere(ctx.incident, ctx.reports)
    owed = [(link, None, False) for link in required]
    owed += [(Link(d.reporter, d.recipient), d, True) for d in separate]
    for link, direct, is_direct in owed:
        start = learned.get(link.reporter.id)
        if start is None or _has_initial(ctx, link.reporter.id, link.recipient.id):
            continue
        start = max(start, floor) if floor else start
        if direct is None:
            direct = next((d for d in merged if d.reporter.id == link.reporter.id), None)
        _create_initial(session, ctx, link, start, watched, direct, is_direct=is_direct)


def _limits(
    ctx: Context, link: Link, direct: triggers.Direct | None, is_direct: bool
) -> list[tuple[str, timedelta, str | None]]:
    """(channel, limit, trigger key) of a link: a direct link's own limits; a chain
    link's, each shortened by a direct rule to the same recipient when that is sooner."""
    if is_direct and direct is not None:
        found = [("phone", direct.limit("phone")), ("written", direct.limit("written"))]
        return [(ch, limit, direct.trigger.key) for ch, limit in found if limit is not None]
    limit = ctx.rules.limit(_chain_key(ctx, link))
    result = []
    for channel, duration in (("phone", limit.phone), ("written", limit.written)):
        shorter = direct.limit(channel) if direct else None
        if shorter is not None and (duration is None or shorter < duration):
            result.append((channel, shorter, direct.trigger.key))
        elif duration is not None:
            result.append((channel, duration, None))
    return result


def _create_initial(
    session: AsyncSession,
    ctx: Context,
    link: Link,
    start: datetime,
    watched: bool,
    direct: triggers.Direct | None = None,
    *,
    is_direct: bool = False,
) -> None:
    name = direct.name if is_direct and direct else None
    for channel, duration, key in _limits(ctx, link, direct, is_direct):
        ob = _create(
            session,
            ctx,
            link,
            kind="initial",
            channel=channel,
            start=start,
            limit=duration,
            name=name,
            direct=is_direct,
            trigger=key,
        )
        ob.known_elsewhere = watched and link.reporter.id == ctx.incident.unit_id
        report = _first_report(ctx, ob)
        if report is not None:
            _meet(ctx, ob, report)


def _open_for(ctx: Context, report: Report) -> list[Obligation]:
    """The obligations `report` can meet. A missed initial or final report that finally
    arrives becomes late; a missed follow-up stays missed (its period went unreported)
    and the report meets the follow-up now pending."""
    candidates = [
        ob
        for ob in ctx.obligations
        if _meets(ctx, ob, report)
        and (ob.state == "pending" or (ob.state == "missed" and ob.kind != "followup"))
    ]
    if report.kind == "followup":
        return sorted(candidates, key=lambda ob: ob.seq)[:1]
    return candidates


def apply_report(ctx: Context, report: Report) -> None:
    for ob in _open_for(ctx, report):
        _meet(ctx, ob, report)


def ensure_followup(session: AsyncSession, ctx: Context, *, floor: datetime | None = None) -> None:
    """Keep one follow-up pending while the incident is open and its first link is
    required: due one cadence after the previous follow-up was received, or fell due."""
    link = ctx.first_link()
    if link is None or not ctx.is_open:
        return
    followups = [ob for ob in ctx.obligations if ob.kind == "followup"]
    if any(ob.state == "pending" for ob in followups):
        return
    last = max(followups, key=lambda ob: ob.seq, default=None)
    if last is None:
        start = max(ctx.incident.learned_at, floor) if floor else ctx.incident.learned_at
    else:
        start = last.met_at or last.due_at
    cadence = ctx.rules.followup
    seq = last.seq + 1 if last else 1
    _create(
        session, ctx, link, kind="followup", channel="written", start=start, limit=cadence, seq=seq
    )


def ensure_final(session: AsyncSession, ctx: Context) -> None:
    link = ctx.first_link()
    if link is None or any(ob.kind == "final" for ob in ctx.obligations):
        return
    start = ctx.incident.closed_at or ctx.now
    ob = _create(
        session, ctx, link, kind="final", channel="written", start=start, limit=ctx.version.final
    )
    report = _first_report(ctx, ob)
    if report is not None:
        _meet(ctx, ob, report)


def _still_running(ob: Obligation, now: datetime) -> bool:
    return ob.state == "pending" and ob.overdue_at is None and now < ob.due_at


def withdraw(ctx: Context, obligations: list[Obligation]) -> None:
    """Withdraw obligations no longer required; one already overdue is never withdrawn."""
    for ob in obligations:
        if not _still_running(ob, ctx.now):
            continue
        ob.withdrawn_at = ctx.now
        ob.next_at = None
        ctx.obligations.remove(ob)
        _record(ctx, "obligation.withdrawn", ob)


def _unrequired(ctx: Context) -> list[Obligation]:
    """Obligations of links no longer required: chain links beyond the reach, and direct
    links whose trigger no longer fires."""
    required = {link.reporter.id for link in _required_links(ctx)}
    _, _, separate = _split(ctx)
    directs = {(d.reporter.id, d.recipient.id) for d in separate}
    return [
        ob
        for ob in ctx.obligations
        if ((ob.unit_id, ob.to_unit_id) not in directs if ob.direct else ob.unit_id not in required)
    ]


def _new_limit(ctx: Context, ob: Obligation) -> timedelta | None:
    if ob.kind == "followup":
        return ctx.rules.followup
    if ob.kind == "initial" and not ob.direct:
        link = next(
            Link(low, high)
            for low, high in zip(ctx.chain, ctx.chain[1:], strict=False)
            if low.id == ob.unit_id
        )
        limit = ctx.rules.limit(_chain_key(ctx, link))
        return limit.phone if ob.channel == "phone" else limit.written
    return None


def tighten(session: AsyncSession, ctx: Context) -> None:
    """After a reclassification, a running clock is due no later than the new level's
    limit counted from now; it is never lengthened."""
    for ob in ctx.obligations:
        limit = _new_limit(ctx, ob)
        if limit is None or not _still_running(ob, ctx.now) or ctx.now + limit >= ob.due_at:
            continue
        times = clock(ctx.now, limit, ctx.version)
        ob.due_at, ob.miss_at = times.due_at, times.miss_at
        if ob.warned_at is None:
            ob.warn_at = times.warn_at
        ob.level = ctx.rules.level
        ob.next_at = _marks(ob).next_at
        _record(ctx, "obligation.rescheduled", ob)
        runtime.wake_after_commit(session, ob.next_at)


def reclassify(session: AsyncSession, ctx: Context) -> None:
    """A level (or sensitivity) change: tighten running clocks, withdraw links now beyond
    the reach that are not overdue, and start the clocks of links newly required."""
    tighten(session, ctx)
    withdraw(ctx, _unrequired(ctx))
    ensure_initial(session, ctx, floor=ctx.now)
    ensure_followup(session, ctx, floor=ctx.now)


def refigure(session: AsyncSession, ctx: Context) -> None:
    """After a report or a verified correction changed the figures: links a trigger no
    longer requires are withdrawn (unless overdue), links newly required start now."""
    withdraw(ctx, _unrequired(ctx))
    ensure_initial(session, ctx, floor=ctx.now)


def close(session: AsyncSession, ctx: Context) -> None:
    """Closing ends the follow-ups not yet overdue and starts the final report's clock."""
    withdraw(ctx, [ob for ob in ctx.obligations if ob.kind == "followup"])
    ensure_final(session, ctx)
