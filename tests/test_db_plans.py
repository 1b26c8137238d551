"""On PostgreSQL every statement is planned for its values (plan_cache_mode), so that a
prepared statement run many times never settles on a generic plan that reads a year of
history whole for one county (docs/performance.md, "A year of a busy city")."""

from __future__ import annotations

import pytest
from sqlalchemy import text

pytestmark = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)


async def test_every_connection_plans_for_its_values(app):
    db = app.state.db
    for _ in range(3):  # several pooled connections, reads and writes alike
        async with db.read() as session:
            assert await session.scalar(text("SHOW plan_cache_mode")) == "force_custom_plan"
        async with db.write() as session:
            assert await session.scalar(text("SHOW plan_cache_mode")) == "force_custom_plan"
