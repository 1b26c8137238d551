"""Indicator sheets are data, checked like the rulesets: the shipped sheet passes; unknown
metrics, points that do not add up and overlapping bands are refused with their line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from command.assessment.sheet import SheetError
from command.assessment.sheetfile import parse_sheet, shipped_paths

SHIPPED = shipped_paths()[0]


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "command.cli", "assessment", "check", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_the_shipped_sheet_checks_with_a_summary():
    result = _run("--shipped")
    assert result.returncode == 0, result.stderr
    assert "ok: sheet 'heihe-county', 100 points in 8 group(s)" in result.stdout


def _broken(tmp_path: Path, old: str, new: str) -> tuple[Path, int]:
    text = SHIPPED.read_text(encoding="utf-8")
    assert old in text
    broken = text.replace(old, new, 1)
    path = tmp_path / "broken.toml"
    path.write_text(broken, encoding="utf-8")
    return path, _line_of(broken, new.splitlines()[0])


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        ('metric = "duty_absences"', 'metric = "duty_absense"', "unknown metric 'duty_absense'"),
        ("{ from = 0.4, to = 0.6, points = 2 }", "{ from = 0.4, to = 0.7, points = 2 }",
         "bands overlap"),
        ('key = "system.staff"\ntitle = "工作人员在岗"\ntitle_en = "Staff in post"\npoints = 4',
         'key = "system.staff"\ntitle = "工作人员在岗"\ntitle_en = "Staff in post"\npoints = 3',
         None),
        ("from = 60\n", "from = 50\n", "overlaps grade fail"),
    ],
)  # fmt: skip
def test_a_broken_sheet_is_refused_naming_the_line(tmp_path, old, new, reason):
    path, line = _broken(tmp_path, old, new)
    result = _run(str(path))
    assert result.returncode == 1
    if reason is None:  # the group's points line: indicators add up to 14, not 15
        reason = "indicators add up to 14, the group has 15 points"
        line = _line_of(path.read_text(encoding="utf-8"), 'key = "system"') + 3
    assert f"{path}:{line}: " in result.stderr and reason in result.stderr, result.stderr


def test_a_sheet_whose_groups_miss_the_total_is_refused():
    text = SHIPPED.read_text(encoding="utf-8").replace("total = 100", "total = 110")
    with pytest.raises(SheetError) as caught:
        parse_sheet(text, file="x.toml")
    assert "groups add up to 100, the sheet's total is 110" in str(caught.value)
    lines = {reason: line for line, _, reason in caught.value.problems}
    assert lines["groups add up to 100, the sheet's total is 110"] == _line_of(text, "total = 110")


def test_the_shipped_sheet_holds_the_groups_and_scoring_tables_of_the_issue():
    sheet = parse_sheet(SHIPPED.read_text(encoding="utf-8"), file=str(SHIPPED))
    groups = {group.title: group for group in sheet.groups}
    assert groups["体制建设"].points == 15
    assert groups["预案体系"].points == 25
    assert groups["宣传培训"].points == 15
    assert {"应急演练", "值守与信息报送", "事后评估", "交办事项"} <= set(groups)
    indicators = {ind.metric: ind for _, ind in sheet.indicators() if ind.metric}
    drills = indicators["special_plans_drilled"]
    assert drills in groups["应急演练"].indicators
    assert [(b.low, b.high, b.points) for b in drills.scoring.bands] == [
        (0.2, 0.4, 1), (0.4, 0.6, 2), (0.6, 1.0, 3)
    ]  # fmt: skip
    reporting = indicators["reporting_faults"]
    assert reporting in groups["值守与信息报送"].indicators
    assert reporting.scoring.per == {"late": 1, "false_report": 2, "missed": 3, "concealed": 4}
    assert reporting.scoring.floor == 0
    assert indicators["duty_absences"].scoring.per == {"absence": 1}
    assert indicators["instructions_undone"].scoring.per == {"undone": 2}
    assert indicators["evaluations_on_time"] in groups["事后评估"].indicators
    assert indicators["plan_coverage"] in groups["预案体系"].indicators
    assert indicators["leader_trainings"].scoring.target == 1
    assert indicators["staff_trainings"].scoring.target == 2
    grades = {g.label: (g.low, g.high) for g in sheet.grades}
    assert grades == {"优秀": (90, 100), "达标": (60, 90), "不达标": (0, 60)}
    assert sheet.grade_of(89.9).label == "达标" and sheet.grade_of(90).label == "优秀"
    assert sheet.grade_of(59.9).label == "不达标"


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        ("report_by = 2026-12-15", "report_by = 2026-12-09",
         "report_by 2026-12-09 is not after self_assessment_by 2026-12-10"),
        ("inspection_by = 2026-12-31", "inspection_by = 2027-01-05",
         "inspection_by 2027-01-05 is not inside 2026"),
        ("approval_by = 2027-01-10", "approval_by = 2028-01-10",
         "approval_by 2028-01-10 is not inside 2026 or 2027"),
        ('due = "inspection_by"', 'due = "inspected_by"', "due names one of"),
        ('late = "accept"\nrequires = "submitted"', 'late = "accept"\nrequires = "approved"',
         "requires is one of submitted"),
        ('due = "self_assessment_by"\nlate = "accept"',
         'due = "self_assessment_by"\nlate = "never"', "late is one of accept, refuse"),
        ('[cycle.approval]\nopens_after = "report_by"',
         '[cycle.approval]\nopens_after = "approval_by"',
         "the step opens after approval_by, so it cannot be due by approval_by"),
    ],
)  # fmt: skip
def test_the_cycle_dates_and_their_rules_are_checked_naming_the_line(tmp_path, old, new, reason):
    path, line = _broken(tmp_path, old, new)
    if "\n" in new:  # the changed line is the second one
        line = _line_of(path.read_text(encoding="utf-8"), new.splitlines()[1])
    result = _run(str(path))
    assert result.returncode == 1
    assert f"{path}:{line}: " in result.stderr and reason in result.stderr, result.stderr
