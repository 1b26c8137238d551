"""Numbers and lists the code once held, read from data: the pages' config blocks (the
ruleset's facts, the plans' due window), cap.toml, the compliance period and the coverage
target; and the settings a session carries to the hooks."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from pathlib import Path

import pytest

from command.app import create_app
from command.deadlines.compliance import default_period
from command.deadlines.rulefile import ruleset_path
from command.interop import cap_rules
from command.vocabulary import codes
from plans.rules import RULES_FILE, RulesError, load_rules, parse_rules
from tests.conftest import bearer
from tests.test_pages import page_config, sign_in

STATIC = Path(__file__).resolve().parent.parent / "static" / "js"


async def test_report_page_takes_the_facts_from_the_ruleset_its_settings_name(
    settings, tmp_path, demo
):
    import httpx

    text = ruleset_path("cn-national").read_text(encoding="utf-8")
    facts = 'initial_facts = ["time", "place", "nature", "casualties", "loss"]'
    assert facts in text
    custom = tmp_path / "local.toml"
    custom.write_text(
        text.replace(facts, 'initial_facts = ["time", "place", "loss"]').replace(
            'name = "cn-national"', 'name = "local"'
        ),
        encoding="utf-8",
    )
    # No engine registers a ruleset: the hooks and the page read the settings' one.
    chosen = dataclasses.replace(settings, ruleset=str(custom), engine_enabled=False)
    app = create_app(chosen)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            await sign_in(client, "demo-reporter")
            config = page_config((await client.get("/report")).text)
            assert config["initial_facts"] == ["time", "place", "loss"]
            active = await client.get("/api/deadlines/ruleset", headers=bearer(demo["admin"]))
            assert active.json()["name"] == "local"


async def test_plans_page_takes_the_due_window_and_plan_types_from_the_server(client):
    await sign_in(client, "demo-coordinator")
    config = page_config((await client.get("/plans")).text)
    assert config["due_window_days"] == load_rules().due.window_days
    assert [t["code"] for t in config["vocabulary"]["plan_type"]] == list(codes("plan_type"))


def test_the_scripts_hold_no_copy_of_server_data():
    catalog = (STATIC / "plans" / "catalog.js").read_text(encoding="utf-8")
    forms = (STATIC / "report" / "forms.js").read_text(encoding="utf-8")
    assert '"catastrophe"' not in catalog and "= 30" not in catalog
    assert '"casualties"]' not in forms


def test_cap_numbers_come_from_cap_toml():
    assert cap_rules.POINT_RADIUS_KM == {"I": 10.0, "II": 5.0, "III": 2.0, "IV": 1.0,
                                         "unassessed": 1.0, None: 1.0}  # fmt: skip
    assert cap_rules.LINE_BUFFER_KM == 0.5 and cap_rules.COMPUTED_DECIMALS == 6
    assert cap_rules.CANCEL_RETENTION == timedelta(hours=24)
    assert cap_rules.FEED_LIMIT == 200 and cap_rules.HEADLINE_MAX == 160
    with pytest.raises(AttributeError):
        _ = cap_rules.NO_SUCH_NUMBER


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (("IV = 1.0", "IV = -1.0"), "point_radius_km.IV"),
        (("IV = 1.0\n", ""), "point_radius_km must give exactly"),
        (("limit = 200", "limit = 0"), "feed.limit"),
        (("headline_max = 160", "headline_max = 160\nwidth = 3"), "text.width"),
        (("[areas]", "[areas"), "not valid TOML"),
    ],
)
def test_a_bad_cap_number_is_refused_with_its_path(change, problem):
    text = cap_rules.NUMBERS_FILE.read_text(encoding="utf-8")
    assert change[0] in text
    with pytest.raises(cap_rules.CapNumbersError, match=problem):
        cap_rules.parse_numbers(text.replace(*change, 1))


def test_cap_level_and_category_names_are_the_vocabulary_s():
    assert cap_rules.level_name("II", "zh-CN") == "重大"
    assert cap_rules.level_name("II", "en-US") == "Level II (serious)"
    assert cap_rules.level_name(None, "en-US") == "unassessed"
    assert cap_rules.category_name("health", "en-US") == "public health incident"


def test_the_compliance_period_comes_from_its_data_file():
    assert default_period() == timedelta(days=30)


@pytest.mark.parametrize("target", ["02-29", "13-01", "12/31", "1231"])
def test_a_coverage_target_every_year_has_is_required(target):
    text = RULES_FILE.read_text(encoding="utf-8")
    assert 'target = "12-31"' in text
    with pytest.raises(RulesError, match="coverage.target"):
        parse_rules(text.replace('target = "12-31"', f'target = "{target}"'))


def test_the_coverage_target_is_a_day_of_the_year():
    text = RULES_FILE.read_text(encoding="utf-8").replace('target = "12-31"', 'target = "06-30"')
    assert parse_rules(text).coverage.target_in(2026) == date(2026, 6, 30)
    assert load_rules().coverage.target_in(2027) == date(2027, 12, 31)
