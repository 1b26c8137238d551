"""Ruleset files: finding, parsing and validating them.

Every problem is collected (not only the first) and reported with the file, the rule's
dotted path inside the file and the reason, e.g.
`rules.toml: version[1].levels.III.limits.county>city.written: '-PT1H' is negative`.
"""

from __future__ import annotations

import os
import tomllib
from datetime import date, datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from command.deadlines import triggerfile
from command.deadlines.ruleparse import Problems
from command.deadlines.ruleparse import choice as _choice
from command.deadlines.ruleparse import duration as _duration
from command.deadlines.ruleparse import limit as _limit
from command.deadlines.ruleparse import table_of as _table
from command.deadlines.ruleparse import unknown as _unknown
from command.deadlines.rules import (
    FACTS,
    LINKS,
    LevelRules,
    Limit,
    Ruleset,
    RulesetError,
    Version,
)
from command.incidents.models import LEVELS
from command.units.models import TIERS, tier_rank

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
LEVEL_KEYS = {"reach", "followup", "limits", "member_to"}
DEFAULT_FACTS = ("time", "place", "nature", "casualties")


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
        triggers=triggerfile.triggers(table.get("triggers", []), f"{rule}.triggers", problems),
        corrections=triggerfile.corrections(
            table.get("corrections"), f"{rule}.corrections", problems
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
