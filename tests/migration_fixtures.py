"""Running a migration check on a scratch SQLite file or a scratch PostgreSQL schema."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from tests.conftest import PG_URL, need_postgres

Check = Callable[[AsyncEngine], Awaitable[None]]


async def on_sqlite(tmp_path: Path, check: Check) -> None:
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'm.db'}")
    try:
        await check(engine)
    finally:
        await engine.dispose()


async def on_postgres_schema(schema: str, check: Check) -> None:
    """`check` on an engine whose search_path is a fresh schema, dropped afterwards."""
    need_postgres()
    admin = create_async_engine(PG_URL)
    async with admin.begin() as conn:
        await conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        await conn.execute(text(f"CREATE SCHEMA {schema}"))
    scoped = create_async_engine(PG_URL, connect_args={"server_settings": {"search_path": schema}})
    try:
        await check(scoped)
    finally:
        await scoped.dispose()
        async with admin.begin() as conn:
            await conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        await admin.dispose()
