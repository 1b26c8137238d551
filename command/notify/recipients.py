"""Who a ladder rule reaches: a unit's contacts and the people on duty there now, by their
relation to the obligation or incident (ladder.toml names the relations)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from command.duty.roster import current_and_next
from command.units.models import Unit
from command.units.service import chain_of

CONTACT_CHANNELS = {"email": "email", "apprise": "apprise"}


@dataclass(frozen=True)
class Recipient:
    name: str
    unit: Unit
    channel: str
    address: str


@dataclass(frozen=True)
class Parties:
    """The units a message can be about: the one that owes, the one owed, the incident's."""

    owing: Unit | None
    superior: Unit | None
    incident_unit: Unit | None
    covered: tuple[Unit, ...] = ()  # the units an early warning covers


async def resolve(
    session: AsyncSession, relation: str, parties: Parties, now: datetime
) -> list[Recipient]:
    if relation == "owing_unit":
        return await _duty_unit(session, parties.owing, now)
    if relation == "superior":
        return await _duty_unit(session, parties.superior, now)
    if relation == "superior_leader":
        return await _leader(session, parties.superior, now)
    if relation == "covered_units":
        found: list[Recipient] = []
        for unit in parties.covered:
            found += await _duty_unit(session, unit, now)
        return found
    if relation == "city_leader":
        city = await _city_of(session, parties.incident_unit)
        return await _leader(session, city, now)
    raise ValueError(f"unknown relation {relation!r}")


def _contacts(unit: Unit) -> list[Recipient]:
    return [
        Recipient(
            f"{unit.name}{contact.get('label') and ' ' + contact['label'] or ''}",
            unit,
            CONTACT_CHANNELS[contact["kind"]],
            contact["address"],
        )
        for contact in unit.contacts or []
        if contact.get("kind") in CONTACT_CHANNELS
    ]


async def _duty_unit(session: AsyncSession, unit: Unit | None, now: datetime) -> list[Recipient]:
    """The unit's own contacts (its duty line's mail, its group's webhook) and the mail of
    each officer on duty now."""
    if unit is None:
        return []
    found = _contacts(unit)
    shift, _ = await current_and_next(session, unit.id, now)
    if shift is not None:
        found += [
            Recipient(f"{unit.name} 值班员 {officer['name']}", unit, "email", officer["email"])
            for officer in shift.officers
            if officer.get("email")
        ]
    return found


async def _leader(session: AsyncSession, unit: Unit | None, now: datetime) -> list[Recipient]:
    """The leader on duty now (带班领导) at the unit; the unit's contacts when the roster
    names no leader with a mail address."""
    if unit is None:
        return []
    shift, _ = await current_and_next(session, unit.id, now)
    if shift is not None and shift.leader_email:
        return [
            Recipient(
                f"{unit.name} 带班领导 {shift.leader_name}", unit, "email", shift.leader_email
            )
        ]
    return _contacts(unit)


async def _city_of(session: AsyncSession, unit: Unit | None) -> Unit | None:
    if unit is None:
        return None
    return next((u for u in await chain_of(session, unit.path) if u.tier == "city"), None)
