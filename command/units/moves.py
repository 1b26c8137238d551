"""Moving a unit, with its subtree, under another parent: only while nothing refers to it.

A unit's path is copied onto the rows of every domain (plans, incidents, drills,
obligations, accounts…), and a process keeps chains of units by path
(`service.chain_refs`). A move rewrites the units table only, so it is allowed only while
no row of any other table refers to the subtree: then no copy of an old path exists, and
no chain kept under one can be asked for again. Which tables refer to units is read from
the schema (the metadata every table module registers on), not from a list of domains:
a column with a foreign key to `units`, a string column called `path` or `…_path`, or
one called `unit_code` or `…_unit_code`. A new domain's tables are covered by being
declared the way every table is.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Column, ColumnElement, String, Table, func, literal, or_, select, text
from sqlalchemy import update as sql_update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from command.db import after_durable, process_cache
from command.errors import Conflict, Forbidden, Invalid, Unavailable, field_detail
from command.events import Event, record_event
from command.units.models import Unit
from command.units.service import check_tier_under, find_unit, get_unit, subtree, to_out

PATH_LIMIT = Unit.__table__.c.path.type.length or 512
# The outbox keeps the tree's own history (unit.created, unit.updated) under the units'
# paths; those rows are history, not records of the subtree, and stay as they were.
OWN_TOPIC = "units"
# How long a move waits for the tables it locks (PostgreSQL) before it gives up with 503:
# shorter than the server's deadlock_timeout (1 s by default), so a write that waits on
# the move is never the one a deadlock check cancels.
LOCK_TIMEOUT_MS = 500


@dataclass(frozen=True, slots=True)
class Reference:
    """How a table refers to units: its columns by the kind of value they hold."""

    table: Table
    ids: tuple[Column, ...]
    paths: tuple[Column, ...]
    codes: tuple[Column, ...]


def references() -> list[Reference]:
    """Every table besides `units` with a column that names a unit, read from the metadata
    (which, in the app, the CLI and the tests, holds every domain's tables)."""
    units = Unit.__table__
    found = []
    for table in Unit.metadata.sorted_tables:
        if table is units:
            continue
        ids, paths, codes = [], [], []
        for column in table.columns:
            if any(key.column.table is units for key in column.foreign_keys):
                ids.append(column)
            elif isinstance(column.type, String):
                name = column.name
                if name == "path" or name.endswith("_path"):
                    paths.append(column)
                elif name == "unit_code" or name.endswith("_unit_code"):
                    codes.append(column)
        if ids or paths or codes:
            found.append(Reference(table, tuple(ids), tuple(paths), tuple(codes)))
    return found


def _refers(ref: Reference, path: str) -> ColumnElement[bool]:
    within = Unit.path.startswith(path, autoescape=True)
    clauses = [column.in_(select(Unit.id).where(within)) for column in ref.ids]
    clauses += [column.startswith(path, autoescape=True) for column in ref.paths]
    clauses += [column.in_(select(Unit.code).where(within)) for column in ref.codes]
    clause = or_(*clauses)
    if ref.table is Event.__table__:
        clause = clause & (Event.__table__.c.topic != OWN_TOPIC)
    return clause


async def records_in(session: AsyncSession, root: Unit) -> dict[str, int]:
    """Rows of other tables that refer to `root` or a unit below it, counted by table
    (tables with none left out)."""
    counts = {}
    for ref in references():
        query = select(func.count()).select_from(ref.table).where(_refers(ref, root.path))
        if n := await session.scalar(query):
            counts[ref.table.name] = n
    return counts


async def _lock(session: AsyncSession) -> None:
    """PostgreSQL: hold off every write that could copy a path of the subtree until the
    move commits. The units table first (ACCESS EXCLUSIVE: a write that has read a unit
    finishes before the move starts, one that has not reads the new paths), then every
    referring table (SHARE: writes in flight finish, and their rows are counted). SQLite
    runs one write transaction at a time, which is already that."""
    if session.bind.dialect.name != "postgresql":
        return
    tables = ", ".join(f'"{ref.table.name}"' for ref in references())
    try:
        await session.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT_MS}ms'"))
        await session.execute(text('LOCK TABLE "units" IN ACCESS EXCLUSIVE MODE'))
        await session.execute(text(f"LOCK TABLE {tables} IN SHARE MODE"))
    except DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) != "55P03":  # lock_not_available
            raise
        raise Unavailable(
            "the unit tree is busy with other writes; nothing was moved, retry",
            code="unit_busy",
        ) from exc


async def move_unit(
    session: AsyncSession, *, code: str, parent_code: str, actor: str, sees
) -> Unit:
    """Put the unit `code` and its subtree under `parent_code`. `sees(path)` says whether
    the caller's subtree holds a path. Everything is read after the locks are held."""
    await _lock(session)
    unit = await get_unit(session, code)
    if not sees(unit.path):
        raise Forbidden(f"unit {unit.code} lies outside your subtree")
    parent = await find_unit(session, parent_code)
    if parent is None:
        raise Invalid("parent", f"there is no unit {parent_code}", code="unit_parent_unknown")
    if not sees(parent.path):
        raise Forbidden(
            f"unit {parent.code} lies outside your subtree",
            code="unit_parent_outside",
            details=[field_detail("parent", "outside the caller's subtree", "scope")],
        )
    if unit.contains(parent.path):
        message = f"unit {parent.code} is {unit.code} itself or lies below it"
        raise Invalid("parent", message, code="unit_move_cycle")
    check_tier_under(unit.tier, parent)
    if unit.parent_id == parent.id:
        return unit
    if in_use := await records_in(session, unit):
        listed = ", ".join(f"{table} {n}" for table, n in sorted(in_use.items()))
        raise Conflict(
            f"unit {unit.code} or a unit below it already has records ({listed}); "
            "a unit with records keeps its place in the tree",
            code="unit_in_use",
            details=[
                {
                    "field": "code",
                    "table": table,
                    "count": n,
                    "type": "state",
                    "message": f"{n} rows in {table}",
                }
                for table, n in sorted(in_use.items())
            ],
        )
    old_path, new_path = unit.path, parent.path + unit.code + "/"
    deepest = await session.scalar(
        select(func.max(func.length(Unit.path))).where(
            Unit.path.startswith(old_path, autoescape=True)
        )
    )
    if (deepest or 0) - len(old_path) + len(new_path) > PATH_LIMIT:
        raise Invalid("parent", "the subtree would sit too deep", code="unit_path_too_long")
    shift = parent.depth + 1 - unit.depth
    old_parent = unit.parent_code
    await session.execute(
        sql_update(Unit)
        .where(Unit.path.startswith(old_path, autoescape=True))
        .values(
            path=literal(new_path) + func.substr(Unit.path, len(old_path) + 1),
            depth=Unit.depth + shift,
        )
        .execution_options(synchronize_session=False)
    )
    unit.parent_id = parent.id
    await session.flush()
    session.expire_all()  # the rows the update rewrote, as the database has them now
    unit = await get_unit(session, code)
    below = await subtree(session, unit)
    record_event(
        session,
        topic="units",
        kind="unit.moved",
        entity=f"unit:{unit.code}",
        unit_path=unit.path,
        payload={
            **to_out(unit).model_dump(),
            "from_parent": old_parent,
            "from_path": old_path,
            # every unit of the subtree as it is now, for screens that keep the tree
            "subtree": [to_out(u).model_dump() for u in below],
        },
        actor=actor,
        reach=[old_path],
    )
    cache = process_cache(session, "units.chains")
    if cache is not None:
        after_durable(session, lambda: _forget(cache, old_path))
    return unit


def _forget(cache: dict, old_path: str) -> None:
    """Drop this process's chains under the old path: no row names it any more, so they
    would only take room (see the module's docstring for why other processes need not)."""
    for key in [key for key in cache if key.startswith(old_path)]:
        del cache[key]
