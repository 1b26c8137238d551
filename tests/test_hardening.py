"""Hardening of the HTTP edge: security headers on every response, a restrictable /metrics,
tokens kept out of the access log, request headers that must arrive in time, and a
database that cannot take writes answering 503 (and health saying so)."""

from __future__ import annotations

import asyncio
import logging
import time
from contextlib import asynccontextmanager
from dataclasses import replace

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from starlette.routing import Route

from command.app import create_app
from command.logging import RedactTokens, redact_access_log, redact_target
from tests.conftest import PG_URL, bearer
from tests.incidents_fixtures import incident_body

# One of each kind of response: API JSON, a redirect, a 404, a static file, a page, an error.
SAMPLES = [
    ("GET", "/api/health", None),
    ("GET", "/api/units/231100", "display"),
    ("GET", "/api/no-such-route", None),
    ("GET", "/api/units/231100", None),  # 401
    ("GET", "/static/js/api.js", None),
    ("GET", "/static/no-such-file.js", None),
    ("GET", "/wall", None),  # a redirect to the sign-in page
    ("GET", "/login", None),
    ("GET", "/api/openapi.json", None),
    ("GET", "/metrics", None),
]


@pytest.mark.parametrize(("method", "path", "role"), SAMPLES)
async def test_every_response_carries_the_security_headers(client, demo, method, path, role):
    headers = bearer(demo[role]) if role else {}
    response = await client.request(method, path, headers=headers, follow_redirects=False)
    assert response.headers["x-content-type-options"] == "nosniff", path
    assert response.headers["x-frame-options"] == "DENY", path
    assert "strict-transport-security" not in response.headers  # plain HTTP


async def test_hsts_only_over_https(app):
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://test") as secure:
        response = await secure.get("/api/health")
    assert response.headers["strict-transport-security"] == "max-age=31536000"


async def test_pages_keep_frame_ancestors_beside_x_frame_options(client):
    response = await client.get("/login")
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"


@asynccontextmanager
async def _client_for(settings, **changes):
    application = create_app(replace(settings, **changes))
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application, client=("10.1.2.3", 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            yield c


async def test_metrics_open_by_default(client):
    response = await client.get("/metrics")
    assert response.status_code == 200 and b"watchfloor_http_requests_total" in response.content


async def test_metrics_token_restricts_the_endpoint(settings):
    async with _client_for(settings, metrics_token="scrape-me-0123456789") as c:
        anonymous = await c.get("/metrics")
        wrong = await c.get("/metrics", headers=bearer("scrape-me-wrong"))
        right = await c.get("/metrics", headers=bearer("scrape-me-0123456789"))
    assert anonymous.status_code == 403 and anonymous.json()["error"]["code"] == "forbidden"
    assert wrong.status_code == 403
    assert right.status_code == 200


@pytest.mark.parametrize(("allow", "status"), [(("10.0.0.0/8",), 200), (("127.0.0.1",), 403)])
async def test_metrics_allowed_addresses(settings, allow, status):
    async with _client_for(settings, metrics_allow=allow) as c:  # the client is 10.1.2.3
        assert (await c.get("/metrics")).status_code == status


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/wall?token=wf_abcdefghijklmnop", "/wall?token=[redacted]"),
        (
            "/api/drills.ics?unit=231100&token=cal_secret",
            "/api/drills.ics?unit=231100&token=[redacted]",
        ),
        ("/api/drills.ics?TOKEN=x&y=1", "/api/drills.ics?TOKEN=[redacted]&y=1"),
        ("/n/eyJhbGciOi.signed", "/n/[redacted]"),
        ("/api/x?q=wf_abcdefghijk", "/api/x?q=wf_[redacted]"),
        ("/api/incidents?unit=231100", "/api/incidents?unit=231100"),
    ],
)
def test_redact_target(target, expected):
    assert redact_target(target) == expected


def test_the_access_log_filter_rewrites_the_target():
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/wall?token=wf_abcdefghijklmnop", "1.1", 302),
        None,
    )
    assert RedactTokens().filter(record)
    assert "wf_abcdefghijklmnop" not in record.getMessage()
    assert "token=[redacted]" in record.getMessage()


def test_the_websocket_lines_of_the_error_log_are_redacted_too():
    record = logging.LogRecord(
        "uvicorn.error",
        logging.INFO,
        __file__,
        1,
        '%s - "WebSocket %s" [accepted]',
        ("127.0.0.1:5000", "/ws?token=wf_abcdefghijklmnop"),
        None,
    )
    redact_access_log()
    assert logging.getLogger("uvicorn.error").filter(record)
    assert "wf_abcdefghijklmnop" not in record.getMessage()
    assert "token=[redacted]" in record.getMessage()


async def test_a_real_server_logs_no_kiosk_token(database_url, demo, tmp_path):
    from tests.servers import ServerProcess, server_env

    log = tmp_path / "access.log"
    server = ServerProcess(server_env(database_url, tmp_path), log=log)
    server.argv[server.argv.index("--log-level") + 1] = "info"
    with server:
        async with httpx.AsyncClient(base_url=server.url) as c:
            await c.get(f"/wall?token={demo['display']}", follow_redirects=False)
            await c.get(f"/api/drills.ics?token={demo['display']}")
        await asyncio.sleep(0.3)
    written = log.read_text()
    assert "GET /wall?token=[redacted]" in written
    assert demo["display"] not in written


async def _open_and_trickle(
    port: int, count: int
) -> list[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
    connections = []
    for _ in range(count):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /api/health HTTP/1.1\r\nHost: x\r\n")  # headers never finish
        await writer.drain()
        connections.append((reader, writer))
    return connections


async def _closed_within(reader: asyncio.StreamReader, seconds: float) -> bool:
    """True when the server closes the connection (EOF) within `seconds`."""
    try:
        await asyncio.wait_for(reader.read(), seconds)
        return True
    except TimeoutError:
        return False
    except ConnectionError:
        return True


async def test_slow_request_headers_are_cut_off(database_url, start_server):
    server = start_server(database_url, WATCHFLOOR_HEADER_TIMEOUT_SECONDS="1")
    started = time.monotonic()
    slow = await _open_and_trickle(server.port, 50)
    for _reader, writer in slow:  # a byte now and then keeps no connection alive
        writer.write(b"X")
    closed = await asyncio.gather(*(_closed_within(r, 5) for r, _ in slow))
    assert all(closed) and time.monotonic() - started < 4
    # A complete request on a fresh connection still works, and an idle one is closed too.
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n")
    assert (await reader.readline()).startswith(b"HTTP/1.1 200")
    assert await _closed_within(reader, 4)
    for _r, w in [*slow, (reader, writer)]:
        w.close()


async def test_a_websocket_outlives_the_header_timeout(database_url, demo, start_server):
    import websockets

    server = start_server(database_url, WATCHFLOOR_HEADER_TIMEOUT_SECONDS="1")
    async with websockets.connect(server.ws_url) as ws:
        await ws.send(f'{{"type":"hello","token":"{demo["display"]}","topics":["incidents"]}}')
        await ws.recv()
        await asyncio.sleep(2.5)
        pong = await ws.ping()
        await asyncio.wait_for(pong, 2)


# -- a database that cannot take writes -------------------------------------------------


@asynccontextmanager
async def _writes_failing(app, backend: str):
    """The database refuses every write while reads still work: a full SQLite file (its
    page count capped at what it holds), a read-only PostgreSQL database."""
    db = app.state.db
    if backend == "sqlite":
        async with db.writer.connect() as conn:  # the one pooled writer connection
            pages = (await conn.exec_driver_sql("PRAGMA page_count")).scalar()
            await conn.exec_driver_sql(f"PRAGMA max_page_count={pages}")
            await conn.commit()
        try:
            yield
        finally:
            async with db.writer.connect() as conn:
                await conn.exec_driver_sql("PRAGMA max_page_count=1073741823")
                await conn.commit()
        return
    name = PG_URL.rsplit("/", 1)[1]
    admin = create_async_engine(PG_URL, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on'))
    await db.writer.dispose()
    try:
        yield
    finally:
        async with admin.connect() as conn:
            await conn.execute(text("SET default_transaction_read_only = off"))
            await conn.execute(text(f'ALTER DATABASE "{name}" RESET default_transaction_read_only'))
        await admin.dispose()
        await db.writer.dispose()


async def test_a_database_refusing_writes_answers_503(app, client, demo, database_url):
    backend = "sqlite" if database_url.startswith("sqlite") else "postgres"
    token = demo["reporter"]
    async with _writes_failing(app, backend):
        statuses = []
        for n in range(8):
            body = incident_body(title=f"写不进 {n}", summary="长" * 4000)
            response = await client.post("/api/incidents", json=body, headers=bearer(token))
            statuses.append(response.status_code)
        assert set(statuses) == {503}, (statuses, response.json())
        assert response.json()["error"]["code"] == "database_unavailable"
        assert response.headers["retry-after"] == "5"
        health = await client.get("/api/health")
        assert health.status_code == 503
        assert health.json()["database"]["writes"]["ok"] is False
        # Reads still work.
        listed = await client.get("/api/incidents", headers=bearer(token))
        assert listed.status_code == 200
        assert not any(i["title"].startswith("写不进") for i in listed.json()["items"])
    created = await client.post("/api/incidents", json=incident_body(), headers=bearer(token))
    assert created.status_code == 201
    health = await client.get("/api/health")
    assert health.status_code == 200 and health.json()["database"]["writes"] == {"ok": True}


async def test_an_unexpected_error_s_500_carries_the_security_headers(settings):
    application = create_app(settings)

    async def broken(_request):
        raise RuntimeError("a bug")

    application.router.routes.append(Route("/api/broken-on-purpose", broken))
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            response = await c.get("/api/broken-on-purpose")
    assert response.status_code == 500 and response.json()["error"]["code"] == "internal"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
