"""ISO 8601 durations as rulesets write them: P7D, PT2H, PT30M, PT5S, PT1H30M.

Years and months are refused: their length depends on the calendar, a reporting limit
must not.
"""

from __future__ import annotations

import re
from datetime import timedelta

_PATTERN = re.compile(
    r"P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?"
)


class DurationError(ValueError):
    """A duration that cannot be a reporting limit."""


def parse_duration(text: object) -> timedelta:
    """The timedelta of an ISO 8601 duration; DurationError says why one is refused."""
    if not isinstance(text, str):
        raise DurationError(f"{text!r} is not an ISO 8601 duration string such as 'PT30M'")
    value = text.strip().upper()
    if "-" in value:
        raise DurationError(f"{text!r} is negative")
    if re.fullmatch(r"P(\d+Y)?(\d+M)?(\d+D)?(T.*)?", value) and re.match(r"P\d+[YM]", value):
        raise DurationError(f"{text!r} uses years or months; write days (P30D) instead")
    match = _PATTERN.fullmatch(value)
    if match is None or value in {"P", "PT"} or value.endswith("T"):
        raise DurationError(f"{text!r} is not an ISO 8601 duration such as 'PT30M' or 'P7D'")
    parts = {name: float(raw) for name, raw in match.groupdict().items() if raw is not None}
    return timedelta(**parts)


def format_duration(delta: timedelta) -> str:
    """The shortest ISO 8601 text of a non-negative timedelta (PT1H30M, P7D, PT0S)."""
    total = delta.total_seconds()
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    date = f"{int(days)}D" if days else ""
    clock = "".join(
        f"{value:g}{unit}"
        for value, unit in ((hours, "H"), (minutes, "M"), (seconds, "S"))
        if value
    )
    if not date and not clock:
        return "PT0S"
    return "P" + date + (f"T{clock}" if clock else "")
