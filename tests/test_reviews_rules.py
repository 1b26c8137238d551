"""The evaluation rules (command/reviews/rules.toml) are checked when loaded, and the
assessment's entry point `evaluations_in_period` answers for a period, on both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest

from command.reviews.annual import evaluations_in_period
from command.reviews.rules import RULES_FILE, ReviewRulesError, parse_rules, review_rules
from tests.conftest import bearer
from tests.reviews_fixtures import closed_incident, evaluation_of, full_draft, parse


def test_the_shipped_rules_cover_every_level_and_category_and_cite_sources():
    rules = review_rules()
    assert all(rule.source for rule in rules.rule)
    assert rules.rule_for("IV", "natural").lead == "county"
    assert rules.rule_for(None, "social").lead == "county"
    assert rules.rule_for("III", "health").due == timedelta(days=15)
    assert not rules.led_locally("province") and rules.led_locally("city")


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        ('lead = "county"', 'lead = "galaxy"', "lead"),
        ('due_days = 15\nsource = "一般', 'due_days = 0\nsource = "一般', "due_days"),
        ('levels = ["IV", "none"]', 'levels = ["V"]', "unknown level"),
        ('levels = ["IV", "none"]', 'levels = ["IV"]', "no rule for level none"),
        ('home_tier = "city"', 'home_tier = "planet"', "home_tier"),
    ],
)
def test_a_broken_rule_is_refused_naming_the_file_and_the_value(old, new, says):
    text = RULES_FILE.read_text(encoding="utf-8")
    assert old in text
    with pytest.raises(ReviewRulesError) as refused:
        parse_rules(text.replace(old, new, 1))
    assert "rules.toml" in str(refused.value) and says in str(refused.value)


async def test_evaluations_in_period_gives_each_evaluation_falling_due(app, client, demo):
    first = await closed_incident(client, demo, level="IV")
    second = await closed_incident(client, demo, level="II", title="重大火灾")
    evaluation = await evaluation_of(client, demo["commander"], first["id"])
    url = f"/api/reviews/{evaluation['id']}"
    await client.patch(url, json=full_draft(), headers=bearer(demo["commander"]))
    submitted = await client.post(f"{url}/submit", headers=bearer(demo["commander"]))
    assert submitted.status_code == 200
    closed_at = parse(first["closed_at"])
    async with app.state.db.read() as session:
        found = await evaluations_in_period(
            session=session,
            root_path="/000000/230000/231100/",
            start=closed_at,
            end=closed_at + timedelta(days=90),
        )
        none = await evaluations_in_period(
            session=session,
            root_path="/000000/230000/231100/231123/",
            start=closed_at,
            end=closed_at + timedelta(days=90),
        )
    by_incident = {item["incident"]: item for item in found}
    assert set(by_incident) == {first["id"], second["id"]} and none == []
    done = by_incident[first["id"]]
    assert done["state"] == "submitted" and done["on_time"] is True
    assert done["unit"] == "231102001" and done["submitted_at"] is not None
    assert by_incident[second["id"]]["led_locally"] is False
    assert by_incident[second["id"]]["on_time"] is None
