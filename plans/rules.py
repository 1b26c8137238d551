"""The plan and drill rules of plans/rules.toml, validated when first loaded."""

from __future__ import annotations

import re
import tomllib
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from command.units.models import KINDS, TIERS
from command.vocabulary import PLAN_TYPES

RULES_FILE = Path(__file__).parent / "rules.toml"
DOCUMENT_TYPES = ("pdf", "docx")
FREQUENCIES = ("SECONDLY", "MINUTELY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY")


class RulesError(ValueError):
    """plans/rules.toml holds a value the service cannot use."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FilingRules(_Strict):
    working_days: int = Field(ge=1, le=365)
    area_kinds: tuple[Literal[KINDS], ...]  # type: ignore[valid-type]


class ReviewRules(_Strict):
    every_months: int = Field(ge=1, le=240)


class TypeRules(_Strict):
    name: str
    drill_every_months: int | None = Field(default=None, ge=1, le=240)
    review_every_months: int | None = Field(default=None, ge=1, le=240)


class HighRiskRules(_Strict):
    drill_every_months: int = Field(ge=1, le=240)


class DueRules(_Strict):
    window_days: int = Field(ge=1, le=3650)
    snapshot_limit: int = Field(ge=1, le=10_000)


class Requirement(_Strict):
    name: str
    label: str
    kinds: tuple[Literal[KINDS], ...] = Field(min_length=1)  # type: ignore[valid-type]
    tiers: tuple[Literal[TIERS], ...] = ()  # type: ignore[valid-type]
    types: tuple[Literal[PLAN_TYPES], ...] = Field(min_length=1)  # type: ignore[valid-type]

    def applies_to(self, kind: str, tier: str) -> bool:
        return kind in self.kinds and (not self.tiers or tier in self.tiers)


class CoverageRules(_Strict):
    # The day of the year by which units must have a plan in force, as "MM-DD".
    target: str
    required: tuple[Requirement, ...]

    @field_validator("target")
    @classmethod
    def _month_day(cls, value: str) -> str:
        problem = f"{value!r} must be a day that every year has, as MM-DD (e.g. 12-31)"
        match = re.fullmatch(r"(\d{2})-(\d{2})", value)
        if match is None:
            raise ValueError(problem)
        try:
            date(2001, int(match[1]), int(match[2]))  # a common year: never 02-29
        except ValueError:
            raise ValueError(problem) from None
        return value

    def target_in(self, year: int) -> date:
        month, day = self.target.split("-")
        return date(year, int(month), int(day))


class DocumentRules(_Strict):
    types: tuple[Literal[DOCUMENT_TYPES], ...] = Field(min_length=1)  # type: ignore[valid-type]
    max_bytes: int = Field(ge=1024)


class DrillRules(_Strict):
    override_roles: tuple[str, ...]
    frequencies: tuple[Literal[FREQUENCIES], ...] = Field(min_length=1)  # type: ignore[valid-type]
    horizon_days: int = Field(ge=1, le=36_500)
    max_occurrences: int = Field(ge=1, le=100_000)
    feed_past_days: int = Field(ge=0, le=36_500)


class PlanRules(_Strict):
    filing: FilingRules
    review: ReviewRules
    types: dict[str, TypeRules]
    high_risk: HighRiskRules
    due: DueRules
    coverage: CoverageRules
    documents: DocumentRules
    drills: DrillRules

    @model_validator(mode="after")
    def _every_type_once(self) -> PlanRules:
        if set(self.types) != set(PLAN_TYPES):
            missing = sorted(set(PLAN_TYPES) - set(self.types))
            unknown = sorted(set(self.types) - set(PLAN_TYPES))
            raise ValueError(
                f"[types] must list exactly {PLAN_TYPES}; missing {missing}, unknown {unknown}"
            )
        return self

    def drill_every_months(self, plan_type: str, *, high_risk: bool) -> int | None:
        months = self.types[plan_type].drill_every_months
        if high_risk:
            frequent = self.high_risk.drill_every_months
            return frequent if months is None else min(months, frequent)
        return months

    def review_every_months(self, plan_type: str) -> int:
        return self.types[plan_type].review_every_months or self.review.every_months


def parse_rules(text: str, source: str = "rules") -> PlanRules:
    try:
        return PlanRules.model_validate(tomllib.loads(text))
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(f"{source}: not valid TOML: {exc}") from None
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise RulesError(f"{source}: {problems}") from None


@cache
def load_rules(path: Path = RULES_FILE) -> PlanRules:
    return parse_rules(path.read_text(encoding="utf-8"), str(path))


def page_config(_session: Any = None) -> dict[str, Any]:
    """What the plans page takes from these rules (its config block)."""
    rules = load_rules()
    return {
        "due_window_days": rules.due.window_days,
        "filing_working_days": rules.filing.working_days,
    }
