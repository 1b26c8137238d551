"""The active ruleset as the API shows it (durations in ISO 8601, as in the file)."""

from __future__ import annotations

from typing import Any

from command.deadlines.durations import format_duration
from command.deadlines.rules import Corrections, LevelRules, Limit, Ruleset, Trigger, Version


def _duration(value: Any) -> str | None:
    return format_duration(value) if value else None


def _limit(link: str, limit: Limit) -> dict[str, Any]:
    return {"link": link, "phone": _duration(limit.phone), "written": _duration(limit.written)}


def _trigger(trigger: Trigger) -> dict[str, Any]:
    return {
        "key": trigger.key,
        "source": trigger.source,
        "categories": list(trigger.categories),
        "levels": list(trigger.levels),
        "figures": dict(trigger.figures),
        "sensitive": trigger.sensitive,
        "reporters": list(trigger.reporters),
        "reach": trigger.reach,
        "direct": [
            {"to": d.to, "phone": _duration(d.phone), "written": _duration(d.written)}
            for d in trigger.direct
        ],
    }


def _corrections(rules: Corrections) -> dict[str, Any]:
    return {
        "jump": dict(rules.jump),
        "supplement": _duration(rules.supplement),
        "supplement_by_type": {k: _duration(v) for k, v in rules.supplement_by_type.items()},
        "verified_closes": list(rules.verified_closes),
    }


def _level(rules: LevelRules) -> dict[str, Any]:
    return {
        "level": rules.level,
        "reach": rules.reach,
        "followup": format_duration(rules.followup),
        "limits": [
            {
                "link": link,
                "phone": format_duration(limit.phone) if limit.phone else None,
                "written": format_duration(limit.written),
            }
            for link, limit in rules.limits.items()
        ]
        + [_limit(f"member>{tier}", limit) for tier, limit in rules.member_to.items()],
    }


def _version(version: Version) -> dict[str, Any]:
    return {
        "effective_from": version.effective_from,
        "grace": format_duration(version.grace),
        "warning_fraction": version.warning_fraction,
        "unassessed_level": version.unassessed_level,
        "sensitive_reach": version.sensitive_reach,
        "final": format_duration(version.final),
        "initial_facts": list(version.initial_facts),
        "levels": [_level(rules) for rules in version.levels.values()],
        "triggers": [_trigger(trigger) for trigger in version.triggers],
        "corrections": _corrections(version.corrections),
    }


def ruleset_view(ruleset: Ruleset) -> dict[str, Any]:
    return {
        "name": ruleset.name,
        "title": ruleset.title,
        "versions": [_version(version) for version in ruleset.versions],
    }
