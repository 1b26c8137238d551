"""The reviews engine, one per server process: marks overdue, once, each evaluation
whose due time passed before it was submitted and each corrective action not done by
its due date, with an event for each.

Rows are claimed with `SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL, so that several
processes never mark the same row; on SQLite the pass runs in a `BEGIN IMMEDIATE`
transaction (Database.write), which no other writer can enter. The mark is a column
(`overdue_at`), so a pass after a restart finds what fell due while the process was
down, and nothing is marked twice. The worker (command/marks.py) sleeps until the next
due time, bounded by Settings.engine_max_sleep, not on a fixed tick.
"""

from __future__ import annotations

from datetime import datetime

import structlog
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.applications import Starlette

from command.db import Database, utcnow
from command.marks import MarkWorker
from command.reviews import present
from command.reviews.models import CorrectiveAction, Evaluation

log = structlog.get_logger("watchfloor.reviews")
ACTOR = "system:reviews"
BATCH = 200


def _due_evaluations(now: datetime, limit: int):
    return (
        select(Evaluation)
        .where(Evaluation.state.in_(present.EVALUATION_OWED))
        .where(Evaluation.overdue_at.is_(None), Evaluation.due_at <= now)
        .order_by(Evaluation.due_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )


def _due_actions(now: datetime, limit: int):
    return (
        select(CorrectiveAction)
        .where(CorrectiveAction.state.in_(present.ACTION_OWED))
        .where(CorrectiveAction.overdue_at.is_(None), CorrectiveAction.due_at <= now)
        .order_by(CorrectiveAction.due_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )


async def run_pass(session: AsyncSession, *, now: datetime, limit: int = BATCH) -> int:
    """Mark what fell due by `now`; how many rows were marked."""
    marked = 0
    for evaluation in (await session.scalars(_due_evaluations(now, limit))).all():
        evaluation.overdue_at = now
        # The mark changes the evaluation as GET shows it (overdue_at, on_time): a new
        # version, so its ETag moves too. It is not a save: updated_by/at stay the writer's.
        evaluation.version += 1
        await session.flush()
        await present.record(session, "evaluation.overdue", evaluation, ACTOR)
        marked += 1
    for action in (await session.scalars(_due_actions(now, limit))).all():
        action.overdue_at = now
        await session.flush()
        await present.record_action(session, "action.overdue", action, ACTOR)
        marked += 1
    return marked


async def mark_due(db: Database, *, now: datetime | None = None) -> int:
    async with db.write() as session:
        return await run_pass(session, now=now or utcnow())


async def next_due(session: AsyncSession) -> datetime | None:
    """The earliest due time of an unmarked evaluation or action still owed."""
    evaluation = await session.scalar(
        select(func.min(Evaluation.due_at)).where(
            Evaluation.state.in_(present.EVALUATION_OWED), Evaluation.overdue_at.is_(None)
        )
    )
    action = await session.scalar(
        select(func.min(CorrectiveAction.due_at)).where(
            CorrectiveAction.state.in_(present.ACTION_OWED), CorrectiveAction.overdue_at.is_(None)
        )
    )
    return min((t for t in (evaluation, action) if t is not None), default=None)


class Worker(MarkWorker):
    def __init__(self, db: Database, *, max_sleep: float) -> None:
        super().__init__(
            db,
            name="reviews-engine",
            max_sleep=max_sleep,
            next_due=next_due,
            mark_due=lambda db, now: mark_due(db, now=now),
        )


async def start(app: Starlette) -> None:
    worker = Worker(app.state.db, max_sleep=app.state.settings.engine_max_sleep)
    app.state.reviews_engine = worker
    worker.start()


async def stop(app: Starlette) -> None:
    worker: Worker | None = getattr(app.state, "reviews_engine", None)
    if worker is not None:
        await worker.stop()
        app.state.reviews_engine = None
