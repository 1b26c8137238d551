"""Corrective actions (整改措施): one per recommendation of an accepted evaluation, owned
by a unit, due by a date; the owning unit marks it done with its evidence, the leading
unit verifies it. One that names a plan opens a revision task on that plan (the plans'
own revision tasks, as drill findings do). Visible to the owning unit's subtree (and the
evaluation's readers); only the owning unit closes it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from command.auth.guard import subtree_root
from command.auth.service import Principal
from command.errors import Conflict, Forbidden, Invalid, NotFound, field_detail
from command.reviews import present
from command.reviews.models import CorrectiveAction, Evaluation
from command.reviews.schemas import ActionQuery
from command.units.models import Unit
from command.units.service import find_unit
from plans.reviews import open_revision
from plans.schemas import RevisionIn
from plans.service import get_plan

REVISION_TRIGGER = "response_findings"
COUNTED = ("open", "overdue", "done", "verified")


async def open_from(
    session: AsyncSession, *, evaluation: Evaluation, actor: str, now: datetime
) -> list[CorrectiveAction]:
    opened = []
    for position, item in enumerate(evaluation.recommendations or []):
        unit = await find_unit(session, item["unit"])
        if unit is None:
            raise Invalid(f"recommendations.{position}.unit", f"unit {item['unit']} is gone")
        action = CorrectiveAction(
            evaluation_id=evaluation.id,
            incident_id=evaluation.incident_id,
            position=position,
            owner_unit_id=unit.id,
            unit_path=unit.path,
            text=item["text"],
            due_at=datetime.fromisoformat(item["due_at"]),
            state="open",
            plan_id=item.get("plan"),
            evidence="",
            created_at=now,
        )
        if action.plan_id is not None:
            action.revision_task_id = await _revision(session, evaluation, item, position, actor)
        session.add(action)
        opened.append(action)
    await session.flush()
    return opened


async def _revision(
    session: AsyncSession, evaluation: Evaluation, item: dict[str, Any], position: int, actor: str
) -> int:
    plan = await get_plan(session, item["plan"], for_update=True)
    reason = f"incident {evaluation.incident_id} evaluation {evaluation.id}: {item['text']}"
    try:
        task = await open_revision(
            session,
            plan=plan,
            data=RevisionIn(trigger=REVISION_TRIGGER, reason=reason[:4000]),
            actor=actor,
        )
    except Conflict as exc:  # the plan is not in force: say which recommendation
        raise Conflict(exc.message, field=f"recommendations.{position}.plan") from None
    return task.id


def _in(column: Any, path: str) -> ColumnElement[bool]:
    return column.startswith(path, autoescape=True)


def _filters(query: ActionQuery, root_path: str, now: datetime) -> list[ColumnElement]:
    where = [_in(CorrectiveAction.unit_path, root_path)]
    if query.state is not None:
        where.append(CorrectiveAction.state == query.state)
    if query.evaluation is not None:
        where.append(CorrectiveAction.evaluation_id == query.evaluation)
    if query.overdue is True:
        where += [CorrectiveAction.state.in_(present.ACTION_OWED), CorrectiveAction.due_at <= now]
    return where


async def _check_evaluation_filter(
    session: AsyncSession, evaluation_id: int, principal: Principal
) -> None:
    """`evaluation=` names an evaluation the caller may list actions of: one whose incident
    or leading unit it sees, or one with an action its subtree owns. None: 422 naming the
    field; another county's: 403, as `unit=` naming another county answers."""
    evaluation = await session.get(Evaluation, evaluation_id)
    if evaluation is None:
        raise Invalid("query.evaluation", f"evaluation {evaluation_id} does not exist")
    lead = await session.get(Unit, evaluation.lead_unit_id) if evaluation.lead_unit_id else None
    if principal.sees(evaluation.unit_path) or (lead is not None and principal.sees(lead.path)):
        return
    owned = select(CorrectiveAction.id).where(
        CorrectiveAction.evaluation_id == evaluation_id,
        _in(CorrectiveAction.unit_path, principal.unit_path),
    )
    if await session.scalar(owned.limit(1)) is None:
        raise Forbidden(
            f"evaluation {evaluation_id} lies outside the subtree of unit {principal.unit_code}"
        )


async def list_actions(
    session: AsyncSession, *, query: ActionQuery, principal: Principal, now: datetime
) -> dict[str, Any]:
    """Actions owned by units of the subtree (`unit`, or the caller's), due soonest first."""
    root = await subtree_root(session, principal, query.unit)
    if query.evaluation is not None:
        await _check_evaluation_filter(session, query.evaluation, principal)
    rows = await session.scalars(
        select(CorrectiveAction)
        .where(*_filters(query, root.path, now))
        .order_by(CorrectiveAction.due_at, CorrectiveAction.id)
        .limit(query.limit)
    )
    items = await present.action_views(session, list(rows), now)
    return {"items": items, "counts": await _counts(session, root.path, now)}


async def _counts(session: AsyncSession, root_path: str, now: datetime) -> dict[str, int]:
    rows = await session.execute(
        select(
            CorrectiveAction.state,
            func.count(),
            func.sum(case((CorrectiveAction.due_at <= now, 1), else_=0)),
        )
        .where(_in(CorrectiveAction.unit_path, root_path))
        .group_by(CorrectiveAction.state)
    )
    counts = dict.fromkeys(COUNTED, 0)
    for state, number, past_due in rows.all():
        counts[state] += number
        if state in present.ACTION_OWED:
            counts["overdue"] += past_due or 0
    return counts


async def of_evaluation(
    session: AsyncSession, evaluation_id: int, principal: Principal
) -> list[dict[str, Any]]:
    rows = await session.scalars(
        select(CorrectiveAction)
        .where(CorrectiveAction.evaluation_id == evaluation_id)
        .order_by(CorrectiveAction.position)
    )
    return await present.action_views(session, list(rows))


async def _visible(session: AsyncSession, action_id: int, principal: Principal) -> CorrectiveAction:
    action = await session.scalar(
        select(CorrectiveAction).where(CorrectiveAction.id == action_id).with_for_update()
    )
    if action is None or not principal.sees(action.unit_path):
        raise NotFound("corrective action", action_id)
    return action


async def mark_done(
    session: AsyncSession,
    *,
    action_id: int,
    evidence: str,
    principal: Principal,
    now: datetime,
) -> CorrectiveAction:
    """The owning unit says it is done, with its evidence; 403 naming `unit` for anyone
    else (a superior sees the action but does not close it for its unit)."""
    action = await _visible(session, action_id, principal)
    if action.owner_unit_id != principal.unit_id:
        owner = await session.get_one(Unit, action.owner_unit_id)
        message = f"only unit {owner.code} closes corrective action {action.id}"
        raise Forbidden(message, details=[field_detail("unit", message, "owner")])
    if action.state != "open":
        raise Conflict(f"corrective action {action.id} is already {action.state}", field="state")
    if not evidence.strip():
        raise Invalid("evidence", "say what was done and where it is recorded")
    action.state, action.evidence = "done", evidence.strip()
    action.done_at, action.done_by = now, principal.subject
    await session.flush()
    await present.record_action(session, "action.done", action, principal.subject)
    return action


async def verify(
    session: AsyncSession, *, action_id: int, principal: Principal, now: datetime
) -> CorrectiveAction:
    """The evaluation's leading unit (or one above it) confirms the action was done."""
    action = await _visible(session, action_id, principal)
    evaluation = await session.get_one(Evaluation, action.evaluation_id)
    lead = await session.get(Unit, evaluation.lead_unit_id) if evaluation.lead_unit_id else None
    if lead is None or not principal.sees(lead.path):
        raise Forbidden(f"the leading unit of evaluation {evaluation.id} verifies its actions")
    if action.state != "done":
        raise Conflict(
            f"corrective action {action.id} is {action.state}; only a done one is verified",
            field="state",
        )
    action.state = "verified"
    action.verified_at, action.verified_by = now, principal.subject
    await session.flush()
    await present.record_action(session, "action.verified", action, principal.subject)
    return action
