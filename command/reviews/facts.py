"""What the system holds of an incident, for the evaluation's pre-filled sections: the
reports received, each reporting link's outcome (on time, late 迟报, missed 漏报), the
verdicts (瞒报, 谎报, 误报), the time the centre took to acknowledge (签收), leaders'
instructions, and the timeline from the audit trail. Read through the other domains'
query functions, never their tables."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from command.deadlines.queries import for_incident
from command.deadlines.verdicts import list_verdicts, verdict_view
from command.incidents.queries import get_incident, incident_history
from command.incidents.shapes import incident_fields, report_dict

OUTCOMES = ("met", "late", "missed", "pending")
TIMELINE_LIMIT = 200


def _reporting(obligations: list[dict[str, Any]]) -> dict[str, Any]:
    counts = Counter(ob["state"] for ob in obligations)
    return {
        "counts": {state: counts.get(state, 0) for state in OUTCOMES},
        "late": [ob for ob in obligations if ob["state"] == "late"],
        "missed": [ob for ob in obligations if ob["state"] == "missed"],
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
            {"at": h["at"], "kind": h["kind"], "actor": h["actor"]}
            for h in history[:TIMELINE_LIMIT]
        ],
    }


def information_text(facts: dict[str, Any]) -> str:
    """A first draft of 信息报送与发布 from the facts (Chinese, as offices write it)."""
    counts = facts["reporting"]["counts"]
    total = sum(counts.values())
    parts = [
        f"共形成报送时限 {total} 项：按时 {counts['met']} 项，迟报 {counts['late']} 项，"
        f"漏报 {counts['missed']} 项，未到期 {counts['pending']} 项。",
        f"收到报告 {len(facts['reports'])} 份。",
    ]
    seconds = facts["acknowledged"]["seconds"]
    if seconds is not None:
        parts.append(f"指挥中心签收用时 {round(seconds / 60)} 分钟。")
    if facts["verdicts"]:
        kinds = Counter(v["kind"] for v in facts["verdicts"] if v["state"] != "dismissed")
        names = {"concealment": "瞒报", "false_report": "谎报", "misreport": "误报"}
        listed = "、".join(f"{names.get(k, k)} {n} 起" for k, n in kinds.items())
        if listed:
            parts.append(f"认定或待认定：{listed}。")
    return "".join(parts)
