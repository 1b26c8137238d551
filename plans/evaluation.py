"""Evaluation after a drill (2013 art. 23); findings open revision tasks on the plans.

A drill is evaluated once, after it is completed. A recurring drill is evaluated per
occurrence, once that occurrence has ended; the evaluation is the record that the
occurrence was held, so it also counts as the last drill of the plans exercised.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from command.auth.service import Principal
from command.errors import Conflict, Invalid
from plans import drill_queries as queries
from plans.clock import Clock
from plans.drill_schemas import EVALUATION_ITEMS, EvaluationIn, EvaluationOut, FindingIn, ItemIn
from plans.drills import credit_plans, record_drill_event
from plans.models import Drill, DrillEvaluation, RevisionTask
from plans.recurrence import is_occurrence
from plans.reviews import open_revision
from plans.schemas import RevisionIn
from plans.service import get_plan


def evaluation_out(evaluation: DrillEvaluation, tasks: list[int]) -> EvaluationOut:
    items = {name: ItemIn.model_validate(evaluation.items[name]) for name in EVALUATION_ITEMS}
    return EvaluationOut(
        id=evaluation.id,
        drill=evaluation.drill_id,
        occurrence=evaluation.occurrence_start,
        suggestions=evaluation.suggestions,
        findings=[FindingIn.model_validate(f) for f in evaluation.findings],
        revision_tasks=tasks,
        evaluated_by=evaluation.evaluated_by,
        created_at=evaluation.created_at,
        **items,
    )


def _occurrence(drill: Drill, data: EvaluationIn, clock: Clock) -> datetime:
    """The start of the occurrence evaluated, or 409/422 when it cannot be evaluated."""
    if drill.status == "cancelled":
        raise Conflict(f"drill {drill.id} was cancelled; there is nothing to evaluate")
    start = (data.occurrence or drill.starts_at).astimezone(UTC)
    if drill.rrule is None:
        if start != drill.starts_at:
            message = f"occurrence is not the start of drill {drill.id}"
            raise Invalid("occurrence", message, bare=True)
        if drill.status != "completed":
            raise Conflict(f"drill {drill.id} is {drill.status}; evaluate it once completed")
        return start
    if not is_occurrence(start, drill.starts_at, drill.ends_at, drill.rrule, clock.zone):
        message = f"{start.isoformat()} is not an occurrence of drill {drill.id}"
        raise Invalid("occurrence", message, bare=True)
    if start + (drill.ends_at - drill.starts_at) > clock.now + clock.skew:
        raise Conflict("that occurrence has not ended yet; evaluate it afterwards")
    return start


async def _check_unique(session: AsyncSession, drill: Drill, start: datetime) -> None:
    existing = await session.scalar(
        select(DrillEvaluation.id).where(
            DrillEvaluation.drill_id == drill.id, DrillEvaluation.occurrence_start == start
        )
    )
    if existing is not None:
        raise Conflict(f"drill {drill.id} was already evaluated (evaluation {existing})")


async def _check_findings(session: AsyncSession, drill: Drill, data: EvaluationIn) -> None:
    drilled = {plan.id for plan in await queries.plans_of(session, drill.id)}
    for index, finding in enumerate(data.findings):
        if finding.plan is not None and finding.plan not in drilled:
            message = f"plan {finding.plan} was not exercised by drill {drill.id}"
            field = f"findings.{index}.plan"
            raise Invalid(field, f"{field}: {message}", bare=True)


async def _open_tasks(
    session: AsyncSession,
    drill: Drill,
    evaluation: DrillEvaluation,
    data: EvaluationIn,
    actor: str,
) -> list[RevisionTask]:
    tasks = []
    for finding in data.findings:
        if not finding.revise or finding.plan is None:
            continue
        plan = await get_plan(session, finding.plan, for_update=True)
        # The finding's own words: the task names its drill and evaluation by id, and the
        # pages say "from the drill «…»" in their language (no English in a Chinese page).
        tasks.append(
            await open_revision(
                session,
                plan=plan,
                data=RevisionIn(trigger="drill_findings", reason=finding.text),
                actor=actor,
                drill_id=drill.id,
                evaluation_id=evaluation.id,
            )
        )
    return tasks


def _row(
    drill: Drill, data: EvaluationIn, start: datetime, actor: str, clock: Clock
) -> DrillEvaluation:
    return DrillEvaluation(
        drill_id=drill.id,
        occurrence_start=start,
        items={name: getattr(data, name).model_dump() for name in EVALUATION_ITEMS},
        suggestions=data.suggestions,
        findings=[finding.model_dump() for finding in data.findings],
        evaluated_by=actor,
        created_at=clock.now,
    )


async def evaluate_drill(
    session: AsyncSession,
    *,
    drill: Drill,
    data: EvaluationIn,
    principal: Principal,
    clock: Clock,
) -> EvaluationOut:
    start = _occurrence(drill, data, clock)
    await _check_unique(session, drill, start)
    await _check_findings(session, drill, data)
    evaluation = _row(drill, data, start, principal.subject, clock)
    session.add(evaluation)
    await session.flush()
    tasks = await _open_tasks(session, drill, evaluation, data, principal.subject)
    if drill.rrule is not None:
        held_until = start + (drill.ends_at - drill.starts_at)
        await credit_plans(
            session, drill, held_until=held_until, clock=clock, actor=principal.subject
        )
    out = evaluation_out(evaluation, [task.id for task in tasks])
    await record_drill_event(
        session,
        drill,
        kind="drill.evaluated",
        actor=principal.subject,
        clock=clock,
        evaluation=out.model_dump(mode="json"),
    )
    return out


async def evaluations_of(session: AsyncSession, drill: Drill) -> list[EvaluationOut]:
    """The drill's saved evaluations, by occurrence, each with the revision tasks it opened."""
    rows = (
        await session.scalars(
            select(DrillEvaluation)
            .where(DrillEvaluation.drill_id == drill.id)
            .order_by(DrillEvaluation.occurrence_start)
        )
    ).all()
    tasks = await session.execute(
        select(RevisionTask.evaluation_id, RevisionTask.id)
        .where(RevisionTask.evaluation_id.in_([row.id for row in rows]))
        .order_by(RevisionTask.id)
    )
    opened: dict[int, list[int]] = {}
    for evaluation_id, task_id in tasks.all():
        opened.setdefault(evaluation_id, []).append(task_id)
    return [evaluation_out(row, opened.get(row.id, [])) for row in rows]
