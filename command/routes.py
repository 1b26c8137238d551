"""Every domain's routes, in one list for the app and the OpenAPI document."""

from __future__ import annotations

from starlette.routing import BaseRoute

from command import pages
from command.registry import domains
from realtime import views as realtime_views


def api_routes() -> list[BaseRoute]:
    routes: list[BaseRoute] = []
    for domain in domains():
        routes += domain.routes()
    return [*routes, *realtime_views.routes, *pages.routes]
