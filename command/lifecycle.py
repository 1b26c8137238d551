"""Background work every server process runs beside the requests: the realtime channel,
then each domain's tasks (e.g. the deadline engine), stopped in reverse order."""

from __future__ import annotations

from starlette.applications import Starlette

from command.registry import domains
from realtime import service as realtime_service


def _tasks(app: Starlette):
    return [task for domain in domains() for task in domain.tasks]


async def start_background(app: Starlette) -> None:
    await realtime_service.start(app)
    if app.state.settings.engine_enabled:
        for task in _tasks(app):
            await task.start(app)


async def stop_background(app: Starlette) -> None:
    for task in reversed(_tasks(app)):
        await task.stop(app)
    await realtime_service.stop(app)
