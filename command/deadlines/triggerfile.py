"""The triggers (`[[version.triggers]]`) and the correction rules (`[version.corrections]`)
of a ruleset file: parsed and validated, every problem reported with its path."""

from __future__ import annotations

from typing import Any

from command.deadlines.ruleparse import LIMIT_KEYS, Problems
from command.deadlines.ruleparse import choice as _choice
from command.deadlines.ruleparse import duration as _duration
from command.deadlines.ruleparse import limit as _limit
from command.deadlines.ruleparse import table_of as _table
from command.deadlines.ruleparse import unknown as _unknown
from command.deadlines.rules import FIGURES, Corrections, DirectLink, Trigger
from command.units.models import TIERS
from command.vocabulary import CATEGORIES, LEVELS, UNIT_KINDS

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


def triggers(value: Any, rule: str, problems: Problems) -> tuple[Trigger, ...]:
    if not isinstance(value, list):
        problems.append((rule, "must be a list of [[version.triggers]] tables"))
        return ()
    triggers = tuple(_trigger(raw, f"{rule}[{i}]", problems) for i, raw in enumerate(value, 1))
    keys = [t.key for t in triggers]
    for key in sorted({k for k in keys if keys.count(k) > 1}):
        problems.append((rule, f"trigger key {key!r} is used twice"))
    return triggers


def corrections(value: Any, rule: str, problems: Problems) -> Corrections:
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
