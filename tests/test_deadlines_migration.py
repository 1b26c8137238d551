"""Migration deadlines_0002 on data: a community filed at another tier under a township
becomes an area of the village tier; other units stay as they were. Both databases."""

from __future__ import annotations

from sqlalchemy import text

from command.migrate import upgrade
from tests.migration_fixtures import on_postgres_schema, on_sqlite

UNITS = [
    (1, "T1", "area", "township", None, "/T1/", 0),
    (2, "C1", "community", "township", 1, "/T1/C1/", 1),  # misfiled
    (3, "C2", "community", "village", 1, "/T1/C2/", 1),
    (4, "E1", "enterprise", "township", 1, "/T1/E1/", 1),
]


async def _check(engine) -> None:
    await upgrade(engine, "deadlines_0001")
    async with engine.begin() as conn:
        for id_, code, kind, tier, parent, path, depth in UNITS:
            await conn.execute(
                text(
                    "INSERT INTO units (id, code, name, name_en, kind, tier, parent_id, path, "
                    "depth) VALUES (:id, :code, :code, '', :kind, :tier, :parent, :path, :depth)"
                ),
                dict(
                    id=id_, code=code, kind=kind, tier=tier, parent=parent, path=path, depth=depth
                ),
            )
    await upgrade(engine)
    async with engine.connect() as conn:
        tiers = dict((await conn.execute(text("SELECT code, tier FROM units"))).all())
    assert tiers == {"T1": "township", "C1": "village", "C2": "village", "E1": "township"}


async def test_communities_move_to_the_village_tier_on_sqlite(tmp_path):
    await on_sqlite(tmp_path, _check)


async def test_communities_move_to_the_village_tier_on_postgres():
    await on_postgres_schema("wf_h4_units", _check)
