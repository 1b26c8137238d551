"""`watchfloor demo`: the demo city of 黑河市, loaded idempotently.

Units come from data/heihe.toml. Demo credentials are derived from the deployment secret,
so a second run finds the same rows and prints the same tokens, changing nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import tomllib
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from command.auth.models import ApiToken, User
from command.auth.service import TOKEN_PREFIX, create_user, hash_token
from command.db import Database
from command.domain import DemoLoader
from command.units.models import Unit
from command.units.schemas import UnitIn
from command.units.service import create_unit, find_unit, get_unit

DATA = Path(__file__).parent / "data" / "heihe.toml"
CITY = "231100"
DEMO_PASSWORD = "watchfloor-demo"
ACTOR = "system:demo"

# (role, unit code): the demo credential of each role.
DEMO_ACCOUNTS = [
    ("admin", CITY),
    ("commander", CITY),
    ("coordinator", CITY),
    ("display", CITY),
    ("reporter", "231102001"),
]
# The names the pages show for the demo users (Chinese, as the pages are).
DEMO_NAMES = {
    "admin": "演示管理员",
    "commander": "演示值班员",
    "coordinator": "演示演练协调员",
    "display": "演示大屏",
    "reporter": "演示信息员",
}


def demo_loaders() -> list[DemoLoader]:
    """Each domain's demo data, loaded after the units in the registry's order; each
    loader is idempotent."""
    from command.registry import domains

    return [domain.demo for domain in domains() if domain.demo is not None]


def _townships(county: dict[str, Any]) -> list[UnitIn]:
    units = []
    for index, (name, name_en) in enumerate(county["townships"], start=1):
        code = f"{county['code']}{index:03d}"
        lon, lat = county["lon"] + 0.07 * index - 0.2, county["lat"] + 0.05 * (index % 3 - 1)
        units.append(
            UnitIn(
                code=code,
                name=name,
                name_en=name_en,
                kind="area",
                tier="township",
                parent=county["code"],
                lon=lon,
                lat=lat,
            )
        )
        is_street = name.endswith("街道")
        for village in (1, 2):
            suffix = f"第{'一二'[village - 1]}社区" if is_street else f"{'东西'[village - 1]}村"
            units.append(
                UnitIn(
                    code=f"{code}{village:03d}",
                    name=name.removesuffix("街道") + suffix,
                    name_en=f"{name_en} {'Community' if is_street else 'Village'} {village}",
                    kind="community" if is_street else "area",
                    tier="village",
                    parent=code,
                    lon=lon + 0.01 * village,
                    lat=lat + 0.01,
                )
            )
    return units


def demo_units() -> list[UnitIn]:
    """Every demo unit, parents before children."""
    data = tomllib.loads(DATA.read_text(encoding="utf-8"))
    units = [UnitIn(**u) for u in data["units"]]
    for index, (name, name_en) in enumerate(data["hq"]["names"], start=1):
        units.append(
            UnitIn(
                code=f"{CITY}.ZH{index:02d}",
                name=f"黑河市{name}",
                name_en=name_en,
                kind="command_hq",
                tier="city",
                parent=CITY,
            )
        )
    for index, (name, name_en) in enumerate(data["departments"]["names"], start=1):
        units.append(
            UnitIn(
                code=f"{CITY}.BM{index:02d}",
                name=name,
                name_en=name_en,
                kind="department",
                tier="city",
                parent=CITY,
            )
        )
    for county in data["counties"]:
        units.append(
            UnitIn(
                code=county["code"],
                name=county["name"],
                name_en=county["name_en"],
                kind="area",
                tier="county",
                parent=CITY,
                lon=county["lon"],
                lat=county["lat"],
            )
        )
        units.append(
            UnitIn(
                code=f"{county['code']}.YJB",
                name=f"{county['name']}应急管理局",
                name_en=f"{county['name_en']} Emergency Management Bureau",
                kind="office",
                tier="county",
                parent=county["code"],
            )
        )
        units += _townships(county)
    for member in data["members"]:
        units.append(UnitIn(tier="township", **member))
    return units


def demo_token(secret: str, role: str, unit: str) -> str:
    digest = hmac.new(secret.encode(), f"demo:{role}:{unit}".encode(), hashlib.sha256)
    return TOKEN_PREFIX + digest.hexdigest()


async def _ensure_units(session: AsyncSession) -> int:
    created = 0
    for data in demo_units():
        if await find_unit(session, data.code) is None:
            await create_unit(session, data=data, actor=ACTOR)
            created += 1
    return created


async def _ensure_account(session: AsyncSession, secret: str, role: str, code: str) -> str:
    unit = await get_unit(session, code)
    plain = demo_token(secret, role, code)
    digest = hash_token(plain)
    if await session.scalar(select(ApiToken.id).where(ApiToken.token_hash == digest)) is None:
        session.add(
            ApiToken(
                token_hash=digest,
                prefix=plain[:10],
                unit_id=unit.id,
                role=role,
                label=f"demo {role}",
            )
        )
    username = f"demo-{role}"
    if await session.scalar(select(User.id).where(User.username == username)) is None:
        await create_user(
            session,
            username=username,
            password=DEMO_PASSWORD,
            unit=unit,
            role=role,
            display_name=DEMO_NAMES[role],
        )
    return plain


async def load_demo(db: Database, secret: str, *, city_only: bool = False) -> dict[str, str]:
    """Load the demo city; returns the demo token of each role.

    `city_only` loads the units and accounts without the domains' demo data (for tests).
    """
    async with db.write() as session:
        await _ensure_units(session)
        tokens = {
            role: await _ensure_account(session, secret, role, code) for role, code in DEMO_ACCOUNTS
        }
    for loader in [] if city_only else demo_loaders():
        async with db.write() as session:
            await loader(session)
    return tokens


async def city(session: AsyncSession) -> Unit:
    return await get_unit(session, CITY)
