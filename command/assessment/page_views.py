"""/leadership: the leadership's charts, /readiness (the registries) and /assessment (a
unit's scorecard: self-assessment, inspection, approval), for those who read the
assessment (leaders, commanders, admins); anyone else signed in is sent to their own
page. Apache ECharts is served from node_modules, like Leaflet."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from command.auth.guard import resolve_principal
from command.auth.roles import CAPABILITIES
from command.errors import ApiError
from command.pages import HOME, ROOT, page

CAPABILITY = "assessment.read"
ECHARTS_DIR = ROOT / "node_modules" / "echarts" / "dist"
_show = page("leadership.html")
_show_readiness = page("readiness.html")
_show_assessment = page("assessment.html")


async def _allowed(request: Request) -> Response | None:
    try:
        principal = await resolve_principal(request)
    except ApiError:  # a malformed Authorization header: the page uses the cookie
        principal = None
    if principal is not None and CAPABILITY not in CAPABILITIES[principal.role]:
        return RedirectResponse(HOME.get(principal.role, "/wall"), status_code=303)
    return None


async def leadership(request: Request) -> Response:
    return await _allowed(request) or await _show(request)


async def readiness(request: Request) -> Response:
    return await _allowed(request) or await _show_readiness(request)


echarts = Mount(
    "/static/vendor/echarts", StaticFiles(directory=ECHARTS_DIR, check_dir=False), name="echarts"
)


async def assessment(request: Request) -> Response:
    return await _allowed(request) or await _show_assessment(request)
