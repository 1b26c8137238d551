"""The evaluation rules of command/reviews/rules.toml, validated when first loaded: who
leads an incident's evaluation and by when, and the sections a submission must hold."""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from command.vocabulary import CATEGORIES, LEVELS, TIERS

RULES_FILE = Path(__file__).with_name("rules.toml")
SECTIONS = (
    "course",  # 事件经过
    "response",  # 接报与响应、先期处置
    "command",  # 指挥协调
    "information",  # 信息报送与发布
    "resources",  # 队伍、装备、物资
    "losses",  # 人员伤亡和损失
    "conclusion",  # 评估结论
    "lessons",  # 经验教训
)
NO_LEVEL = "none"
ANY = "*"


class ReviewRulesError(ValueError):
    """command/reviews/rules.toml holds a value the service cannot use."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Rule(_Strict):
    name: str = Field(min_length=1)
    levels: tuple[str, ...] = Field(min_length=1)
    categories: tuple[str, ...] = Field(min_length=1)
    lead: Literal[TIERS]  # type: ignore[valid-type]
    due_days: int = Field(ge=1, le=366)
    source: str = Field(min_length=1)

    @model_validator(mode="after")
    def _known(self) -> Rule:
        for level in self.levels:
            if level not in (*LEVELS, NO_LEVEL):
                raise ValueError(f"rule {self.name}: unknown level {level!r}")
        for category in self.categories:
            if category not in (*CATEGORIES, ANY):
                raise ValueError(f"rule {self.name}: unknown category {category!r}")
        return self

    @property
    def due(self) -> timedelta:
        return timedelta(days=self.due_days)

    def matches(self, level: str | None, category: str) -> bool:
        return (level or NO_LEVEL) in self.levels and (
            ANY in self.categories or category in self.categories
        )


class Evaluation(_Strict):
    required: tuple[Literal[SECTIONS], ...]  # type: ignore[valid-type]
    home_tier: Literal[TIERS]  # type: ignore[valid-type]


class ReviewRules(_Strict):
    evaluation: Evaluation
    rule: tuple[Rule, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _every_incident_has_a_rule(self) -> ReviewRules:
        for level in (*LEVELS, NO_LEVEL):
            for category in CATEGORIES:
                if not any(
                    rule.matches(None if level == NO_LEVEL else level, category)
                    for rule in self.rule
                ):
                    raise ValueError(f"no rule for level {level} and category {category}")
        return self

    def rule_for(self, level: str | None, category: str) -> Rule:
        return next(rule for rule in self.rule if rule.matches(level, category))

    def led_locally(self, tier: str) -> bool:
        return TIERS.index(tier) <= TIERS.index(self.evaluation.home_tier)

    @property
    def required(self) -> Sequence[str]:
        return self.evaluation.required


def parse_rules(text: str, *, file: str = RULES_FILE.name) -> ReviewRules:
    try:
        return ReviewRules.model_validate(tomllib.loads(text))
    except (tomllib.TOMLDecodeError, ValidationError) as exc:
        raise ReviewRulesError(f"{file}: {exc}") from None


@cache
def review_rules(path: Path = RULES_FILE) -> ReviewRules:
    return parse_rules(path.read_text(encoding="utf-8"), file=path.name)
