"""What the system holds of an incident, for the evaluation's pre-filled sections: the
reports received, each reporting link's outcome (on time, late 迟报, missed 漏报), the
verdicts (瞒报, 谎报, 误报), the time the centre took to acknowledge (签收), leaders'
instructions, and the timeline from the audit trail. Read through the other domains'
query functions, never their tables."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from command.auth.service import subject_names
from command.deadlines.queries import for_incident
from command.deadlines.verdicts import list_verdicts, verdict_view
from command.incidents.queries import get_incident, incident_history
from command.incidents.shapes import incident_fields, report_dict
from command.reviews.words import duration, link_label, local_time
from command.units.models import Unit

# overdue: still pending past its due time (超时未报), not yet marked missed by the engine.
OUTCOMES = ("met", "late", "missed", "overdue", "pending")
TIMELINE_LIMIT = 200
VERDICTS = {"concealment": "瞒报", "false_report": "谎报", "misreport": "误报"}


def outcome(ob: dict[str, Any]) -> str:
    """A link's outcome: met, late, missed; pending past its due time is overdue."""
    return "overdue" if ob["state"] == "pending" and ob.get("overdue") else ob["state"]


def _reporting(obligations: list[dict[str, Any]]) -> dict[str, Any]:
    counts = Counter(outcome(ob) for ob in obligations)
    return {
        "counts": {state: counts.get(state, 0) for state in OUTCOMES},
        "late": [ob for ob in obligations if ob["state"] == "late"],
        "missed": [ob for ob in obligations if ob["state"] == "missed"],
        "overdue": [ob for ob in obligations if outcome(ob) == "overdue"],
        "obligations": obligations,
    }


def _acknowledged(incident: Any) -> dict[str, Any]:
    seconds = None
    if incident.acknowledged_at is not None:
        seconds = (incident.acknowledged_at - incident.received_at).total_seconds()
    return {
        "at": incident.acknowledged_at.isoformat() if incident.acknowledged_at else None,
        "by": incident.acknowledged_by,
        "seconds": seconds,
    }


async def incident_facts(session: AsyncSession, incident_id: int) -> dict[str, Any]:
    incident = await get_incident(session=session, incident_id=incident_id)
    obligations = [ob for ob in await for_incident(session, incident_id)]
    verdicts, _ = await list_verdicts(session, within="/", incident_id=incident_id, limit=1000)
    history = await incident_history(session=session, incident_id=incident_id)
    return {
        "incident": incident_fields(incident),
        "reports": [report_dict(r) for r in incident.reports],
        "reporting": _reporting(obligations),
        "verdicts": [verdict_view(v, code) for v, code in verdicts],
        "acknowledged": _acknowledged(incident),
        "timeline": [
            {"at": h["at"], "kind": h["kind"], "actor": h["actor"], "changes": _shown(h)}
            for h in history[:TIMELINE_LIMIT]
        ],
    }


def _shown(entry: dict[str, Any]) -> dict[str, Any]:
    """Of a history entry's changes, those the timeline puts in words (status, level)."""
    changes = entry.get("changes") or {}
    return {k: changes[k] for k in ("status", "level") if isinstance(changes.get(k), dict)}


async def names_of(
    session: AsyncSession, facts: dict[str, Any], recommendations: list[dict[str, Any]] = ()
) -> dict[str, Any]:
    """The names the texts and the report give what the facts (and the recommendations)
    name by code or subject: units {code: {name, name_en}}, actors {subject: name}."""
    codes = {facts["incident"]["unit"]}
    for ob in facts["reporting"]["obligations"]:
        codes |= {ob["unit"], ob["to_unit"]}
    codes |= {v["unit"] for v in facts["verdicts"]}
    codes |= {r["unit"] for r in recommendations if r.get("unit")}
    units = {
        unit.code: unit
        for unit in await session.scalars(select(Unit).where(Unit.code.in_(codes - {""})))
    }
    subjects = {h["actor"] for h in facts["timeline"] if h.get("actor")}
    return {
        "units": {
            code: {"name": unit.name, "name_en": unit.name_en or unit.name}
            for code, unit in units.items()
        },
        "actors": await subject_names(session, subjects),
    }


def unit_label(code: str, names: dict[str, Any], lang: str = "zh") -> str:
    unit = (names.get("units") or {}).get(code)
    if unit is None:
        return code
    return unit["name_en"] if lang == "en" else unit["name"]


def information_text(facts: dict[str, Any], names: dict[str, Any], zone: tzinfo) -> str:
    """A first draft of 信息报送与发布 from the facts (Chinese, as offices write it): the
    counts of the reporting links, which were late (by how much) and which missed, the
    reports received, the time to acknowledge, the verdicts."""
    reporting = facts["reporting"]
    counts = reporting["counts"]
    total = sum(counts.values())

    def link(ob: dict[str, Any]) -> str:
        return f"{link_label(ob)}{unit_label(ob['unit'], names)}→{unit_label(ob['to_unit'], names)}"

    parts = [
        f"共形成报送时限 {total} 项：按时 {counts['met']} 项，迟报 {counts['late']} 项，"
        f"漏报 {counts['missed']} 项，"
        + (f"超时未报 {counts['overdue']} 项，" if counts["overdue"] else "")
        + f"未到期 {counts['pending']} 项。",
    ]
    if reporting["late"]:
        late = [
            f"{link(ob)}（迟{duration(_at(ob['met_at']) - _at(ob['due_at']))}）"
            if ob.get("met_at")
            else link(ob)
            for ob in reporting["late"]
        ]
        parts.append(f"迟报：{'；'.join(late)}。")
    if reporting["missed"]:
        missed = [
            f"{link(ob)}（时限 {local_time(ob['due_at'], zone)}）" for ob in reporting["missed"]
        ]
        parts.append(f"漏报：{'；'.join(missed)}。")
    if reporting["overdue"]:
        overdue = [
            f"{link(ob)}（时限 {local_time(ob['due_at'], zone)}）" for ob in reporting["overdue"]
        ]
        parts.append(f"超时未报：{'；'.join(overdue)}。")
    parts.append(f"收到报告 {len(facts['reports'])} 份。")
    seconds = facts["acknowledged"]["seconds"]
    if seconds is not None:
        parts.append(f"指挥中心签收用时 {round(seconds / 60)} 分钟。")
    if facts["verdicts"]:
        kinds = Counter(v["kind"] for v in facts["verdicts"] if v["state"] != "dismissed")
        listed = "、".join(f"{VERDICTS.get(k, k)} {n} 起" for k, n in kinds.items())
        if listed:
            parts.append(f"认定或待认定：{listed}。")
    return "".join(parts)


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)
