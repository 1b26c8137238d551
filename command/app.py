"""The application factory: `uvicorn --factory command.app:create_app`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp

from command.auth.cache import PrincipalCache
from command.auth.cookies import SecureCookiesOverHttps
from command.auth.usage import TokenUse
from command.config import Settings, load_settings
from command.db import Database
from command.errors import EXCEPTION_HANDLERS
from command.headers import SecurityHeadersMiddleware
from command.health import health
from command.http import RefuseNul
from command.logging import configure_logging, redact_access_log
from command.metrics import MetricsMiddleware, metrics_endpoint
from command.openapi import build_openapi
from command.registry import health_checks, topics
from command.routes import api_routes
from realtime.backends import Bus, create_bus
from realtime.publisher import Publisher

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
SESSION_COOKIE = "watchfloor_session"


def _openapi_route(routes: list[BaseRoute]) -> Route:
    document = build_openapi(routes)

    async def openapi(_request: Request) -> Response:
        from command.http import respond

        return respond(document)

    return Route("/api/openapi.json", openapi, methods=["GET"])


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or load_settings()
    configure_logging(json_lines=settings.log_json)
    redact_access_log()
    db = Database(settings.database_url, settings=settings)
    bus = create_bus(settings.redis_url)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        from command.lifecycle import start_background, stop_background

        await bus.start()
        await start_background(app)
        try:
            yield
        finally:
            await stop_background(app)
            await bus.stop()
            await db.dispose()

    routes = api_routes()
    routes += [
        Route("/api/health", health, methods=["GET"]),
        Route("/metrics", metrics_endpoint, methods=["GET"]),
    ]
    routes.append(_openapi_route(routes))
    if STATIC_DIR.is_dir():
        routes.append(Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"))
    app = _App(
        routes=routes,
        middleware=[
            Middleware(MetricsMiddleware),
            Middleware(RefuseNul),
            Middleware(SecureCookiesOverHttps, cookie_name=SESSION_COOKIE),
            Middleware(
                SessionMiddleware,
                secret_key=settings.secret,
                session_cookie=SESSION_COOKIE,
                same_site="lax",
                https_only=settings.secure_cookies,
                max_age=int(settings.session_hours * 3600),
            ),
        ],
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.topics = topics()
    app.state.health_checks = health_checks()
    app.state.db = db
    app.state.principals = PrincipalCache()
    app.state.token_use = TokenUse()
    app.state.password_limiter = anyio.CapacityLimiter(settings.login_hash_concurrency)
    app.state.bus = bus
    app.state.publisher = db.on_events = bus_publisher(bus)
    return app


class _App(Starlette):
    """The security headers wrap even Starlette's outermost error middleware, so an
    unexpected error's 500 carries them like every other answer."""

    def build_middleware_stack(self) -> ASGIApp:
        return SecurityHeadersMiddleware(super().build_middleware_stack())


def bus_publisher(bus: Bus) -> Publisher:
    """Publishes each commit's events; realtime.service marks them and sweeps up misses."""
    return Publisher(bus)
