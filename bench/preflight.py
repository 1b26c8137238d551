"""What a benchmark run needs before it starts: its PostgreSQL database (created when the
server lets us) and its Redis server. A missing piece ends the run at once with one line
saying what to run, never a traceback half-way through."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

POSTGRES_PARTS = {"ingest", "engine", "scaleout", "year"}
REDIS_PARTS = {"resume", "scaleout"}


class NotReady(Exception):
    """One line telling the operator what to run."""


def _plain_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def _ensure_postgres(url: str) -> str | None:
    """Connect to the database; create it (through the `postgres` maintenance database)
    when it does not exist. Returns what was done, or None when it was there."""
    import asyncpg

    dsn = _plain_dsn(url)
    try:
        conn = await asyncpg.connect(dsn, timeout=5)
    except asyncpg.InvalidCatalogNameError:
        pass
    except (TimeoutError, OSError, asyncpg.PostgresError) as error:
        raise NotReady(
            f"PostgreSQL at {_where(url)} is not reachable ({error}); start it, or "
            "pass --postgres URL / WATCHFLOOR_BENCH_POSTGRES_URL"
        ) from None
    else:
        await conn.close()
        return None
    name = urlsplit(dsn).path.lstrip("/")
    maintenance = dsn.rsplit("/", 1)[0] + "/postgres"
    try:
        conn = await asyncpg.connect(maintenance, timeout=5)
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
    except (TimeoutError, OSError, asyncpg.PostgresError) as error:
        raise NotReady(
            f"database {name!r} does not exist and could not be created ({error}); run: "
            f"createdb -h {urlsplit(dsn).hostname or '127.0.0.1'} {name}"
        ) from None
    return f"created PostgreSQL database {name!r}"


async def _check_redis(url: str) -> None:
    from redis.asyncio import Redis

    client = Redis.from_url(url, socket_connect_timeout=3)
    try:
        await client.ping()
    except Exception as error:  # any failure to reach it is the same finding
        raise NotReady(
            f"Redis at {_where(url)} is not reachable ({error}); start redis-server, or pass "
            "--redis URL / WATCHFLOOR_BENCH_REDIS_URL"
        ) from None
    finally:
        await client.aclose()


def _where(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port or ''}{parts.path}"


def prepare(parts: list[str], *, postgres: str, redis: str) -> list[str]:
    """Check (and create) what these parts need; what was done. Raises NotReady."""
    done = []

    async def run() -> None:
        if POSTGRES_PARTS & set(parts):
            created = await _ensure_postgres(postgres)
            if created:
                done.append(created)
        if REDIS_PARTS & set(parts):
            await _check_redis(redis)

    asyncio.run(run())
    return done
