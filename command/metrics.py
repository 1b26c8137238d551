"""Prometheus metrics, correct with several worker processes.

`watchfloor serve --workers N` sets PROMETHEUS_MULTIPROC_DIR before the workers start;
with it set (Settings.metrics_dir), /metrics aggregates the files every worker writes.
"""

from __future__ import annotations

import hmac
import ipaddress
import time

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from command.config import Settings
from command.errors import Forbidden

REQUESTS = Counter("watchfloor_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram(
    "watchfloor_http_request_seconds",
    "HTTP request latency",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
EVENTS_PUBLISHED = Counter("watchfloor_events_published_total", "Events handed to the bus")
WS_MESSAGES = Counter("watchfloor_ws_messages_sent_total", "Websocket messages sent")
WS_CLOSED_SLOW = Counter(
    "watchfloor_ws_slow_consumer_closes_total", "Websockets closed for falling behind"
)
OBLIGATIONS_MARKED = Counter(
    "watchfloor_obligations_marked_total", "Obligations marked by the engine", ["state"]
)


class MetricsMiddleware:
    """Counts and times HTTP requests by route template (never by raw path)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            REQUESTS.labels(scope["method"], route, str(status)).inc()
            LATENCY.labels(scope["method"], route).observe(time.perf_counter() - started)


def metrics_allowed(settings: Settings, request: Request) -> bool:
    """Open to all unless WATCHFLOOR_METRICS_TOKEN or WATCHFLOOR_METRICS_ALLOW is set; then
    a scraper sends the token as a bearer, or calls from an allowed address."""
    if settings.metrics_token is None and not settings.metrics_allow:
        return True
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if settings.metrics_token is not None and scheme.lower() == "bearer":
        if hmac.compare_digest(value.strip().encode(), settings.metrics_token.encode()):
            return True
    client = request.client.host if request.client else None
    return client is not None and _address_in(client, settings.metrics_allow)


def _address_in(host: str, networks: tuple[str, ...]) -> bool:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net, strict=False) for net in networks)


async def metrics_endpoint(request: Request) -> Response:
    if not metrics_allowed(request.app.state.settings, request):
        raise Forbidden(
            "/metrics is restricted: send the metrics token or call from an allowed address"
        )
    if request.app.state.settings.metrics_dir is not None:
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
