"""The duty rules of command/duty/rules.toml, validated when first loaded."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

RULES_FILE = Path(__file__).with_name("rules.toml")


class DutyRulesError(ValueError):
    """command/duty/rules.toml holds a value the service cannot use."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SignInRules(_Strict):
    grace_minutes: int = Field(ge=1, le=240)


class RosterRules(_Strict):
    max_shift_hours: int = Field(ge=1, le=72)
    continuous: bool
    max_officers: int = Field(ge=1, le=50)


class DutyRules(_Strict):
    sign_in: SignInRules
    roster: RosterRules


@cache
def duty_rules(path: Path = RULES_FILE) -> DutyRules:
    try:
        return DutyRules.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except (tomllib.TOMLDecodeError, ValidationError) as exc:
        raise DutyRulesError(f"{path.name}: {exc}") from None
