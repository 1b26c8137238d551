"""The small parsers every part of a ruleset file uses: each appends its problems (the
rule's dotted path and the reason) instead of stopping at the first."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from command.deadlines.durations import DurationError, parse_duration
from command.deadlines.rules import Limit

Problems = list[tuple[str, str]]
LIMIT_KEYS = {"phone", "written"}


def unknown(table: dict[str, Any], allowed: set[str], rule: str, problems: Problems) -> None:
    for key in sorted(set(table) - allowed):
        problems.append((rule, f"unknown key {key!r} (allowed: {', '.join(sorted(allowed))})"))


def table_of(value: Any, rule: str, problems: Problems) -> dict[str, Any] | None:
    if isinstance(value, dict):
        return value
    problems.append((rule, "missing" if value is None else "must be a table"))
    return None


def duration(value: Any, rule: str, problems: Problems, *, zero_ok: bool = False) -> timedelta:
    if value is None:
        problems.append((rule, "missing"))
        return timedelta(0)
    try:
        delta = parse_duration(value)
    except DurationError as exc:
        problems.append((rule, str(exc)))
        return timedelta(0)
    if not zero_ok and delta <= timedelta(0):
        problems.append((rule, f"{value!r} must be longer than zero"))
    return delta


def choice(value: Any, choices: tuple[str, ...], rule: str, problems: Problems) -> str:
    if value is None:
        problems.append((rule, f"missing (one of {', '.join(choices)})"))
        return choices[-1]
    if value not in choices:
        problems.append((rule, f"{value!r} is not one of {', '.join(choices)}"))
        return choices[-1]
    return value


def limit(value: Any, rule: str, problems: Problems) -> Limit:
    table = table_of(value, rule, problems)
    if table is None:
        return Limit(written=timedelta(0))
    unknown(table, LIMIT_KEYS, rule, problems)
    written = duration(table.get("written"), f"{rule}.written", problems)
    phone = None
    if "phone" in table:
        phone = duration(table["phone"], f"{rule}.phone", problems)
        if phone > written > timedelta(0):
            problems.append((f"{rule}.phone", "the phone report cannot be due after the written"))
    return Limit(written=written, phone=phone)
