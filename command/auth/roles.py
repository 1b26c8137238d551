"""What each role may do. A credential acts only inside its own unit's subtree."""

from __future__ import annotations

ROLES = ("admin", "commander", "reporter", "coordinator", "display", "leader")

_READ = {
    "units.read",
    "incidents.read",
    "deadlines.read",
    "compliance.read",
    "plans.read",
    "drills.read",
    "duty.read",
    "reviews.read",
    "realtime",
}

# The year-end assessment: leaders read it; commanders and admins submit a unit's own
# self-assessment and, from above the unit, inspect and approve it.
_ASSESS = {"assessment.read", "assessment.submit", "assessment.inspect"}

CAPABILITIES: dict[str, frozenset[str]] = {
    "display": frozenset(_READ),
    "leader": frozenset(_READ | {"assessment.read"}),
    "reporter": frozenset(_READ | {"incidents.report", "reviews.close"}),
    "coordinator": frozenset(_READ | {"plans.manage", "drills.manage"}),
    "commander": frozenset(
        _READ
        | {
            "incidents.report",
            "incidents.manage",
            "deadlines.judge",
            "drills.manage",
            "duty.manage",
            "reviews.write",
            "reviews.close",
            *_ASSESS,
        }
    ),
    "admin": frozenset(
        _READ
        | {
            "incidents.report",
            "incidents.manage",
            "deadlines.judge",
            "plans.manage",
            "drills.manage",
            "duty.manage",
            "units.manage",
            "accounts.manage",
            "reviews.write",
            "reviews.close",
            "reviews.accept",
            *_ASSESS,
        }
    ),
}
