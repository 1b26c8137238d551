"""The escalation ladder of command/notify/ladder.toml, validated when first loaded (and
by `watchfloor rules check`)."""

from __future__ import annotations

import re
import string
import tomllib
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from command.notify.models import CHANNELS
from command.vocabulary import LEVELS

LADDER_FILE = Path(__file__).with_name("ladder.toml")
TRIGGERS = (
    "deadline.warning",
    "deadline.overdue",
    "deadline.missed",
    "incident.created",
    "incident.level_changed",
    "warning.received",
    "warning.updated",
)
RELATIONS = ("owing_unit", "superior", "superior_leader", "city_leader", "covered_units")
PLACEHOLDERS = {
    "incident",
    "report",
    "unit",
    "to_unit",
    "due",
    "left",
    "link",
    "level",
    "from_level",
    "warning",
    "severity",
    "sender",
    "expires",
}
# CAP 1.2 severities, as an early warning carries them.
SEVERITIES = ("Extreme", "Severe", "Moderate", "Minor", "Unknown")
# "90s", "10m", "2h", "1h30m": how often a rule that repeats until acknowledged sends again.
_CADENCE = re.compile(r"(?:(?P<hours>\d+)h)?(?:(?P<minutes>\d+)m)?(?:(?P<seconds>\d+)s)?")
MIN_REPEAT = timedelta(seconds=1)
MAX_REPEATS = 50


def parse_cadence(text: str) -> timedelta:
    """The timedelta of a cadence such as "10m"; ValueError says why one is refused."""
    match = _CADENCE.fullmatch(text.strip().lower())
    if not text.strip() or match is None:
        raise ValueError(f"{text!r} is not a cadence such as '10m', '1h' or '90s'")
    every = timedelta(**{k: int(v) for k, v in match.groupdict().items() if v is not None})
    if every < MIN_REPEAT:
        raise ValueError(f"{text!r} is shorter than a second")
    return every


class LadderError(ValueError):
    """The ladder file holds something the worker cannot use."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Strict):
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)

    @model_validator(mode="after")
    def _known_placeholders(self) -> Text:
        for text in (self.zh, self.en):
            names = {name for _, name, _, _ in string.Formatter().parse(text) if name}
            if unknown := names - PLACEHOLDERS:
                raise ValueError(f"unknown placeholder {sorted(unknown)[0]!r}")
        return self


class Rule(_Strict):
    name: str = Field(min_length=1, max_length=64)
    on: Literal[TRIGGERS]  # type: ignore[valid-type]
    to: tuple[Literal[RELATIONS], ...] = Field(min_length=1)  # type: ignore[valid-type]
    channels: tuple[Literal[CHANNELS], ...] = Field(min_length=1)  # type: ignore[valid-type]
    levels: tuple[Literal[LEVELS], ...] | None = None  # type: ignore[valid-type]
    # For early warnings: only these CAP severities (all when unset).
    severities: tuple[Literal[SEVERITIES], ...] | None = None  # type: ignore[valid-type]
    subject: Text
    body: Text
    # Repeat until acknowledged: sent again every `repeat_every` (a cadence, "10m"), at
    # most `repeat_max` more times, until someone acknowledges the obligation (or, for a
    # message about no obligation, this event's message).
    repeat_every: str | None = None
    repeat_max: int | None = Field(None, ge=1, le=MAX_REPEATS)

    @model_validator(mode="after")
    def _repeat_complete(self) -> Rule:
        if (self.repeat_every is None) != (self.repeat_max is None):
            raise ValueError("repeat_every and repeat_max go together: give both or neither")
        if self.repeat_every is not None:
            parse_cadence(self.repeat_every)
        return self

    @property
    def repeats(self) -> bool:
        return self.repeat_every is not None

    @property
    def cadence(self) -> timedelta:
        return parse_cadence(self.repeat_every or "")


class Sending(_Strict):
    max_attempts: int = Field(ge=1, le=50)
    backoff_seconds: tuple[int, ...] = Field(min_length=1)
    lease_seconds: int = Field(ge=5, le=3600)


class Ladder(_Strict):
    language: Literal["zh", "en"]
    rule: tuple[Rule, ...] = Field(min_length=1)
    sending: Sending

    @model_validator(mode="after")
    def _unique_names(self) -> Ladder:
        names = [rule.name for rule in self.rule]
        if len(names) != len(set(names)):
            raise ValueError("rule names must be unique")
        return self

    def rules_for(self, kind: str) -> list[Rule]:
        return [rule for rule in self.rule if rule.on == kind]

    def repeating(self) -> list[Rule]:
        return [rule for rule in self.rule if rule.repeats]

    def backoff(self, attempts: int) -> int:
        waits = self.sending.backoff_seconds
        return waits[min(attempts, len(waits)) - 1]


def load_ladder(path: Path = LADDER_FILE) -> Ladder:
    try:
        return Ladder.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise LadderError(f"{path}: {exc}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise LadderError(f"{path}: {where}: {first['msg']}") from None


@cache
def _cached(path: Path) -> Ladder:
    return load_ladder(path)


def ladder(path: Path | None = None) -> Ladder:
    """The ladder the deployment names (WATCHFLOOR_NOTIFY_LADDER), else the shipped one."""
    return _cached(path or LADDER_FILE)
