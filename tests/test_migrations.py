"""Migrations on both databases: up, schema equal to the models, down, up again."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from command.migrate import downgrade, expected_heads, pending_migrations, upgrade
from command.models import metadata
from tests.migration_fixtures import on_postgres_schema, on_sqlite


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
    await on_sqlite(tmp_path, _roundtrip)


async def test_migrations_on_postgres():
    await on_postgres_schema("wf_migrations", _roundtrip)


# The heads of the last released schema: a deployment's database stands there, with rows.
RELEASED = ("incidents_0001", "deadlines_0001", "interop_0001", "plans_0001")
FILLERS = {"INTEGER": 1, "BIGINT": 1, "FLOAT": 0.0, "BOOLEAN": 0, "JSON": "[]", "JSONB": "[]"}


async def _fill(conn, table: str, **given) -> None:
    """One row of `table` with every NOT NULL column given a plausible value."""
    columns = (await conn.exec_driver_sql(f'PRAGMA table_info("{table}")')).all()
    values = {}
    for _cid, name, kind, notnull, _default, pk in columns:
        if name in given:
            values[name] = given[name]
        elif notnull and not pk:
            text_kind = kind.upper().split("(")[0]
            values[name] = FILLERS.get(
                text_kind,
                "2026-01-01 00:00:00" if "DATE" in text_kind or "TIME" in text_kind else "x",
            )
    names = ", ".join(f'"{n}"' for n in values)
    marks = ", ".join("?" for _ in values)
    await conn.exec_driver_sql(
        f'INSERT INTO "{table}" ({names}) VALUES ({marks})', tuple(values.values())
    )


async def test_an_upgrade_keeps_a_database_that_holds_rows(tmp_path):
    """Upgrading a released database with rows in it (foreign keys on, as the service runs
    SQLite): no migration may copy and drop a table that others reference."""
    from command.db import Database

    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'released.db'}")
    try:
        for head in RELEASED:
            await upgrade(db.writer, head)
        async with db.writer.begin() as conn:
            await _fill(conn, "units", id=1, parent_id=None, code="231100", path="/231100/")
            await _fill(conn, "incidents", id=1, unit_id=1)
            await _fill(conn, "reports", id=1, incident_id=1, unit_id=1)
            await _fill(conn, "api_tokens", id=1, unit_id=1)
            await _fill(
                conn, "obligations", id=1, incident_id=1, unit_id=1, to_unit_id=1, report_id=1
            )
            await _fill(conn, "verdicts", id=1, incident_id=1, unit_id=1, obligation_id=1)
        await upgrade(db.writer)
        assert await pending_migrations(db.writer) == set()
        async with db.writer.connect() as conn:
            row = (
                await conn.exec_driver_sql("SELECT version, contacts FROM incidents, units")
            ).one()
        assert row == (1, "[]")
    finally:
        await db.dispose()


async def test_a_drill_findings_reason_loses_its_english_prefix_on_upgrade(tmp_path):
    """plans_0002: `drill 7 «title», plan_soundness: text` becomes `text`; a reason
    someone typed, and other triggers, are left alone."""
    from command.db import Database

    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'reasons.db'}")
    old = "drill 7 «黑河市大面积停电事件应急演练», plan_soundness: 预案未明确\n恢复顺序"
    typed = "drill 8 «x», but typed by hand"
    try:
        await upgrade(db.writer, "plans_0001")
        async with db.writer.begin() as conn:
            await _fill(conn, "units", id=1, parent_id=None, code="231100", path="/231100/")
            await _fill(conn, "plans", id=1, unit_id=1)
            for task_id, trigger, reason in (
                (1, "drill_findings", old),
                (2, "drill_findings", typed),
                (3, "other", old),
            ):
                await _fill(
                    conn, "plan_revision_tasks", id=task_id, plan_id=1, trigger=trigger,
                    reason=reason, drill_id=None, evaluation_id=None,
                )  # fmt: skip
        await upgrade(db.writer)
        async with db.writer.connect() as conn:
            rows = (
                await conn.exec_driver_sql("SELECT reason FROM plan_revision_tasks ORDER BY id")
            ).all()
        assert [reason for (reason,) in rows] == ["预案未明确\n恢复顺序", typed, old]
    finally:
        await db.dispose()
