"""Year-end readiness against the speech's targets, with the days left: every county's
应急办 established and staffed (and every department's incident-information liaison
named); every township, village, school and enterprise with a plan in force; every special
and department plan drilled within three years; the requirements checklist
(command/assessment/requirements.toml)."""

from __future__ import annotations

import tomllib
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from command.assessment import readiness
from command.assessment.scorecards import scorecard
from command.assessment.sheetfile import shipped_sheets
from command.units.models import Unit
from command.units.service import subtree
from plans.coverage import coverage_table
from plans.service import plans_in_force

REQUIREMENTS_FILE = Path(__file__).with_name("requirements.toml")


@cache
def requirements() -> dict[str, Any]:
    data = tomllib.loads(REQUIREMENTS_FILE.read_text(encoding="utf-8"))
    keys = [r["key"] for r in data["requirements"]]
    if len(keys) != len(set(keys)):
        raise ValueError(f"{REQUIREMENTS_FILE.name}: requirement keys repeat")
    known = {ind.key for sheet in shipped_sheets() for _, ind in sheet.indicators()}
    for item in data["requirements"]:
        unknown = sorted(set(item.get("indicators", [])) - known)
        if unknown:  # a requirement naming no real indicator would read as met by all
            raise ValueError(
                f"{REQUIREMENTS_FILE.name}: {item['key']} names indicators no sheet has: "
                + ", ".join(unknown)
            )
    return data


def _target(today: date) -> date:
    month, day = requirements()["target"].split("-")
    return date(today.year, int(month), int(day))


def _row(unit: Unit, checks: dict[str, bool]) -> dict[str, Any]:
    return {"unit": unit.code, "name": unit.name, "name_en": unit.name_en, "checks": checks,
            "met": all(checks.values())}  # fmt: skip


async def _offices(session: AsyncSession, root: Unit) -> tuple[list[dict], list[dict]]:
    """Each county's 应急办 (established and staffed) and each department's liaison."""
    counties = [u for u in await subtree(session, root, tier="county") if u.kind == "area"]
    departments = await subtree(session, root, kind="department")
    offices = await readiness.offices_in(session, root_path=root.path)
    return (
        [_row(u, readiness.office_checks(offices.get(u.id))) for u in counties],
        [_row(u, readiness.liaison_checks(offices.get(u.id))) for u in departments],
    )


def _years_before(day: date, years: int) -> date:
    """The same day `years` earlier; 29 February falls back to the 28th."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


async def _drills(session: AsyncSession, root: Unit, today: date) -> dict[str, Any]:
    years = requirements()["drill_years"]
    since = _years_before(today, years)
    plans = await plans_in_force(session, root=root, types=("special", "department"))
    due = [
        {"id": p.id, "title": p.title, "unit": p.unit, "type": p.type,
         "last_drilled_on": p.last_drilled_on.isoformat() if p.last_drilled_on else None}
        for p in plans
        if p.last_drilled_on is None or p.last_drilled_on < since
    ]  # fmt: skip
    return {"plans": len(plans), "drilled": len(plans) - len(due), "since": str(since), "due": due}


async def _checklist(session, root: Unit, year: int, now: datetime) -> list[dict[str, Any]]:
    cards = []
    for unit in await subtree(session, root):
        card = await scorecard(session, unit=unit, year=year, now=now)
        if card is not None:
            cards.append(card)
    return [_requirement(requirement, cards) for requirement in requirements()["requirements"]]


def _evidence(point: dict[str, Any]) -> dict[str, Any]:
    """What shows an indicator met: the files uploaded for a manual one, the records
    counted for a computed one."""
    return {"indicator": point["indicator"], "title": point["title"], "points": point["points"],
            "max": point["max"], "source": point["source"],
            "files": [{"id": e["id"], "filename": e["filename"], "kind": e["kind"]}
                      for e in point.get("evidence", [])],
            "records": len(point.get("records", []))}  # fmt: skip


def _requirement(requirement: dict[str, Any], cards: list[dict]) -> dict[str, Any]:
    keys = requirement.get("indicators", [])
    units = []
    for card in cards:
        points = [p for p in card["points"] if p["indicator"] in keys]
        units.append({"unit": card["unit"], "name": card["name"], "name_en": card["name_en"],
                      "met": all(p["points"] >= p["max"] for p in points),
                      "evidence": [_evidence(p) for p in points]})  # fmt: skip
    return {"key": requirement["key"], "title": requirement["title"],
            "title_en": requirement.get("title_en", ""), "indicators": keys,
            "units": len(cards), "met": sum(u["met"] for u in units),
            "not_met": [u["unit"] for u in units if not u["met"]], "by_unit": units}  # fmt: skip


async def readiness_view(
    session: AsyncSession, *, root: Unit, today: date, now: datetime
) -> dict[str, Any]:
    target = _target(today)
    coverage = await coverage_table(session, root=root, target=target)
    offices, liaisons = await _offices(session, root)
    return {
        "unit": root.code,
        "target": target.isoformat(),
        "days_left": (target - today).days,
        "offices": {
            "counties": len(offices),
            "met": sum(o["met"] for o in offices),
            "rows": offices,
        },  # fmt: skip
        "liaisons": {
            "departments": len(liaisons),
            "met": sum(d["met"] for d in liaisons),
            "rows": liaisons,
        },
        "coverage": {
            "required": coverage.overall.required,
            "covered": coverage.overall.covered,
            "missing": coverage.overall.missing,
        },
        "drills": await _drills(session, root, today),
        "requirements": await _checklist(session, root, today.year, now),
    }
