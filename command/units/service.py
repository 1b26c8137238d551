"""Queries and changes on the organization tree."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from command.db import after_durable, process_cache
from command.errors import Conflict, Invalid, NotFound
from command.events import record_event
from command.units.models import Unit, tier_rank
from command.units.schemas import UnitIn, UnitOut, UnitPatch

COMMUNITY_KINDS = ("community",)


def to_out(unit: Unit) -> UnitOut:
    return UnitOut(
        code=unit.code,
        name=unit.name,
        name_en=unit.name_en,
        kind=unit.kind,
        tier=unit.tier,
        parent=unit.parent_code,
        path=unit.path,
        depth=unit.depth,
        lon=unit.lon,
        lat=unit.lat,
    )


async def find_unit(session: AsyncSession, code: str) -> Unit | None:
    return await session.scalar(select(Unit).where(Unit.code == code))


async def get_unit(session: AsyncSession, code: str) -> Unit:
    unit = await find_unit(session, code)
    if unit is None:
        raise NotFound("unit", code)
    return unit


async def get_units(session: AsyncSession, codes: Sequence[str]) -> dict[str, Unit]:
    """The units with these codes, by code; 404 naming the first unknown one."""
    wanted = set(codes)
    rows = (await session.scalars(select(Unit).where(Unit.code.in_(wanted)))).all()
    found = {u.code: u for u in rows}
    for code in codes:
        if code not in found:
            raise NotFound("unit", code)
    return found


async def subtree(
    session: AsyncSession, root: Unit, *, kind: str | None = None, tier: str | None = None
) -> list[Unit]:
    """The unit and everything below it, in tree order."""
    query = select(Unit).where(Unit.path.startswith(root.path, autoescape=True))
    if kind:
        query = query.where(Unit.kind == kind)
    if tier:
        query = query.where(Unit.tier == tier)
    return list((await session.scalars(query.order_by(Unit.path))).all())


async def chain_up(session: AsyncSession, unit: Unit) -> list[Unit]:
    """The unit's superiors, nearest first, up to the root of the tree."""
    codes = unit.ancestor_codes
    return await _units_in_order(session, codes) if codes else []


async def chain_of(session: AsyncSession, path: str) -> list[Unit]:
    """The unit at `path` and its superiors, nearest first, in one query."""
    return await _units_in_order(session, list(reversed(path.strip("/").split("/"))))


@dataclass(frozen=True, slots=True)
class UnitRef:
    """What a unit's place in the tree is. Every field is a function of the path the chain
    is read for (the path names the codes; a code's id, kind and tier never change, and
    the ref's own path is a prefix of it), so an entry kept under a path stays right for
    as long as that path is a unit's path: moving a unit changes its path instead
    (command/units/moves.py). Names and contacts change and are not here."""

    id: int
    code: str
    kind: str
    tier: str
    path: str


CHAIN_CACHE_MAX = 50_000  # paths; a city has a few thousand units


async def chain_refs(session: AsyncSession, path: str) -> list[UnitRef]:
    """The unit at `path` and its superiors, nearest first, as references: read from the
    database once per process and path. A chain read inside a write is kept only once that
    write is durable, so a unit created by a transaction that rolls back is never kept."""
    cache = process_cache(session, "units.chains")
    if cache is not None and (known := cache.get(path)) is not None:
        return list(known)
    refs = tuple(
        UnitRef(u.id, u.code, u.kind, u.tier, u.path) for u in await chain_of(session, path)
    )
    if cache is not None:
        after_durable(session, lambda: _keep(cache, path, refs))
    return list(refs)


def _keep(cache: dict, path: str, refs: tuple[UnitRef, ...]) -> None:
    if len(cache) >= CHAIN_CACHE_MAX:
        cache.clear()
    cache[path] = refs


async def _units_in_order(session: AsyncSession, codes: list[str]) -> list[Unit]:
    by_code = await get_units(session, codes)
    return [by_code[code] for code in codes]


def check_tier_under(tier: str, parent: Unit) -> None:
    """A unit's tier is at most its parent's (a township under a county, never above it):
    checked when a unit is added and when one is moved."""
    if tier_rank(tier) > tier_rank(parent.tier):
        message = f"a {tier} unit cannot sit under the {parent.tier} unit {parent.code}"
        raise Invalid("tier", message, bare=True)


async def create_unit(session: AsyncSession, *, data: UnitIn, actor: str) -> Unit:
    if await find_unit(session, data.code) is not None:
        raise Conflict(f"unit {data.code} already exists")
    if data.kind in COMMUNITY_KINDS and data.tier != "village":
        # 社区 is an area of the village tier, like a 村 (it reports to its 街道).
        raise Invalid("tier", f"a {data.kind} is an area of the village tier")
    parent = await get_unit(session, data.parent) if data.parent else None
    if parent is not None:
        check_tier_under(data.tier, parent)
    unit = Unit(
        code=data.code,
        name=data.name,
        name_en=data.name_en,
        kind=data.kind,
        tier=data.tier,
        parent_id=parent.id if parent else None,
        path=(parent.path if parent else "/") + data.code + "/",
        depth=(parent.depth + 1) if parent else 0,
        lon=data.lon,
        lat=data.lat,
    )
    session.add(unit)
    await session.flush()
    record_event(
        session,
        topic="units",
        kind="unit.created",
        entity=f"unit:{unit.code}",
        unit_path=unit.path,
        payload=to_out(unit).model_dump(),
        actor=actor,
    )
    return unit


async def update_unit(session: AsyncSession, *, code: str, patch: UnitPatch, actor: str) -> Unit:
    """Names, position and contacts; a unit's kind and tier never change, its parent only
    by a move (command/units/moves.py)."""
    unit = await get_unit(session, code)
    values = patch.model_dump(exclude_unset=True, mode="json")
    if values.get("name") is None:
        values.pop("name", None)
    # null clears the English name and the contacts (the columns hold text and a list)
    for key, empty in (("name_en", ""), ("contacts", [])):
        if key in values and values[key] is None:
            values[key] = empty
    changed = {key: value for key, value in values.items() if getattr(unit, key) != value}
    if not changed:
        return unit
    for key, value in changed.items():
        setattr(unit, key, value)
    await session.flush()
    record_event(
        session,
        topic="units",
        kind="unit.updated",
        entity=f"unit:{unit.code}",
        unit_path=unit.path,
        # The contacts stay out of the event: screens see it, and a URL may hold a secret.
        payload={**to_out(unit).model_dump(), "changed": sorted(changed)},
        actor=actor,
    )
    return unit
