"""Migrations on both databases: up, schema equal to the models, down, up again."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from command.migrate import downgrade, expected_heads, pending_migrations, upgrade
from command.models import metadata
from tests.conftest import PG_URL, need_postgres


async def _schema_diff(engine) -> list:
    def compare(connection):
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, metadata)

    async with engine.connect() as conn:
        return await conn.run_sync(compare)


async def _roundtrip(engine) -> None:
    assert await pending_migrations(engine) == expected_heads()
    await upgrade(engine)
    assert await pending_migrations(engine) == set()
    assert await _schema_diff(engine) == []
    await downgrade(engine)
    assert await pending_migrations(engine) == expected_heads()
    await upgrade(engine)
    assert await _schema_diff(engine) == []


async def test_migrations_on_sqlite(tmp_path):
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'm.db'}")
    try:
        await _roundtrip(engine)
    finally:
        await engine.dispose()


async def test_migrations_on_postgres():
    need_postgres()
    engine = create_async_engine(PG_URL)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA IF EXISTS wf_migrations CASCADE"))
        await conn.execute(text("CREATE SCHEMA wf_migrations"))
    await engine.dispose()
    scoped = create_async_engine(
        PG_URL, connect_args={"server_settings": {"search_path": "wf_migrations"}}
    )
    try:
        await _roundtrip(scoped)
    finally:
        await scoped.dispose()
        cleanup = create_async_engine(PG_URL)
        async with cleanup.begin() as conn:
            await conn.execute(text("DROP SCHEMA wf_migrations CASCADE"))
        await cleanup.dispose()
