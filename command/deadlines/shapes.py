"""The active ruleset as the API shows it (durations in ISO 8601, as in the file)."""

from __future__ import annotations

from typing import Any

from command.deadlines.durations import format_duration
from command.deadlines.rules import LevelRules, Ruleset, Version


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
        ],
    }


def _version(version: Version) -> dict[str, Any]:
    return {
        "effective_from": version.effective_from,
        "grace": format_duration(version.grace),
        "warning_fraction": version.warning_fraction,
        "unassessed_level": version.unassessed_level,
        "sensitive_reach": version.sensitive_reach,
        "final": format_duration(version.final),
        "levels": [_level(rules) for rules in version.levels.values()],
    }


def ruleset_view(ruleset: Ruleset) -> dict[str, Any]:
    return {
        "name": ruleset.name,
        "title": ruleset.title,
        "versions": [_version(version) for version in ruleset.versions],
    }
