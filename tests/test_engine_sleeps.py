"""The engines' sleeps on their own: a shutdown's cancellation is never swallowed."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from command.deadlines.engine import Worker as DeadlineWorker
from command.reviews.engine import Worker as ReviewsWorker


async def _cancelled_as_woken(worker, sleep) -> None:
    waiting = asyncio.create_task(sleep)
    await asyncio.sleep(0.01)
    worker._wake.set()  # a commit nudges the engine …
    waiting.cancel()  # … and the shutdown's cancellation lands before the sleep runs again
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(waiting, 2)


async def test_the_deadline_engine_cancelled_as_it_is_woken_stops():
    """The app's shutdown cancels the engine; a nudge in the same instant (the last
    write's obligation) must not swallow that cancellation, or the engine loops on and
    the shutdown waits for it forever."""
    worker = DeadlineWorker(None, max_sleep=30)  # the sleep touches no database
    await _cancelled_as_woken(worker, worker._sleep(timedelta(seconds=30)))


async def test_the_reviews_engine_cancelled_as_it_is_woken_stops():
    worker = ReviewsWorker(None, max_sleep=30)
    await _cancelled_as_woken(worker, worker._sleep(30))
