"""How incidents map onto CAP 1.2 and back: the numbers and words, as data.

Every mapping here is a project decision documented in docs/interop.md; the code in cap.py
and cap_import.py only looks things up. Change a mapping here, not in the code. The
numbers (area radii and buffers, feed retention and size, headline length) live in
cap.toml beside this file, read and checked on first use: POINT_RADIUS_KM, LINE_BUFFER_KM,
COMPUTED_DECIMALS, CANCEL_RETENTION, FEED_LIMIT and HEADLINE_MAX are attributes of this
module computed from it. Level and category names come from the shared vocabulary.
"""

from __future__ import annotations

import tomllib
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from command import vocabulary
from command.config import CAP_TOKEN

NAMESPACE = "urn:oasis:names:tc:emergency:cap:1.2"
LANGUAGES = ("zh-CN", "en-US")
# Which received info block describes a warning: the first whose language starts with one
# of these, else the first block.
PREFERRED_LANGUAGES = ("zh", "en")

# --- the alert ------------------------------------------------------------------------
# Incident traffic is official information between emergency offices, not a public
# warning (issuing those is a separate legal process, 预警发布), hence Restricted.
SCOPE = "Restricted"
RESTRICTION = "应急管理部门内部信息 / for emergency management agencies only"
SOURCE = "Watchfloor"
# Geocode name for the 6-digit administrative division code (and township codes) of units;
# received geocodes under any of LINK_GEOCODES that name a unit's code link that unit.
GEOCODE_NAME = "GB/T 2260"
LINK_GEOCODES = ("GB/T 2260", "ADCODE", "行政区划代码")
# Our own codes travel as eventCode/parameter with these names, so an alert we exported
# comes back with its category and level exact rather than reverse-mapped.
CATEGORY_CODE = "watchfloor:category"
TYPE_CODE = "watchfloor:type"
LEVEL_PARAMETER = "watchfloor:level"
INCIDENT_PARAMETER = "watchfloor:incident"
FIGURE_PARAMETER = "watchfloor:{figure}"
FIGURES = ("dead", "missing", "injured", "affected", "loss")
IDENTIFIER = "wf-incident-{incident}-{event}"
INCIDENTS = "wf-incident-{incident}"
# The fields of an incident snapshot that a CAP message shows: a change to anything else
# (report bookkeeping, updated_at) sends no new message.
MESSAGE_FACTS = (
    "title",
    "category",
    "type",
    "level",
    "status",
    "geometry",
    "unit",
    "summary",
    "measures",
    "casualties",
    "affected",
    "loss",
    "exercise",
    "occurred_at",
)
CLOSED = "closed"

# --- category, urgency, severity, certainty ---------------------------------------------
# CAP categories of an incident category; the first one decides the way back (REVERSE).
CAP_CATEGORIES = {
    "natural": ("Met",),
    "accident": ("Safety",),
    "health": ("Health",),
    "social": ("Security",),
}
# Incident types (lower-case words or Chinese terms in `type`) that pick other categories.
TYPE_CATEGORIES: dict[str, dict[str, tuple[str, ...]]] = {
    "natural": {
        "earthquake": ("Geo",),
        "地震": ("Geo",),
        "landslide": ("Geo",),
        "滑坡": ("Geo",),
        "泥石流": ("Geo",),
        "debris flow": ("Geo",),
        "forest fire": ("Env", "Fire"),
        "grassland fire": ("Env", "Fire"),
        "森林": ("Env", "Fire"),
        "草原火": ("Env", "Fire"),
    },
    "accident": {
        "fire": ("Safety", "Fire"),
        "火灾": ("Safety", "Fire"),
        "traffic": ("Safety", "Transport"),
        "交通": ("Safety", "Transport"),
        "chemical": ("Safety", "CBRNE"),
        "危化": ("Safety", "CBRNE"),
        "pollution": ("Safety", "Env"),
        "污染": ("Safety", "Env"),
        "power": ("Safety", "Infra"),
        "停电": ("Safety", "Infra"),
        "mine": ("Safety", "Rescue"),
        "矿": ("Safety", "Rescue"),
    },
}
REVERSE_CATEGORIES = {
    "Geo": "natural",
    "Met": "natural",
    "Env": "natural",
    "Safety": "accident",
    "Rescue": "accident",
    "Fire": "accident",
    "Transport": "accident",
    "Infra": "accident",
    "CBRNE": "accident",
    "Health": "health",
    "Security": "social",
}
SEVERITY = {"I": "Extreme", "II": "Severe", "III": "Moderate", "IV": "Minor", None: "Unknown"}
LEVEL_OF_SEVERITY = {severity: level for level, severity in SEVERITY.items()}
URGENCY = {
    "reported": "Expected",
    "verified": "Expected",
    "responding": "Immediate",
    "stabilized": "Expected",
    "closed": "Past",
}
# Open incidents of these levels are always Immediate.
IMMEDIATE_LEVELS = ("I", "II")
CERTAINTY = {
    "reported": "Likely",
    "verified": "Observed",
    "responding": "Observed",
    "stabilized": "Observed",
    "closed": "Observed",
}
RESPONSE_TYPES = {
    "reported": ("Monitor",),
    "verified": ("Monitor",),
    "responding": ("Monitor",),
    "stabilized": ("Monitor",),
    "closed": ("AllClear",),
}

# --- words -------------------------------------------------------------------------------
# Level and category names are the vocabulary's (command/vocabulary.toml); `level` shows a
# level's name in the alert's language, `unassessed` stands for an incident without one.
TEXT = {
    "zh-CN": {
        "level": "{name}",
        "unassessed": "未定级",
        "headline": "{exercise}{title}",
        "event": "{category}（{type}）",
        "exercise": "【演练】",
        "figures": "死亡{dead}人，失踪{missing}人，受伤{injured}人，受影响{affected}人，"
        "直接经济损失{loss}万元。",
        "closed": "事件已处置结束。",
        "note": "演练：事件 {incident}",
    },
    "en-US": {
        "level": "Level {code} ({name})",
        "unassessed": "unassessed",
        "headline": "{exercise}{level} {category} in {unit}",
        "event": "{category} ({type})",
        "exercise": "[EXERCISE] ",
        "figures": "Dead {dead}, missing {missing}, injured {injured}, affected {affected}; "
        "direct economic loss {loss} × 10,000 CNY.",
        "original": "Reported in Chinese: {title}. {summary}",
        "closed": "The incident is closed.",
        "note": "Exercise: incident {incident}",
    },
}


def category_name(code: str, language: str) -> str:
    return vocabulary.name("category", code, language)


def level_name(code: str | None, language: str) -> str:
    text = TEXT[language]
    if code is None:
        return text["unassessed"]
    return text["level"].format(code=code, name=vocabulary.name("level", code, language))


# --- the sender --------------------------------------------------------------------------
# Settings.cap_sender (WATCHFLOOR_CAP_SENDER) signs our alerts; command/config.py checks it.
# CAP 1.2 §3.2.1: sender and identifier contain no spaces, commas or restricted characters.
TOKEN = CAP_TOKEN

# --- the numbers (cap.toml) ----------------------------------------------------------------
NUMBERS_FILE = Path(__file__).with_name("cap.toml")
UNASSESSED = "unassessed"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Areas(_Strict):
    line_buffer_km: float = Field(gt=0, le=100)
    computed_decimals: int = Field(ge=1, le=15)


class _Feed(_Strict):
    cancel_retention_hours: float = Field(gt=0, le=24 * 366)
    limit: int = Field(ge=1, le=10_000)


class _Text(_Strict):
    headline_max: int = Field(ge=16, le=1000)


class CapNumbers(_Strict):
    point_radius_km: dict[str, float]
    areas: _Areas
    feed: _Feed
    text: _Text

    @model_validator(mode="after")
    def _every_level_once(self) -> CapNumbers:
        expected = {*vocabulary.LEVELS, UNASSESSED}
        if set(self.point_radius_km) != expected:
            raise ValueError(f"point_radius_km must give exactly {', '.join(sorted(expected))}")
        for level, radius in self.point_radius_km.items():
            if not 0 < radius <= 1000:
                raise ValueError(f"point_radius_km.{level}: {radius} is not within (0, 1000] km")
        return self


class CapNumbersError(ValueError):
    """cap.toml holds a value the CAP mapping cannot use."""


def parse_numbers(text: str, source: str = NUMBERS_FILE.name) -> CapNumbers:
    try:
        return CapNumbers.model_validate(tomllib.loads(text))
    except tomllib.TOMLDecodeError as exc:
        raise CapNumbersError(f"{source}: not valid TOML: {exc}") from None
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(top level)'}: {e['msg']}"
            for e in exc.errors()
        )
        raise CapNumbersError(f"{source}: {problems}") from None


@cache
def _numbers() -> dict[str, Any]:
    found = parse_numbers(NUMBERS_FILE.read_text(encoding="utf-8"))
    radius = found.point_radius_km
    return {
        "POINT_RADIUS_KM": {**radius, None: radius[UNASSESSED]},
        "LINE_BUFFER_KM": found.areas.line_buffer_km,
        "COMPUTED_DECIMALS": found.areas.computed_decimals,
        "CANCEL_RETENTION": timedelta(hours=found.feed.cancel_retention_hours),
        "FEED_LIMIT": found.feed.limit,
        "HEADLINE_MAX": found.text.headline_max,
    }


NUMBERS = (
    "POINT_RADIUS_KM",
    "LINE_BUFFER_KM",
    "COMPUTED_DECIMALS",
    "CANCEL_RETENTION",
    "FEED_LIMIT",
    "HEADLINE_MAX",
)


def __getattr__(name: str) -> Any:
    """The numbers of cap.toml as module attributes, read on first use (PEP 562)."""
    if name in NUMBERS:
        return _numbers()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
