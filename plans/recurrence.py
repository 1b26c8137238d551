"""Recurring drills: RFC 5545 RRULE values, expanded in the deployment's time zone.

A rule is expanded from the drill's start in local wall-clock time (so "every Monday at
09:00" stays at 09:00), each occurrence lasting as long as the first. Expansion is bounded
by the rules data (horizon and number of occurrences) so no request can loop for long.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import islice
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr
from icalendar import vRecur

from command.errors import Invalid, field_detail
from plans.rules import load_rules


@dataclass(frozen=True, order=True)
class Span:
    starts_at: datetime
    ends_at: datetime

    def overlaps(self, other: Span) -> bool:
        return self.starts_at < other.ends_at and other.starts_at < self.ends_at


def normalize(text: str) -> str:
    text = text.strip()
    if text.upper().startswith("RRULE:"):
        text = text[len("RRULE:") :]
    return text.upper()


def _invalid(message: str) -> Invalid:
    detail = field_detail("rrule", message, "value_error")
    return Invalid("rrule", f"rrule: {message}", bare=True, details=[detail])


def _frequency(text: str) -> str:
    if not text or any(ch in text for ch in ":\r\n"):
        raise _invalid("send one RRULE value such as FREQ=WEEKLY;COUNT=4")
    try:
        parts = vRecur.from_ical(text)
    except ValueError as exc:
        raise _invalid(str(exc)) from None
    frequency = (parts.get("FREQ") or [""])[0]
    allowed = load_rules().drills.frequencies
    if frequency not in allowed:
        raise _invalid(f"FREQ must be one of {', '.join(allowed)}")
    return frequency


def _rule(text: str, starts_at: datetime, zone: ZoneInfo) -> rrule:
    try:
        rule = rrulestr(text, dtstart=starts_at.astimezone(zone))
    except (ValueError, TypeError) as exc:
        raise _invalid(str(exc)) from None
    if not isinstance(rule, rrule):
        raise _invalid("send a single RRULE")
    return rule


def check_rule(text: str, starts_at: datetime, ends_at: datetime, zone: ZoneInfo) -> str:
    """The normalized rule, or 422: bad syntax, a frequency not allowed, a first occurrence
    other than starts_at, or occurrences that overlap each other."""
    text = normalize(text)
    _frequency(text)
    rule = _rule(text, starts_at, zone)
    first = next(iter(rule), None)
    if first is None or first != starts_at:
        raise _invalid("starts_at must be the first occurrence of the rule")
    starts = list(islice(rule, 2))
    if len(starts) == 2 and starts[1] - starts[0] < ends_at - starts_at:
        raise _invalid("occurrences would overlap each other; shorten the drill or the rule")
    return text


def _starts(text: str, starts_at: datetime, zone: ZoneInfo) -> Iterator[datetime]:
    for start in _rule(text, starts_at, zone):
        yield start.astimezone(UTC)


def expand(
    starts_at: datetime,
    ends_at: datetime,
    rule: str | None,
    zone: ZoneInfo,
    *,
    window: Span | None = None,
) -> list[Span]:
    """The occurrences that overlap the window (all of them without one), bounded by the
    horizon after the later of now and the window's start, and by max_occurrences."""
    duration = ends_at - starts_at
    if rule is None:
        only = Span(starts_at, ends_at)
        return [only] if window is None or only.overlaps(window) else []
    limits = load_rules().drills
    start_from = max(datetime.now(UTC), starts_at, window.starts_at if window else starts_at)
    horizon = start_from + timedelta(days=limits.horizon_days)
    found: list[Span] = []
    for start in _starts(rule, starts_at, zone):
        if start >= horizon or (window and start >= window.ends_at):
            break
        span = Span(start, start + duration)
        if window is None or span.overlaps(window):
            found.append(span)
            if len(found) >= limits.max_occurrences:
                break
    return found


def series_end(
    starts_at: datetime, ends_at: datetime, rule: str | None, zone: ZoneInfo
) -> datetime | None:
    """End of the last occurrence; None when the rule runs beyond max_occurrences."""
    if rule is None:
        return ends_at
    cap = load_rules().drills.max_occurrences
    starts = list(islice(_starts(rule, starts_at, zone), cap + 1))
    if len(starts) > cap:
        return None
    return starts[-1] + (ends_at - starts_at)


def is_occurrence(
    start: datetime, starts_at: datetime, ends_at: datetime, rule: str | None, zone: ZoneInfo
) -> bool:
    window = Span(start, start + timedelta(seconds=1))
    return any(
        span.starts_at == start for span in expand(starts_at, ends_at, rule, zone, window=window)
    )
