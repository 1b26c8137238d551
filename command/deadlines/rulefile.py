"""Ruleset files: finding, parsing and validating them.

Every problem is collected (not only the first) and reported with the file, the rule's
dotted path inside the file and the reason, e.g.
`rules.toml: version[1].levels.III.limits.county>city.written: '-PT1H' is negative`.
"""

from __future__ import annotations

import os
import tomllib
from datetime import date, datetime, timedelta
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from command.deadlines.durations import DurationError, parse_duration
from command.deadlines.rules import (
    FACTS,
    FIGURES,
    LINKS,
    Corrections,
    DirectLink,
    LevelRules,
    Limit,
    Ruleset,
    RulesetError,
    Trigger,
    Version,
)
from command.incidents.models import LEVELS
from command.units.models import TIERS, tier_rank
from command.vocabulary import CATEGORIES, UNIT_KINDS

# Effective dates written as plain dates begin at midnight in China.
RULES_ZONE = ZoneInfo("Asia/Shanghai")
TOP_KEYS = {"name", "title", "sources", "version"}
VERSION_KEYS = {
    "effective_from",
    "grace",
    "warning_fraction",
    "unassessed_level",
    "sensitive_reach",
    "final",
    "initial_facts",
    "levels",
    "triggers",
    "corrections",
}
TRIGGER_KEYS = {
    "key",
    "source",
    "categories",
    "levels",
    "figures",
    "sensitive",
    "reporters",
    "reach",
    "direct",
}
DIRECT_KEYS = {"to", "phone", "written"}
CORRECTION_KEYS = {"source", "jump", "supplement", "supplement_by_type", "verified_closes"}
LEVEL_KEYS = {"reach", "followup", "limits", "member_to"}
LIMIT_KEYS = {"phone", "written"}
DEFAULT_FACTS = ("time", "place", "nature", "casualties")

Problems = list[tuple[str, str]]


def _unknown(table: dict[str, Any], allowed: set[str], rule: str, problems: Problems) -> None:
    for key in sorted(set(table) - allowed):
        problems.append((rule, f"unknown key {key!r} (allowed: {', '.join(sorted(allowed))})"))


def _table(value: Any, rule: str, problems: Problems) -> dict[str, Any] | None:
    if isinstance(value, dict):
        return value
    problems.append((rule, "missing" if value is None else "must be a table"))
    return None


def _duration(value: Any, rule: str, problems: Problems, *, zero_ok: bool = False) -> timedelta:
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


def _choice(value: Any, choices: tuple[str, ...], rule: str, problems: Problems) -> str:
    if value is None:
        problems.append((rule, f"missing (one of {', '.join(choices)})"))
        return choices[-1]
    if value not in choices:
        problems.append((rule, f"{value!r} is not one of {', '.join(choices)}"))
        return choices[-1]
    return value


def _limit(value: Any, rule: str, problems: Problems) -> Limit:
    table = _table(value, rule, problems)
    if table is None:
        return Limit(written=timedelta(0))
    _unknown(table, LIMIT_KEYS, rule, problems)
    written = _duration(table.get("written"), f"{rule}.written", problems)
    phone = None
    if "phone" in table:
        phone = _duration(table["phone"], f"{rule}.phone", problems)
        if phone > written > timedelta(0):
            problems.append((f"{rule}.phone", "the phone report cannot be due after the written"))
    return Limit(written=written, phone=phone)


def _link_problem(key: str) -> str:
    low, sep, high = key.partition(">")
    if not sep or low not in TIERS or high not in TIERS:
        return f"unknown link; links are {', '.join(LINKS)}"
    if tier_rank(high) <= tier_rank(low):
        return f"a link goes up the chain, {high} is not above {low}"
    between = TIERS[tier_rank(low) + 1 : tier_rank(high)]
    return f"the chain skips a tier ({', '.join(between)} between {low} and {high})"


def _limits(value: Any, rule: str, problems: Problems) -> dict[str, Limit]:
    table = _table(value, rule, problems) or {}
    limits = {}
    for key, raw in table.items():
        if key in LINKS:
            limits[key] = _limit(raw, f"{rule}.{key}", problems)
        else:
            problems.append((f"{rule}.{key}", _link_problem(key)))
    for key in LINKS:
        if key not in table:
            problems.append((rule, f"missing link {key}"))
    return limits


def _level(level: str, value: Any, rule: str, problems: Problems) -> LevelRules:
    table = _table(value, rule, problems) or {}
    _unknown(table, LEVEL_KEYS, rule, problems)
    return LevelRules(
        level=level,
        reach=_choice(table.get("reach"), TIERS[1:], f"{rule}.reach", problems),
        followup=_duration(table.get("followup"), f"{rule}.followup", problems),
        limits=_limits(table.get("limits"), f"{rule}.limits", problems),
        member_to=_member_to(table.get("member_to"), f"{rule}.member_to", problems),
    )


def _member_to(value: Any, rule: str, problems: Problems) -> dict[str, Limit]:
    """Optional limits of member units reporting to an area of a given tier."""
    if value is None:
        return {}
    table = _table(value, rule, problems) or {}
    found = {}
    for tier, raw in table.items():
        if tier not in TIERS[1:]:
            problems.append((f"{rule}.{tier}", f"unknown tier; tiers are {', '.join(TIERS[1:])}"))
            continue
        found[tier] = _limit(raw, f"{rule}.{tier}", problems)
    return found


def _levels(value: Any, rule: str, problems: Problems) -> dict[str, LevelRules]:
    table = _table(value, rule, problems) or {}
    for key in table:
        if key not in LEVELS:
            problems.append((f"{rule}.{key}", f"unknown level; levels are {', '.join(LEVELS)}"))
    for level in LEVELS:
        if level not in table:
            problems.append((rule, f"missing level {level}"))
    return {
        level: _level(level, table[level], f"{rule}.{level}", problems)
        for level in LEVELS
        if level in table
    }


def _effective(value: Any, rule: str, problems: Problems) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=RULES_ZONE)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=RULES_ZONE)
    problems.append((rule, "missing" if value is None else "must be a date such as 2015-07-31"))
    return datetime.min.replace(tzinfo=RULES_ZONE)


def _fraction(value: Any, rule: str, problems: Problems) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 < value < 1:
        return float(value)
    shown = "missing" if value is None else repr(value)
    problems.append((rule, f"{shown}: must be a number between 0 and 1 (exclusive)"))
    return 0.5


def _facts(value: Any, rule: str, problems: Problems) -> tuple[str, ...]:
    if not isinstance(value, list) or any(fact not in FACTS for fact in value):
        problems.append((rule, f"must be a list of facts among {', '.join(FACTS)}"))
        return ()
    return tuple(value)


def _version(value: Any, rule: str, problems: Problems) -> Version:
    table = _table(value, rule, problems) or {}
    _unknown(table, VERSION_KEYS, rule, problems)
    return Version(
        effective_from=_effective(table.get("effective_from"), f"{rule}.effective_from", problems),
        grace=_duration(table.get("grace"), f"{rule}.grace", problems, zero_ok=True),
        warning_fraction=_fraction(
            table.get("warning_fraction"), f"{rule}.warning_fraction", problems
        ),
        unassessed_level=_choice(
            table.get("unassessed_level"), LEVELS, f"{rule}.unassessed_level", problems
        ),
        sensitive_reach=_choice(
            table.get("sensitive_reach"), TIERS[1:], f"{rule}.sensitive_reach", problems
        ),
        final=_duration(table.get("final"), f"{rule}.final", problems),
        initial_facts=_facts(
            table.get("initial_facts", list(DEFAULT_FACTS)), f"{rule}.initial_facts", problems
        ),
        levels=_levels(table.get("levels"), f"{rule}.levels", problems),
        triggers=_triggers(table.get("triggers", []), f"{rule}.triggers", problems),
        corrections=_corrections(table.get("corrections"), f"{rule}.corrections", problems),
    )


def _codes(value: Any, choices: tuple[str, ...], rule: str, problems: Problems) -> tuple:
    if value is None:
        return ()
    if not isinstance(value, list) or any(item not in choices for item in value):
        problems.append((rule, f"must be a list of values among {', '.join(choices)}"))
        return ()
    return tuple(value)


def _figures(value: Any, rule: str, problems: Problems) -> dict[str, float]:
    table = _table(value, rule, problems) if value is not None else {}
    found = {}
    for key, threshold in (table or {}).items():
        parts = key.split("+")
        if any(part not in FIGURES for part in parts):
            problems.append((f"{rule}.{key}", f"unknown figure; figures are {', '.join(FIGURES)}"))
        elif isinstance(threshold, bool) or not isinstance(threshold, int | float):
            problems.append((f"{rule}.{key}", f"{threshold!r} must be a number"))
        elif threshold <= 0:
            problems.append((f"{rule}.{key}", f"{threshold!r} must be above zero"))
        else:
            found[key] = float(threshold)
    return found


def _direct(value: Any, rule: str, problems: Problems) -> DirectLink:
    table = _table(value, rule, problems) or {}
    _unknown(table, DIRECT_KEYS, rule, problems)
    to = _choice(table.get("to"), TIERS[1:], f"{rule}.to", problems)
    limit = _limit({k: v for k, v in table.items() if k in LIMIT_KEYS}, rule, problems)
    return DirectLink(to=to, written=limit.written, phone=limit.phone)


def _trigger(value: Any, rule: str, problems: Problems) -> Trigger:
    table = _table(value, rule, problems) or {}
    _unknown(table, TRIGGER_KEYS, rule, problems)
    key, source = table.get("key"), table.get("source")
    for name, text in (("key", key), ("source", source)):
        if not isinstance(text, str) or not text.strip():
            problems.append(
                (f"{rule}.{name}", "missing: every trigger names itself and cites its source")
            )
    direct_raw = table.get("direct", [])
    if not isinstance(direct_raw, list):
        problems.append((f"{rule}.direct", "must be a list of links"))
        direct_raw = []
    direct = tuple(
        _direct(raw, f"{rule}.direct[{i}]", problems) for i, raw in enumerate(direct_raw, 1)
    )
    reach = table.get("reach")
    if reach is not None:
        reach = _choice(reach, TIERS[1:], f"{rule}.reach", problems)
    reporters = _codes(table.get("reporters"), (*TIERS, *UNIT_KINDS), f"{rule}.reporters", problems)
    if direct and not reporters:
        problems.append((f"{rule}.reporters", "missing: say which units owe the direct links"))
    if not direct and reach is None:
        problems.append((rule, "does nothing: give it a reach or direct links"))
    sensitive = table.get("sensitive", False)
    if not isinstance(sensitive, bool):
        problems.append((f"{rule}.sensitive", "must be true or false"))
    return Trigger(
        key=str(key or ""),
        source=str(source or ""),
        categories=_codes(table.get("categories"), CATEGORIES, f"{rule}.categories", problems),
        levels=_codes(table.get("levels"), LEVELS, f"{rule}.levels", problems),
        figures=_figures(table.get("figures"), f"{rule}.figures", problems),
        sensitive=sensitive is True,
        reporters=reporters,
        reach=reach,
        direct=direct,
    )


def _triggers(value: Any, rule: str, problems: Problems) -> tuple[Trigger, ...]:
    if not isinstance(value, list):
        problems.append((rule, "must be a list of [[version.triggers]] tables"))
        return ()
    triggers = tuple(_trigger(raw, f"{rule}[{i}]", problems) for i, raw in enumerate(value, 1))
    keys = [t.key for t in triggers]
    for key in sorted({k for k in keys if keys.count(k) > 1}):
        problems.append((rule, f"trigger key {key!r} is used twice"))
    return triggers


def _corrections(value: Any, rule: str, problems: Problems) -> Corrections:
    if value is None:
        return Corrections()
    table = _table(value, rule, problems) or {}
    _unknown(table, CORRECTION_KEYS, rule, problems)
    jump = {}
    for key, threshold in (_table(table.get("jump", {}), f"{rule}.jump", problems) or {}).items():
        if key not in ("dead", "missing", "injured"):
            problems.append(
                (f"{rule}.jump.{key}", "unknown figure; jumps are of dead, missing, injured")
            )
        elif isinstance(threshold, bool) or not isinstance(threshold, int) or threshold <= 0:
            problems.append(
                (f"{rule}.jump.{key}", f"{threshold!r} must be a whole number above zero")
            )
        else:
            jump[key] = threshold
    by_type_raw = _table(
        table.get("supplement_by_type", {}), f"{rule}.supplement_by_type", problems
    )
    by_type = {
        name: _duration(raw, f"{rule}.supplement_by_type.{name}", problems)
        for name, raw in (by_type_raw or {}).items()
    }
    return Corrections(
        jump=jump,
        supplement=_duration(table.get("supplement", "P30D"), f"{rule}.supplement", problems),
        supplement_by_type=by_type,
        verified_closes=_codes(
            table.get("verified_closes", ["natural"]),
            CATEGORIES,
            f"{rule}.verified_closes",
            problems,
        ),
    )


def _versions(value: Any, problems: Problems) -> tuple[Version, ...]:
    if not isinstance(value, list) or not value:
        problems.append(("version", "at least one [[version]] table is required"))
        return ()
    versions = tuple(_version(raw, f"version[{i}]", problems) for i, raw in enumerate(value, 1))
    for i, (earlier, later) in enumerate(zip(versions, versions[1:], strict=False), 2):
        if later.effective_from <= earlier.effective_from:
            problems.append(
                (f"version[{i}].effective_from", "must be after the previous version's")
            )
    return versions


def parse_ruleset(text: str, *, file: str) -> Ruleset:
    """A validated ruleset from TOML text; RulesetError lists every problem found."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RulesetError(file, [("", f"not valid TOML ({exc})")]) from None
    problems: Problems = []
    _unknown(data, TOP_KEYS, "(top level)", problems)
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append(("name", "missing: give the ruleset a name"))
    versions = _versions(data.get("version"), problems)
    if problems:
        raise RulesetError(file, problems)
    return Ruleset(name=name, title=str(data.get("title", name)), file=file, versions=versions)


def builtin_names() -> list[str]:
    folder = resources.files("command") / "rules"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def ruleset_path(name_or_path: str) -> Path:
    """A built-in ruleset by name (`cn-national`), or a file by path."""
    if name_or_path.endswith(".toml") or os.sep in name_or_path:
        return Path(name_or_path)
    path = Path(str(resources.files("command") / "rules" / f"{name_or_path}.toml"))
    if not path.is_file():
        known = ", ".join(builtin_names())
        raise RulesetError(name_or_path, [("", f"no built-in ruleset of that name ({known})")])
    return path


@lru_cache(maxsize=16)
def _load(path: str, _mtime_ns: int) -> Ruleset:
    return parse_ruleset(Path(path).read_text(encoding="utf-8"), file=path)


def load_ruleset(name_or_path: str) -> Ruleset:
    """The ruleset WATCHFLOOR_RULESET names (a name or a path), validated; cached until
    the file changes."""
    path = ruleset_path(name_or_path)
    try:
        mtime = path.stat().st_mtime_ns
    except OSError as exc:
        raise RulesetError(str(path), [("", f"cannot read the file ({exc.strerror})")]) from None
    return _load(str(path), mtime)
