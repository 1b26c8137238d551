"""Every domain's routes, in one list for the app and the OpenAPI document."""

from __future__ import annotations

from starlette.routing import BaseRoute

from command.auth import views as auth_views
from command.units import views as unit_views


def api_routes() -> list[BaseRoute]:
    return [*auth_views.routes, *unit_views.routes]
