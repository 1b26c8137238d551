"""Every domain's routes, in one list for the app and the OpenAPI document."""

from __future__ import annotations

from starlette.routing import BaseRoute

from command import pages
from command.auth import views as auth_views
from command.deadlines import views as deadline_views
from command.incidents import views as incident_views
from command.interop import views as interop_views
from command.units import views as unit_views
from plans import views as plan_views
from realtime import views as realtime_views


def api_routes() -> list[BaseRoute]:
    return [
        *auth_views.routes,
        *unit_views.routes,
        *incident_views.routes,
        *interop_views.routes,
        *deadline_views.routes,
        *plan_views.routes,
        *realtime_views.routes,
        *pages.routes,
    ]
