"""The shared words: incident levels, categories, statuses and sources, administrative
tiers, unit kinds and plan types, each with its Chinese and English name.

One data file (vocabulary.toml) holds them; every domain, export and page reads them from
here (pages through their JSON block), so a name is written once.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).with_name("vocabulary.toml")
LANGUAGES = ("zh", "en")


@cache
def vocabulary() -> dict[str, list[dict[str, Any]]]:
    """Every group's terms in order: {"level": [{"code": "I", "zh": …, "en": …}, …], …}."""
    data = tomllib.loads(DATA.read_text(encoding="utf-8"))
    for group, terms in data.items():
        for term in terms:
            missing = [key for key in ("code", *LANGUAGES) if not term.get(key)]
            if missing:
                raise ValueError(f"{DATA.name}: a {group} term lacks {', '.join(missing)}")
    return data


def codes(group: str) -> tuple[str, ...]:
    return tuple(term["code"] for term in vocabulary()[group])


def name(group: str, code: Any, lang: str = "zh") -> str:
    """The term's name in `lang` ("zh" or "en"; "zh-CN", "en-US" are read the same);
    the code itself when the group does not know it."""
    key = "en" if str(lang).lower().startswith("en") else "zh"
    for term in vocabulary()[group]:
        if term["code"] == code:
            return term[key]
    return str(code)


def names(group: str, lang: str = "zh") -> dict[str, str]:
    return {term["code"]: name(group, term["code"], lang) for term in vocabulary()[group]}


LEVELS = codes("level")
CATEGORIES = codes("category")
STATUSES = codes("status")
SOURCES = codes("source")
TIERS = codes("tier")
UNIT_KINDS = codes("unit_kind")
PLAN_TYPES = codes("plan_type")
# Unit kinds that are links of the administrative chain (`area = true`): 行政区域 and 社区.
AREA_KINDS = tuple(term["code"] for term in vocabulary()["unit_kind"] if term.get("area"))
