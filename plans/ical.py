"""The drill calendar as RFC 5545 iCalendar, built with the icalendar package.

Times are written in the deployment's zone with its VTIMEZONE, so that a recurring drill
keeps its wall-clock time in every client. Each event is marked as an exercise (summary
prefix, CATEGORIES and X-WATCHFLOOR-EXERCISE). Cancelled drills stay in the feed with
STATUS:CANCELLED so that subscribed clients remove them; SEQUENCE grows with every change.
"""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vRecur
from shapely.geometry import shape

from command import __version__
from plans.drill_schemas import DrillOut

ICAL_STATUS = {
    "scheduled": "CONFIRMED",
    "in_progress": "CONFIRMED",
    "completed": "CONFIRMED",
    "postponed": "TENTATIVE",
    "cancelled": "CANCELLED",
}
EXERCISE_MARK = "【演练 EXERCISE】"


def _description(drill: DrillOut) -> str:
    lines = [
        "演练 EXERCISE — not a real incident",
        f"form: {drill.form}; scope: {drill.scope}; purpose: {drill.purpose}",
        f"status: {drill.status}",
        f"organizer: {drill.organizer} {drill.organizer_name}",
        f"units: {', '.join(drill.units) or '-'}",
        f"plans: {', '.join(str(p) for p in drill.plans)}",
    ]
    if drill.description:
        lines += ["", drill.description]
    return "\n".join(lines)


def _event(drill: DrillOut, zone: ZoneInfo) -> Event:
    event = Event()
    event.add("uid", f"drill-{drill.id}@watchfloor")
    event.add("dtstamp", drill.updated_at)
    event.add("created", drill.created_at)
    event.add("last-modified", drill.updated_at)
    event.add("sequence", drill.sequence)
    event.add("dtstart", drill.starts_at.astimezone(zone))
    event.add("dtend", drill.ends_at.astimezone(zone))
    if drill.rrule:
        event.add("rrule", vRecur.from_ical(drill.rrule))
    event.add("summary", f"{EXERCISE_MARK}{drill.title}")
    event.add("description", _description(drill))
    event.add("status", ICAL_STATUS[drill.status])
    event.add("categories", ["演练", "EXERCISE"])
    event.add("x-watchfloor-exercise", "TRUE")
    event.add("location", drill.organizer_name)
    if drill.location:
        centre = shape(drill.location).representative_point()
        event.add("geo", (centre.y, centre.x))
    return event


def build_calendar(drills: Sequence[DrillOut], *, name: str, zone: ZoneInfo) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", f"-//Watchfloor//Drills {__version__}//ZH")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", zone.key)
    for drill in drills:
        calendar.add_component(_event(drill, zone))
    calendar.add_missing_timezones()
    return calendar.to_ical()
