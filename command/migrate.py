"""Alembic, driven from code: `watchfloor migrate`, the start-up check and the tests."""

from __future__ import annotations

from pathlib import Path

from alembic import command as alembic_command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def expected_heads() -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config()).get_heads())


async def upgrade(engine: AsyncEngine, target: str = "heads") -> None:
    def run(connection: Connection) -> None:
        alembic_command.upgrade(alembic_config(connection), target)

    async with engine.begin() as conn:
        await conn.run_sync(run)


async def downgrade(engine: AsyncEngine, target: str = "base") -> None:
    def run(connection: Connection) -> None:
        alembic_command.downgrade(alembic_config(connection), target)

    async with engine.begin() as conn:
        await conn.run_sync(run)


async def current_heads(engine: AsyncEngine) -> set[str]:
    def read(connection: Connection) -> set[str]:
        return set(MigrationContext.configure(connection).get_current_heads())

    async with engine.connect() as conn:
        return await conn.run_sync(read)


async def pending_migrations(engine: AsyncEngine) -> set[str]:
    """Heads the database has not reached; empty when it is up to date.

    A head that another branch `depends_on` is not kept in alembic_version once that
    branch is applied, so what counts is every revision below the current heads.
    """
    current = await current_heads(engine)
    script = ScriptDirectory.from_config(alembic_config())
    reached = {rev.revision for rev in script.iterate_revisions(tuple(current), "base")}
    return expected_heads() - reached


async def autogenerate(
    engine: AsyncEngine,
    *,
    message: str,
    rev_id: str,
    head: str = "heads",
    branch_label: str | None = None,
    depends_on: str | None = None,
) -> None:
    """Write a new revision from the difference between the models and a migrated database.

    For developers (`make migration`); review the file it writes before committing.
    """

    def run(connection: Connection) -> None:
        alembic_command.revision(
            alembic_config(connection),
            message=message,
            autogenerate=True,
            rev_id=rev_id,
            head=head,
            branch_label=branch_label,
            depends_on=depends_on,
        )

    async with engine.begin() as conn:
        await conn.run_sync(run)
