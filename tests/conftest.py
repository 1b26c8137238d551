"""Test fixtures: real SQLite files, a real PostgreSQL and Redis, real server processes.

Service-backed tests skip with a reason when PostgreSQL or Redis is unreachable, unless
WATCHFLOOR_REQUIRE_SERVICES=1 (CI), where they fail instead.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Table, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from command.app import create_app
from command.config import Settings
from command.db import Database
from command.demo import DEMO_ACCOUNTS, demo_token, load_demo
from command.migrate import upgrade
from command.models import metadata

REQUIRE_SERVICES = os.environ.get("WATCHFLOOR_REQUIRE_SERVICES") == "1"
PG_URL = os.environ.get(
    "WATCHFLOOR_TEST_POSTGRES_URL", "postgresql+asyncpg://root@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("WATCHFLOOR_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
SECRET = "test-secret-0123456789abcdef"
BACKENDS = ["sqlite", "postgres"]


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def need_service(name: str, host: str, port: int) -> None:
    """Skip (laptop) or fail (CI) when a service the test needs is not there."""
    if _reachable(host, port):
        return
    message = f"{name} is not reachable on {host}:{port}"
    if REQUIRE_SERVICES:
        pytest.fail(f"{message} and WATCHFLOOR_REQUIRE_SERVICES=1")
    pytest.skip(f"{message}; start it or set WATCHFLOOR_TEST_* URLs to run these tests")


def need_postgres() -> None:
    need_service("PostgreSQL", "127.0.0.1", 5432)


def need_redis() -> None:
    need_service("Redis", "127.0.0.1", 6379)


# End-to-end tests (a browser, server processes, whole CLI runs, the bench's smoke runs) are
# marked `slow` by what they use, so that `make test-quick` leaves them out; `make test`
# and CI run everything.
SLOW_FIXTURES = frozenset({"browser", "pages", "shared_server", "start_server"})
SLOW_MODULES = frozenset(
    {
        "test_bench_smoke",
        "test_chaos_short",
        "test_make_run",
        "test_notifications_processes",
        "test_schemathesis",
    }
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        module = item.module.__name__.rsplit(".", 1)[-1] if item.module else ""
        if module in SLOW_MODULES or SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def tmp_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("watchfloor")


async def _migrate_and_load_city(url: str) -> None:
    db = Database(url)
    await upgrade(db.writer)
    await load_demo(db, SECRET, city_only=True)
    await db.dispose()


@pytest.fixture(scope="session")
async def sqlite_template(tmp_root: Path) -> Path:
    """A migrated SQLite file holding the demo city; each test gets a copy of it."""
    path = tmp_root / "template.db"
    await _migrate_and_load_city(f"sqlite+aiosqlite:///{path}")
    return path


_pg_snapshot: dict[str, list[dict]] | None = None


async def reset_postgres() -> None:
    """Migrate a fresh schema once per run and snapshot the demo city; before each test,
    empty every table and put the snapshot back."""
    global _pg_snapshot
    engine = create_async_engine(PG_URL)
    tables = metadata.sorted_tables
    if _pg_snapshot is None:
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
        await _migrate_and_load_city(PG_URL)
        async with engine.begin() as conn:
            _pg_snapshot = {
                t.name: [dict(r._mapping) for r in await conn.execute(t.select())] for t in tables
            }
    for attempt in range(3):
        try:
            await _restore_snapshot(engine, tables)
            break
        except DBAPIError as exc:
            # Another session's write still finishing can take `units` before
            # `events` while TRUNCATE takes them the other way round; PostgreSQL then
            # picks the TRUNCATE as the deadlock's victim. Once the write is done, retry.
            if "deadlock detected" not in str(exc) or attempt == 2:
                raise
            await asyncio.sleep(0.2)
    await engine.dispose()


async def _restore_snapshot(engine: AsyncEngine, tables: list[Table]) -> None:
    async with engine.begin() as conn:
        names = ", ".join(f'"{t.name}"' for t in tables)
        await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        for table in tables:
            if rows := _pg_snapshot[table.name]:
                await conn.execute(table.insert(), rows)
                if "id" in table.c and table.c.id.autoincrement:
                    await conn.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                            f'(SELECT max(id) FROM "{table.name}"))'
                        )
                    )


@pytest.fixture(params=BACKENDS)
async def database_url(request: pytest.FixtureRequest, sqlite_template: Path, tmp_path: Path):
    """A clean, migrated database on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "watchfloor.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite+aiosqlite:///{path}"
    need_postgres()
    await reset_postgres()
    return PG_URL


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, secret=SECRET, engine_max_sleep=0.5)


@pytest.fixture
async def app(settings: Settings):
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


# What a browser sends with every write from the site's own pages: cookie-authenticated
# writes need it (command/auth/csrf.py).
SAME_ORIGIN = {"Origin": "http://test"}


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the app as its own pages are: same-origin (see SAME_ORIGIN)."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://test", headers=SAME_ORIGIN
    ) as c:
        yield c


@pytest.fixture
def demo() -> dict[str, str]:
    """The demo token of each role (every test database holds the demo city)."""
    return {role: demo_token(SECRET, role, unit) for role, unit in DEMO_ACCOUNTS}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def start_server(tmp_path: Path):
    """Start real server processes: `start_server(database_url, **env)`; all stopped after."""
    from tests.servers import ServerProcess, server_env

    started: list[ServerProcess] = []

    def start(database_url: str, **env: str) -> ServerProcess:
        log = tmp_path / f"server-{len(started)}.log"
        server = ServerProcess(server_env(database_url, tmp_path, **env), log=log)
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.stop()
