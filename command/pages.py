"""The bundled pages: wall display, field report page, plans and drills, sign-in.

Each page is a static HTML file from static/ with the deployment's settings and the
signed-in caller put in a JSON block, so its scripts need no extra round trip. A page
that needs a caller sends an anonymous visitor to /login first. Browser libraries come
from node_modules (installed by `make install`), never copied into the repository.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from command.auth.guard import KIOSK_ROLE, resolve_principal
from command.auth.roles import CAPABILITIES
from command.auth.service import Principal, principal_for_token, usernames_present
from command.auth.sessions import COOKIE_KEY, open_session
from command.config import Settings
from command.errors import ApiError
from command.units.service import chain_of, to_out
from command.vocabulary import vocabulary

ROOT = Path(__file__).resolve().parent.parent
STATIC_DIR = ROOT / "static"
LEAFLET_DIR = ROOT / "node_modules" / "leaflet" / "dist"
# Where "/" sends each role.
HOME = {
    "display": "/wall",
    "reporter": "/report",
    "coordinator": "/plans",
    "commander": "/desk",
    "admin": "/desk",
    "leader": "/leadership",
}


# The navigation bar of every page but the wall: each page, the roles it is for, and the
# string key of its name (static/js/strings). An entry shows only once its route exists, so
# a page another domain adds appears here by being listed, and nothing links to a 404.
NAV = (
    ("/wall", "nav.wall", ("display", "commander", "admin")),
    ("/desk", "nav.desk", ("commander", "admin")),
    ("/duty", "nav.duty", ("commander", "admin")),
    ("/report", "nav.report", ("reporter", "commander", "admin")),
    ("/plans", "nav.plans", ("coordinator", "commander", "admin")),
    ("/reviews", "nav.reviews", ("reporter", "coordinator", "commander", "admin", "leader")),
    ("/leadership", "nav.leadership", ("commander", "admin", "leader")),
    ("/readiness", "nav.readiness", ("commander", "admin", "leader")),
    ("/assessment", "nav.assessment", ("commander", "admin", "leader")),
    ("/admin", "nav.admin", ("admin",)),
)


# What the field report page needs to open without signal (its service worker caches it).
OFFLINE_PAGE = "/report"
OFFLINE_ASSETS = (
    "css/base.css",
    "css/forms.css",
    "css/report.css",
    "icons/favicon.svg",
    "js/*.js",
    "js/strings/*.js",
    "js/report/*.js",
)
OFFLINE_VENDOR = ("leaflet.css", "leaflet-src.esm.js")
SERVICE_WORKER = "js/report/sw.js"


@cache
def _template(name: str) -> str:
    return (STATIC_DIR / name).read_text(encoding="utf-8")


@cache
def offline_manifest() -> dict[str, Any]:
    """The URLs the report page's service worker caches, and a version that changes
    whenever one of our files does (so the worker replaces its cache)."""
    files = sorted(
        path
        for pattern in OFFLINE_ASSETS
        for path in STATIC_DIR.glob(pattern)
        if path != STATIC_DIR / SERVICE_WORKER
    )
    digest = hashlib.sha256()
    for path in [*files, STATIC_DIR / "report.html", STATIC_DIR / SERVICE_WORKER]:
        digest.update(path.read_bytes())
    urls = [f"/static/{path.relative_to(STATIC_DIR).as_posix()}" for path in files]
    urls += [f"/static/vendor/leaflet/{name}" for name in OFFLINE_VENDOR]
    return {"version": digest.hexdigest()[:16], "assets": [OFFLINE_PAGE, *urls]}


async def report_worker(_request: Request) -> Response:
    """/report-sw.js: served from the root so that it may control /report."""
    head = f"self.WATCHFLOOR_OFFLINE = {json.dumps(offline_manifest())};\n"
    return Response(
        head + _template(SERVICE_WORKER),
        media_type="text/javascript",
        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
    )


def _config_block(config: dict[str, Any]) -> str:
    # "<" escaped, so no value can close the script element it sits in.
    text = json.dumps(config, ensure_ascii=False).replace("<", "\\u003c")
    return f'<script type="application/json" id="wf-config">{text}</script>'


def _tile_origin(tile_url: str) -> str | None:
    """The origin a tile URL template loads from, as a CSP source ({s} → any subdomain)."""
    parts = urlsplit(tile_url.replace("{s}", "*"))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname}{port}"


def security_headers(settings: Settings) -> dict[str, str]:
    tiles = _tile_origin(settings.tile_url) if settings.tile_url else None
    images = "'self' data:" + (f" {tiles}" if tiles else "")
    policy = (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        f"img-src {images}; connect-src 'self'; font-src 'self'; object-src 'none'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
    return {
        "Content-Security-Policy": policy,
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-store",
    }


def _caller(principal: Principal | None) -> dict[str, Any] | None:
    if principal is None:
        return None
    return {**principal.as_dict(), "capabilities": sorted(CAPABILITIES[principal.role])}


def _page_paths(app: Any) -> frozenset[str]:
    """The paths the app serves (read once per app: routes do not change once built)."""
    paths = getattr(app.state, "page_paths", None)
    if paths is None:
        paths = frozenset(route.path for route in app.routes if isinstance(route, Route))
        app.state.page_paths = paths
    return paths


def navigation(request: Request, principal: Principal | None) -> list[dict[str, str]]:
    """The pages the caller's role may open, in the bar's order."""
    if principal is None:
        return []
    present = _page_paths(request.app)
    return [
        {"path": path, "label": label}
        for path, label, roles in NAV
        if principal.role in roles and path in present
    ]


def render(
    request: Request, name: str, principal: Principal | None, *, status: int = 200, **extra: Any
) -> HTMLResponse:
    settings: Settings = request.app.state.settings
    config = {
        "tile_url": settings.tile_url,
        "timezone": settings.timezone,
        "caller": _caller(principal),
        "nav": navigation(request, principal),
        "topics": sorted(request.app.state.topics),
        "vocabulary": vocabulary(),
        **extra,
    }
    html = _template(name).replace("</head>", _config_block(config) + "\n</head>", 1)
    return HTMLResponse(html, status_code=status, headers=security_headers(settings))


async def _session_caller(request: Request) -> Principal | None:
    try:
        return await resolve_principal(request)
    except ApiError:  # a malformed Authorization header: the pages use the cookie
        return None


def _to_login(request: Request) -> RedirectResponse:
    return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)


async def _home_unit(request: Request, principal: Principal) -> dict[str, Any]:
    """The caller's unit, so that a page can centre its map before any request, and the
    units above it (whom it reports to), so that a page names them without reading
    outside the caller's subtree."""
    async with request.app.state.db.read() as session:
        chain = await chain_of(session, principal.unit_path)
    if not chain:
        return {"unit": None, "superiors": []}
    home, *above = chain
    return {
        "unit": to_out(home).model_dump(),
        "superiors": [to_out(unit).model_dump() for unit in above],
    }


def page(
    name: str,
    config: Callable[[AsyncSession], dict[str, Any]] | None = None,
    *,
    roles: tuple[str, ...] | None = None,
):
    """A signed-in page; `config(session)` adds the page's own entries to its config block
    (data the server owns, e.g. the ruleset's facts), read in a read transaction. With
    `roles`, any other role is sent to its own home page."""

    async def endpoint(request: Request) -> Response:
        principal = await _session_caller(request)
        if principal is None:
            return _to_login(request)
        if roles is not None and principal.role not in roles:
            return RedirectResponse(HOME.get(principal.role, "/wall"), status_code=303)
        extra: dict[str, Any] = {}
        if config is not None:
            async with request.app.state.db.read() as session:
                extra = config(session)
        home = await _home_unit(request, principal)
        return render(request, name, principal, **home, **extra)

    return endpoint


async def wall(request: Request) -> Response:
    token = request.query_params.get("token")
    if token is not None:
        return await kiosk_sign_in(request, token)
    return await page("wall.html")(request)


async def kiosk_sign_in(request: Request, token: str) -> Response:
    """`/wall?token=…`: a display token signs this screen in; the address loses the token."""
    async with request.app.state.db.read() as session:
        principal = await principal_for_token(session, token.strip())
    if principal is None:
        return render(request, "login.html", None, status=401, notice="kiosk_invalid")
    if principal.role != KIOSK_ROLE:
        return render(request, "login.html", None, status=403, notice="kiosk_role")
    settings = request.app.state.settings
    async with request.app.state.db.write() as session:
        sid = await open_session(
            session,
            hours=settings.session_hours,
            token_id=int(principal.subject.removeprefix("token:")),
            address=request.client.host if request.client else "",
            user_agent=request.headers.get("user-agent", ""),
        )
    request.session.clear()
    request.session[COOKIE_KEY] = sid
    response = RedirectResponse("/wall", status_code=303)
    response.headers.update(security_headers(request.app.state.settings))
    return response


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never another host (an open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


# The demo users, one per role, in the order a newcomer meets them (command/demo.py).
DEMO_ROLES = ("commander", "display", "reporter", "coordinator", "admin")


async def _demo_users(request: Request) -> list[dict[str, str]]:
    """The demo users this database has, with the page each lands on."""
    names = [f"demo-{role}" for role in DEMO_ROLES]
    async with request.app.state.db.read() as session:
        present = await usernames_present(session, names)
    return [
        {
            "username": name,
            "role": name.removeprefix("demo-"),
            "home": HOME[name.removeprefix("demo-")],
        }
        for name in present
    ]


async def login(request: Request) -> Response:
    principal = await _session_caller(request)
    return render(
        request,
        "login.html",
        principal,
        next=_safe_next(request.query_params.get("next")),
        demo_users=await _demo_users(request),
    )


async def home(request: Request) -> Response:
    principal = await _session_caller(request)
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse(HOME.get(principal.role, "/wall"), status_code=303)


routes: list[BaseRoute] = [
    Route("/", home, methods=["GET"]),
    Route("/login", login, methods=["GET"]),
    Route("/wall", wall, methods=["GET"]),
    Route("/report-sw.js", report_worker, methods=["GET"]),
    # Before the app's /static mount, which would otherwise answer these paths.
    Mount(
        "/static/vendor/leaflet",
        StaticFiles(directory=LEAFLET_DIR, check_dir=False),
        name="leaflet",
    ),
]
