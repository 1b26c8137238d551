"""Rulesets as data: the shipped ones, durations, and bad files refused with file, rule and
reason — at load, by `watchfloor rules check`, and by a server asked to use one."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from command.deadlines.durations import DurationError, format_duration, parse_duration
from command.deadlines.rulefile import load_ruleset, parse_ruleset
from command.deadlines.rules import LINKS, RulesetError
from tests.servers import ROOT

GOOD = (ROOT / "command" / "rules" / "cn-national.toml").read_text(encoding="utf-8")


def broken(old: str, new: str, count: int = 1) -> str:
    assert old in GOOD, old
    return GOOD.replace(old, new, count)


def problems(text: str) -> list[tuple[str, str]]:
    with pytest.raises(RulesetError) as caught:
        parse_ruleset(text, file="custom.toml")
    assert str(caught.value).startswith("custom.toml: ")
    return caught.value.problems


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("PT30M", 1800),
        ("PT1H", 3600),
        ("P7D", 7 * 86400),
        ("PT2S", 2),
        ("PT1H30M", 5400),
        ("PT0.5S", 0.5),
        ("P1W", 7 * 86400),
        ("pt10m", 600),
    ],
)
def test_durations_parse(text, seconds):
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("-PT1H", "negative"),
        ("PT-5M", "negative"),
        ("P1M", "years or months"),
        ("P1Y", "years or months"),
        ("30 minutes", "not an ISO 8601"),
        ("PT", "not an ISO 8601"),
        ("P", "not an ISO 8601"),
        ("", "not an ISO 8601"),
        (30, "not an ISO 8601"),
    ],
)
def test_bad_durations_say_why(text, reason):
    with pytest.raises(DurationError, match=reason):
        parse_duration(text)


def test_durations_format_back():
    assert [format_duration(parse_duration(t)) for t in ("PT1H30M", "P7D", "PT2S", "PT0S")] == [
        "PT1H30M",
        "P7D",
        "PT2S",
        "PT0S",
    ]


def test_both_shipped_rulesets_load_with_every_level_and_link():
    for name in ("cn-national", "wuhan-2020"):
        version = load_ruleset(name).version_at(datetime.now(UTC))
        assert set(version.levels) == {"I", "II", "III", "IV"}
        for rules in version.levels.values():
            assert set(rules.limits) == set(LINKS)
    national = load_ruleset("cn-national").version_at(datetime.now(UTC))
    assert national.levels["I"].limit("county>city").phone == timedelta(minutes=30)
    assert national.levels["I"].limit("county>city").written == timedelta(hours=1)
    assert [national.levels[lv].reach for lv in ("I", "II", "III", "IV")] == [
        "national",
        "national",
        "province",
        "city",
    ]
    assert national.final == timedelta(days=7)
    wuhan = load_ruleset("wuhan-2020").version_at(datetime.now(UTC))
    assert [wuhan.levels[lv].limit("county>city").written for lv in ("I", "III", "IV")] == [
        timedelta(minutes=30),
        timedelta(hours=1),
        timedelta(hours=2),
    ]


def test_a_missing_level_is_refused_naming_it():
    start = GOOD.index("[version.levels.III]")
    end = GOOD.index("[version.levels.IV]")
    found = problems(GOOD[:start] + GOOD[end:])
    assert ("version[1].levels", "missing level III") in found


def test_a_negative_duration_is_refused_naming_the_rule():
    text = broken(
        '"county>city" = { phone = "PT1H", written = "PT2H" }',
        '"county>city" = { phone = "PT1H", written = "-PT2H" }',
    )
    found = problems(text)
    assert ("version[1].levels.III.limits.county>city.written", "'-PT2H' is negative") in found


def test_an_unparsable_duration_is_refused():
    found = problems(broken('followup = "PT6H"', 'followup = "six hours"'))
    assert found[0][0] == "version[1].levels.III.followup"
    assert "not an ISO 8601 duration" in found[0][1]


def test_a_chain_that_skips_a_tier_is_refused():
    text = broken(
        '"township>county" = { phone = "PT1H", written = "PT2H" }',
        '"township>city" = { phone = "PT1H", written = "PT2H" }',
    )
    found = problems(text)
    assert (
        "version[1].levels.III.limits.township>city",
        "the chain skips a tier (county between township and city)",
    ) in found
    assert ("version[1].levels.III.limits", "missing link township>county") in found


def test_a_zero_limit_and_a_phone_after_written_are_refused():
    text = broken(
        'member = { phone = "PT30M", written = "PT1H" }',
        'member = { phone = "PT2H", written = "PT0S" }',
    )
    found = dict(problems(text))
    assert "must be longer than zero" in found["version[1].levels.I.limits.member.written"]
    text = broken(
        'member = { phone = "PT30M", written = "PT1H" }',
        'member = { phone = "PT2H", written = "PT1H" }',
    )
    assert problems(text) == [
        (
            "version[1].levels.I.limits.member.phone",
            "the phone report cannot be due after the written",
        )
    ]


def test_unknown_keys_levels_and_reach_are_refused():
    found = dict(problems(broken('reach = "province"', 'reach = "galaxy"')))
    assert "'galaxy' is not one of" in found["version[1].levels.III.reach"]
    found = dict(problems(broken("grace = ", "grase = ")))
    assert "unknown key 'grase'" in found["version[1]"]
    assert found["version[1].grace"] == "missing"
    found = dict(problems(broken("[version.levels.IV]", "[version.levels.V]")))
    assert "unknown level" in found["version[1].levels.V"]


def test_versions_must_come_in_order_of_effect():
    second = GOOD[GOOD.index("[[version]]") :].replace("2015-07-31", "2010-01-01")
    found = problems(GOOD + "\n" + second)
    assert ("version[2].effective_from", "must be after the previous version's") in found


def test_the_version_in_force_follows_the_effective_date():
    second = GOOD[GOOD.index("[[version]]") :].replace("2015-07-31", "2024-03-01")
    second = second.replace('grace = "PT10M"', 'grace = "PT20M"')
    ruleset = parse_ruleset(GOOD + "\n" + second, file="two.toml")
    assert ruleset.version_at(datetime(2020, 1, 1, tzinfo=UTC)).grace == timedelta(minutes=10)
    # 2024-03-01 00:00 in China is 2024-02-29 16:00 UTC.
    assert ruleset.version_at(datetime(2024, 2, 29, 16, tzinfo=UTC)).grace == timedelta(minutes=20)
    assert ruleset.version_at(datetime(2010, 1, 1, tzinfo=UTC)).grace == timedelta(minutes=10)


def test_not_toml_and_unknown_names_are_refused():
    assert "not valid TOML" in problems("name = [")[0][1]
    with pytest.raises(RulesetError, match="no built-in ruleset of that name"):
        load_ruleset("atlantis")
    with pytest.raises(RulesetError, match="cannot read the file"):
        load_ruleset("/nonexistent/rules.toml")


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "command.cli", "rules", "check", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )


def test_rules_check_command(tmp_path: Path):
    ok = _cli("cn-national", str(ROOT / "command" / "rules" / "wuhan-2020.toml"))
    assert ok.returncode == 0, ok.stderr
    assert "ruleset 'cn-national'" in ok.stdout and "ruleset 'wuhan-2020'" in ok.stdout
    bad = tmp_path / "bad.toml"
    bad.write_text(
        broken(
            '"county>city" = { phone = "PT1H", written = "PT2H" }',
            '"county>city" = { phone = "PT1H", written = "PT-2H" }',
        )
    )
    failed = _cli(str(bad))
    assert failed.returncode == 1
    assert f"{bad}: version[1].levels.III.limits.county>city.written: 'PT-2H' is negative" in (
        failed.stderr
    )


def test_a_server_refuses_a_bad_ruleset(database_url, start_server, tmp_path: Path):
    bad = tmp_path / "bad.toml"
    bad.write_text(GOOD.replace('reach = "city"', 'reach = "moon"'))
    with pytest.raises(RuntimeError, match="server exited early") as caught:
        start_server(database_url, WATCHFLOOR_RULESET=str(bad))
    assert "version[1].levels.IV.reach" in str(caught.value)
