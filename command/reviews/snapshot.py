"""The current state of the 'reviews' topic: the evaluations still to write (and those
submitted, awaiting acceptance) and the corrective actions still open in the subtree,
due soonest first (their clocks)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from command.config import Settings
from command.reviews.models import CorrectiveAction, Evaluation
from command.reviews.present import ACTION_OWED, EVALUATION_OWED, action_views, evaluation_views

LIMIT = 1000


async def reviews(
    *, session: AsyncSession, unit_path: str, settings: Settings
) -> list[dict[str, Any]]:
    evaluations = await session.scalars(
        select(Evaluation)
        .where(Evaluation.unit_path.startswith(unit_path, autoescape=True))
        .where(Evaluation.state.in_((*EVALUATION_OWED, "submitted")))
        .order_by(Evaluation.due_at, Evaluation.id)
        .limit(LIMIT)
    )
    actions = await session.scalars(
        select(CorrectiveAction)
        .where(CorrectiveAction.unit_path.startswith(unit_path, autoescape=True))
        .where(CorrectiveAction.state.in_(ACTION_OWED))
        .order_by(CorrectiveAction.due_at, CorrectiveAction.id)
        .limit(LIMIT)
    )
    items = await evaluation_views(session, list(evaluations))
    items += await action_views(session, list(actions))
    for item in items:  # the snapshot is for clocks and counters: the texts stay out
        for name in ("sections", "group", "plans", "recommendations", "evidence"):
            item.pop(name, None)
    return sorted(items, key=lambda item: item["due_at"])
