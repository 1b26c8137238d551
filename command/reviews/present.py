"""The one JSON shape of an evaluation and of a corrective action (API, events,
snapshots), and the events that carry them on the `reviews` topic."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from command.auth.service import subject_names
from command.db import utcnow
from command.events import record_event
from command.incidents.queries import titles
from command.preconditions import entity_tag
from command.reviews.models import CorrectiveAction, Evaluation
from command.units.models import Unit

TOPIC = "reviews"
# States whose clock still runs: an evaluation not yet submitted, an action not yet done.
EVALUATION_OWED = ("draft",)
ACTION_OWED = ("open",)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


async def _codes(session: AsyncSession, ids: set[int]) -> dict[int, Unit]:
    if not ids:
        return {}
    rows = await session.scalars(select(Unit).where(Unit.id.in_(ids)))
    return {unit.id: unit for unit in rows}


def _unit_code(path: str) -> str:
    return path.strip("/").split("/")[-1]


def evaluation_overdue(evaluation: Evaluation, now: datetime) -> bool:
    return evaluation.state in EVALUATION_OWED and now >= evaluation.due_at


def on_time(evaluation: Evaluation) -> bool | None:
    """Submitted by its due time; None while that is not known yet (or not the city's)."""
    if not evaluation.led_locally:
        return None
    if evaluation.submitted_at is not None:
        return evaluation.submitted_at <= evaluation.due_at
    return False if evaluation.overdue_at is not None else None


def etag(evaluation: Evaluation) -> str:
    """The evaluation's entity tag: it moves with `version`, bumped by every write."""
    return entity_tag(evaluation.id, evaluation.version)


def evaluation_dict(
    evaluation: Evaluation,
    lead: Unit | None,
    title: str,
    now: datetime,
    names: dict[str, str] | None = None,
) -> dict[str, Any]:
    """`names`: the name each writer's subject goes by (auth's subject_names)."""
    names = names or {}
    return {
        "id": evaluation.id,
        "kind": "evaluation",
        "incident": evaluation.incident_id,
        "incident_title": title,
        "unit": _unit_code(evaluation.unit_path),
        "lead_unit": lead.code if lead is not None else None,
        "lead_unit_name": lead.name if lead is not None else "",
        "lead_unit_name_en": lead.name_en if lead is not None else "",
        "lead_tier": evaluation.lead_tier,
        "led_locally": evaluation.led_locally,
        "rule": evaluation.rule,
        "source": evaluation.source,
        "opened_at": _iso(evaluation.opened_at),
        "due_at": _iso(evaluation.due_at),
        "state": evaluation.state,
        "owed": evaluation.state in EVALUATION_OWED,
        "overdue": evaluation_overdue(evaluation, now),
        "overdue_at": _iso(evaluation.overdue_at),
        "on_time": on_time(evaluation),
        "group": evaluation.group,
        "sections": evaluation.sections,
        "plans": evaluation.plans,
        "recommendations": evaluation.recommendations,
        "updated_at": _iso(evaluation.updated_at),
        "updated_by": evaluation.updated_by,
        "updated_by_name": names.get(evaluation.updated_by, ""),
        "submitted_at": _iso(evaluation.submitted_at),
        "submitted_by": evaluation.submitted_by,
        "submitted_by_name": names.get(evaluation.submitted_by or "", ""),
        "accepted_at": _iso(evaluation.accepted_at),
        "accepted_by": evaluation.accepted_by,
        "accepted_by_name": names.get(evaluation.accepted_by or "", ""),
        "version": evaluation.version,
    }


async def evaluation_views(
    session: AsyncSession, evaluations: list[Evaluation], now: datetime | None = None
) -> list[dict[str, Any]]:
    now = now or utcnow()
    leads = await _codes(session, {e.lead_unit_id for e in evaluations if e.lead_unit_id})
    names = await titles(session, {e.incident_id for e in evaluations})
    writers = await subject_names(
        session,
        {s for e in evaluations for s in (e.updated_by, e.submitted_by, e.accepted_by) if s},
    )
    return [
        evaluation_dict(e, leads.get(e.lead_unit_id), names.get(e.incident_id, ""), now, writers)
        for e in evaluations
    ]


async def evaluation_view(session: AsyncSession, evaluation: Evaluation) -> dict[str, Any]:
    return (await evaluation_views(session, [evaluation]))[0]


def action_overdue(action: CorrectiveAction, now: datetime) -> bool:
    return action.state in ACTION_OWED and now >= action.due_at


def action_dict(action: CorrectiveAction, owner: Unit, title: str, now: datetime) -> dict[str, Any]:
    return {
        "id": action.id,
        "kind": "action",
        "evaluation": action.evaluation_id,
        "incident": action.incident_id,
        "incident_title": title,
        "position": action.position,
        "unit": owner.code,
        "unit_name": owner.name,
        "unit_name_en": owner.name_en,
        "text": action.text,
        "due_at": _iso(action.due_at),
        "state": action.state,
        "owed": action.state in ACTION_OWED,
        "overdue": action_overdue(action, now),
        "overdue_at": _iso(action.overdue_at),
        "plan": action.plan_id,
        "revision_task": action.revision_task_id,
        "evidence": action.evidence,
        "done_at": _iso(action.done_at),
        "done_by": action.done_by,
        "verified_at": _iso(action.verified_at),
        "verified_by": action.verified_by,
        "created_at": _iso(action.created_at),
    }


async def action_views(
    session: AsyncSession, actions: list[CorrectiveAction], now: datetime | None = None
) -> list[dict[str, Any]]:
    now = now or utcnow()
    owners = await _codes(session, {a.owner_unit_id for a in actions})
    names = await titles(session, {a.incident_id for a in actions})
    return [
        action_dict(a, owners[a.owner_unit_id], names.get(a.incident_id, ""), now) for a in actions
    ]


async def record(
    session: AsyncSession, kind: str, evaluation: Evaluation, actor: str, **extra: Any
) -> dict[str, Any]:
    view = await evaluation_view(session, evaluation)
    record_event(
        session,
        topic=TOPIC,
        kind=kind,
        entity=f"evaluation:{evaluation.id}",
        unit_path=evaluation.unit_path,
        payload={**view, **extra},
        actor=actor,
    )
    return view


async def record_action(
    session: AsyncSession, kind: str, action: CorrectiveAction, actor: str
) -> dict[str, Any]:
    view = (await action_views(session, [action]))[0]
    record_event(
        session,
        topic=TOPIC,
        kind=kind,
        entity=f"action:{action.id}",
        unit_path=action.unit_path,
        payload=view,
        actor=actor,
    )
    return view
