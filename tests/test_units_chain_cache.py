"""The reporting chain of a unit is read from the database once per process: a unit's place
in the tree never changes, and a deadline hook needs it on every report."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from command.units.models import Unit
from command.units.service import UnitRef, chain_refs
from tests.incidents_fixtures import create

REPORTER_PATH_SUFFIX = "/231102001/"


def _unit_reads(app) -> list[str]:
    reads: list[str] = []

    @event.listens_for(app.state.db.writer.sync_engine, "before_cursor_execute")
    def _log(_conn, _cursor, statement, *_args) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "FROM units" in statement:
            reads.append(statement)

    return reads


async def test_the_second_report_of_a_unit_reads_no_chain(app, client, demo):
    reads = _unit_reads(app)
    await create(client, demo["reporter"])
    first = len(reads)
    await create(client, demo["reporter"])
    assert first >= 1
    assert len(reads) == first, reads[first:]


async def test_a_chain_read_in_a_write_that_fails_is_not_kept(app):
    db = app.state.db
    async with db.read() as session:
        path = next(iter(await _paths(session)))

    class Refused(Exception):
        pass

    with pytest.raises(Refused):
        async with db.write() as session:
            refs = await chain_refs(session, path)
            raise Refused
    assert refs and all(isinstance(ref, UnitRef) for ref in refs)
    async with db.write() as session:
        reads = _unit_reads(app)
        again = await chain_refs(session, path)
        assert len(reads) == 1  # not kept from the failed write: read again
    async with db.write() as session:
        reads.clear()
        assert await chain_refs(session, path) == again
        assert reads == []  # kept once that write was durable
    assert [ref.code for ref in again] == list(reversed(path.strip("/").split("/")))
    assert again[0].path == path


async def _paths(session) -> list[str]:
    rows = await session.scalars(select(Unit.path).where(Unit.path.endswith(REPORTER_PATH_SUFFIX)))
    return list(rows)
