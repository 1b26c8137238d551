"""Periodic reviews (评估) of plans and revision tasks (修订) with their triggers."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from command.db import utcnow
from command.errors import Conflict, Invalid
from plans import service
from plans.due import refresh_due_dates
from plans.models import EFFECTIVE_STATUSES, Plan, PlanReview, RevisionTask
from plans.schemas import ReviewIn, ReviewOut, RevisionIn


def review_out(review: PlanReview) -> ReviewOut:
    return ReviewOut(
        id=review.id,
        plan=review.plan_id,
        reviewed_on=review.reviewed_on,
        outcome=review.outcome,
        notes=review.notes,
        reviewed_by=review.reviewed_by,
    )


def _ensure_in_force(plan: Plan, action: str) -> None:
    service.ensure_changeable(plan)
    if plan.status not in EFFECTIVE_STATUSES:
        raise Conflict(f"plan {plan.id} is a {plan.status}; only a plan in force can {action}")


async def open_revision(
    session: AsyncSession,
    *,
    plan: Plan,
    data: RevisionIn,
    actor: str,
    drill_id: int | None = None,
    evaluation_id: int | None = None,
) -> RevisionTask:
    """Record a reason to revise the plan; an in-force plan goes under revision."""
    _ensure_in_force(plan, "be revised")
    task = RevisionTask(
        plan_id=plan.id,
        trigger=data.trigger,
        reason=data.reason,
        status="open",
        drill_id=drill_id,
        evaluation_id=evaluation_id,
        opened_by=actor,
        opened_at=utcnow(),
    )
    session.add(task)
    if plan.status == "in_force":
        await service.set_status(session, plan, "under_revision", actor=actor)
    await session.flush()
    await service.record_plan_event(
        session, plan, kind="plan.revision_opened", actor=actor, revision=service.revision_out(task)
    )
    return task


async def close_open_tasks(session: AsyncSession, *, plan: Plan, version: int) -> list[int]:
    """A new version answers every open revision task of the plan."""
    tasks = (
        await session.scalars(
            select(RevisionTask).where(
                RevisionTask.plan_id == plan.id, RevisionTask.status == "open"
            )
        )
    ).all()
    now = utcnow()
    for task in tasks:
        task.status, task.closed_by_version, task.closed_at = "done", version, now
    return [task.id for task in tasks]


async def add_review(
    session: AsyncSession, *, plan: Plan, data: ReviewIn, actor: str, today: date
) -> PlanReview:
    _ensure_in_force(plan, "be reviewed")
    reviewed_on = data.reviewed_on or today
    if reviewed_on > today:
        raise Invalid("reviewed_on", "reviewed_on must not be in the future", bare=True)
    if plan.in_force_since and reviewed_on < plan.in_force_since:
        message = f"reviewed_on is before the plan came into force ({plan.in_force_since})"
        raise Invalid("reviewed_on", message, bare=True)
    review = PlanReview(
        plan_id=plan.id,
        reviewed_on=reviewed_on,
        outcome=data.outcome,
        notes=data.notes,
        reviewed_by=actor,
    )
    session.add(review)
    plan.last_reviewed_on = max(filter(None, (plan.last_reviewed_on, reviewed_on)))
    plan.updated_at = utcnow()
    refresh_due_dates(plan)
    await session.flush()
    await service.record_plan_event(
        session, plan, kind="plan.reviewed", actor=actor, review=review_out(review)
    )
    if data.outcome == "revise":
        reason = data.notes or f"review of {reviewed_on} found the plan needs revision"
        await open_revision(
            session, plan=plan, data=RevisionIn(trigger="review", reason=reason), actor=actor
        )
    return review


async def revisions_of(session: AsyncSession, plan: Plan) -> list[RevisionTask]:
    query = select(RevisionTask).where(RevisionTask.plan_id == plan.id).order_by(RevisionTask.id)
    return list((await session.scalars(query)).all())


async def reviews_of(session: AsyncSession, plan: Plan) -> list[PlanReview]:
    query = select(PlanReview).where(PlanReview.plan_id == plan.id).order_by(PlanReview.id)
    return list((await session.scalars(query)).all())
