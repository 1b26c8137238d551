"""Rules as data: the working-day filing deadline, review and drill due dates, the rules file."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest

from plans.due import refresh_due_dates
from plans.models import Plan
from plans.rules import RULES_FILE, RulesError, load_rules, parse_rules
from plans.workdays import add_working_days, is_working_day


def _working_days_between(start: date, end: date) -> int:
    """Working days after start up to end, counted with the package's own data."""
    return len(chinese_calendar.get_workdays(start, end)) - chinese_calendar.is_workday(start)


def test_filing_deadline_across_the_spring_festival_with_make_up_days():
    # 2026: Spring Festival off 15–23 Feb; Saturdays 14 Feb and 28 Feb are working days.
    deadline = add_working_days(date(2026, 2, 10), 20)
    assert deadline.due == date(2026, 3, 16) and not deadline.provisional
    assert chinese_calendar.is_holiday(date(2026, 2, 16))
    assert chinese_calendar.is_workday(date(2026, 2, 14)) and date(2026, 2, 14).weekday() == 5
    assert chinese_calendar.is_workday(date(2026, 2, 28)) and date(2026, 2, 28).weekday() == 5
    assert _working_days_between(date(2026, 2, 10), deadline.due) == 20
    # Counting Mondays to Fridays only would wrongly say 10 March.
    assert add_weekdays(date(2026, 2, 10), 20) == date(2026, 3, 10)


def test_filing_deadline_across_national_day_with_make_up_days():
    # 2025: National Day and Mid-Autumn off 1–8 Oct; Sunday 28 Sep and Saturday 11 Oct work.
    deadline = add_working_days(date(2025, 9, 26), 20)
    assert deadline.due == date(2025, 10, 30) and not deadline.provisional
    assert is_working_day(date(2025, 9, 28)) == (True, False)
    assert is_working_day(date(2025, 10, 11)) == (True, False)
    assert is_working_day(date(2025, 10, 8)) == (False, False)
    assert _working_days_between(date(2025, 9, 26), deadline.due) == 20


def test_issued_on_a_holiday_counts_from_the_next_working_day():
    # Issued on 1 Oct 2025 (a holiday): day 1 is Thursday 9 Oct.
    assert add_working_days(date(2025, 10, 1), 1).due == date(2025, 10, 9)
    assert add_working_days(date(2025, 10, 1), 3).due == date(2025, 10, 11)


def test_a_year_without_a_published_schedule_is_counted_provisionally():
    last_known = max(day.year for day in chinese_calendar.holidays)
    deadline = add_working_days(date(last_known, 12, 20), 20)
    assert deadline.due.year == last_known + 1
    assert deadline.provisional
    assert deadline.due.weekday() < 5


def add_weekdays(start: date, days: int) -> date:
    day, counted = start, 0
    while counted < days:
        day += timedelta(days=1)
        counted += day.weekday() < 5
    return day


def _plan(**fields) -> Plan:
    base = {
        "type": "special",
        "status": "in_force",
        "high_risk": False,
        "in_force_since": date(2024, 3, 1),
        "current_since": date(2024, 3, 1),
        "last_reviewed_on": None,
        "last_drilled_on": None,
    }
    return Plan(**{**base, **fields})


@pytest.mark.parametrize(
    ("fields", "review_due", "drill_due"),
    [
        ({}, date(2027, 3, 1), date(2027, 3, 1)),
        ({"type": "enterprise"}, date(2027, 3, 1), date(2025, 3, 1)),
        (
            {"type": "grassroots", "last_drilled_on": date(2025, 6, 30)},
            date(2027, 3, 1),
            date(2026, 6, 30),
        ),
        ({"type": "enterprise", "high_risk": True}, date(2027, 3, 1), date(2024, 9, 1)),
        ({"type": "event"}, date(2027, 3, 1), None),
        ({"type": "event", "high_risk": True}, date(2027, 3, 1), date(2024, 9, 1)),
        ({"last_reviewed_on": date(2025, 5, 20)}, date(2028, 5, 20), date(2027, 3, 1)),
        ({"current_since": date(2025, 8, 31)}, date(2028, 8, 31), date(2027, 3, 1)),
        ({"status": "under_revision"}, date(2027, 3, 1), date(2027, 3, 1)),
        ({"status": "draft"}, None, None),
        ({"status": "retired"}, None, None),
    ],
)
def test_review_and_drill_due_dates_follow_the_rules_data(fields, review_due, drill_due):
    plan = _plan(**fields)
    refresh_due_dates(plan)
    assert (plan.review_due, plan.next_drill_due) == (review_due, drill_due)


def test_the_shipped_rules_cover_every_plan_type():
    rules = load_rules()
    assert rules.filing.working_days == 20 and rules.review.every_months == 36
    assert rules.drill_every_months("special", high_risk=False) == 36
    assert [r.name for r in rules.coverage.required] == [
        "townships",
        "villages",
        "schools",
        "enterprises",
    ]


def test_a_broken_rules_file_names_the_key():
    text = RULES_FILE.read_text(encoding="utf-8")
    with pytest.raises(RulesError, match="filing.working_days"):
        parse_rules(text.replace("working_days = 20", "working_days = -1"))
    with pytest.raises(RulesError, match="missing \\['joint'\\]"):
        parse_rules(text.replace("[types.joint]", "[types.jointly]"))
    with pytest.raises(RulesError, match="not valid TOML"):
        parse_rules(text + "\n[[[")
