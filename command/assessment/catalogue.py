"""What the system can measure for a unit's year, by metric name.

A "count" metric counts items of some kinds (scored by deduction per item); a "share"
metric measures a fraction between 0 and 1 (scored by bands or in proportion). The
measuring itself is in command/assessment/metrics.py.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MetricSpec:
    name: str
    kind: str  # "count", "share" or "tally" (done so many times, against a target)
    counts: tuple[str, ...] = ()
    about: str = ""


CATALOGUE = {
    spec.name: spec
    for spec in (
        MetricSpec(
            "reporting_faults",
            "count",
            ("late", "false_report", "missed", "concealed"),
            "迟报/谎报/漏报/瞒报 of the unit's subtree in the year (deadlines, verdicts)",
        ),
        MetricSpec("duty_absences", "count", ("absence",), "duty shifts nobody signed in for"),
        MetricSpec(
            "instructions_undone",
            "count",
            ("undone",),
            "leaders' instructions addressed to the subtree, due in the year, not done by due",
        ),
        MetricSpec(
            "special_plans_drilled", "share", (), "special plans in force drilled in the year"
        ),
        MetricSpec(
            "plan_coverage", "share", (), "grassroots units with a plan in force by year end"
        ),
        MetricSpec(
            "evaluations_on_time",
            "share",
            (),
            "post-incident evaluations (事后评估) due in the year and submitted on time",
        ),
        MetricSpec(
            "office_readiness",
            "share",
            (),
            "机构建设: office established, approval document, director, full-time deputy, staff",
        ),
        MetricSpec("leader_trainings", "tally", ("session",), "training sessions with leaders"),
        MetricSpec("staff_trainings", "tally", ("session",), "training sessions for staff"),
    )
}
