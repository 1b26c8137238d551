"""`watchfloor rules check FILE…`: validate ruleset files before a deployment uses them,
and the other rule data of the deployment (each domain's `rules_check`: the escalation
ladder, its channels)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from command.deadlines.durations import format_duration
from command.deadlines.rulefile import load_ruleset
from command.deadlines.rules import Ruleset, RulesetError


def _summary(ruleset: Ruleset) -> str:
    latest = ruleset.versions[-1]
    reach = ", ".join(f"{rules.level}→{rules.reach}" for rules in latest.levels.values())
    return (
        f"ruleset {ruleset.name!r}, {len(ruleset.versions)} version(s), latest in force from "
        f"{latest.effective_from.date()}; reach {reach}; grace {format_duration(latest.grace)}"
        f"; {len(latest.triggers)} trigger(s)"
        + "".join(f"\n  trigger {t.key}: {t.source}" for t in latest.triggers)
    )


def cmd_rules_check(settings: Any, args: argparse.Namespace) -> int:
    failed = False
    for name in args.files:
        try:
            ruleset = load_ruleset(name)
        except RulesetError as exc:
            failed = True
            print(str(exc), file=sys.stderr)
            continue
        print(f"{name}: ok: {_summary(ruleset)}")
    failed = _domain_checks(settings, getattr(args, "rule_checks", None) or {}) or failed
    return 1 if failed else 0


def _domain_checks(settings: Any, checks: dict[str, Any]) -> bool:
    """Run each domain's check of its rule data; True when one found an error."""
    failed = False
    for check in checks.values():
        errors, warnings = check(settings)
        for line in errors:
            print(line, file=sys.stderr)
        for line in warnings:
            print(f"warning: {line}", file=sys.stderr)
        failed = failed or bool(errors)
    return failed


def register(sub: Any) -> None:
    rules = sub.add_parser("rules", help="reporting-deadline rulesets").add_subparsers(
        dest="action", required=True
    )
    check = rules.add_parser(
        "check", help="validate ruleset files (or built-in names); errors name file, rule, reason"
    )
    check.add_argument("files", nargs="+", metavar="FILE")
    check.set_defaults(func=cmd_rules_check)
