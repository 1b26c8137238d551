"""People with passwords: listing, changing role or unit, resetting, disabling.

Every change records an event on the access topic naming the user: each process forgets
what it cached of them and closes their open screens, which reconnect with the new role
and unit (or, disabled, go to the sign-in page).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from command.auth.models import User
from command.auth.schemas import UserOut, UserPatch
from command.auth.service import check_role, hash_password
from command.errors import NotFound
from command.events import ACCESS, record_event
from command.units.models import Unit


def user_out(user: User, unit: Unit) -> UserOut:
    return UserOut(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        unit=unit.code,
        unit_name=unit.name,
        role=user.role,
        active=user.active,
        created_at=user.created_at,
    )


async def list_users(session: AsyncSession, *, within: str) -> list[UserOut]:
    rows = await session.execute(
        select(User, Unit)
        .join(Unit, Unit.id == User.unit_id)
        .where(Unit.path.startswith(within, autoescape=True))
        .order_by(Unit.path, User.username)
    )
    return [user_out(user, unit) for user, unit in rows.all()]


async def get_user(session: AsyncSession, user_id: int, *, within: str) -> tuple[User, Unit]:
    """The user and their unit; 404 when unknown or outside `within` (not revealed)."""
    found = (
        await session.execute(
            select(User, Unit).join(Unit, Unit.id == User.unit_id).where(User.id == user_id)
        )
    ).first()
    if found is None or not found[1].path.startswith(within):
        raise NotFound("user", user_id)
    return found[0], found[1]


async def update_user(
    session: AsyncSession, *, user: User, patch: UserPatch, unit: Unit | None, actor: str
) -> list[str]:
    """Apply the patch (unit already resolved and checked by the caller); the names of
    the fields that changed."""
    changed = []
    if patch.role is not None and patch.role != user.role:
        check_role(patch.role)
        user.role = patch.role
        changed.append("role")
    if unit is not None and unit.id != user.unit_id:
        user.unit_id = unit.id
        changed.append("unit")
    if patch.display_name is not None and patch.display_name != user.display_name:
        user.display_name = patch.display_name
        changed.append("display_name")
    if patch.active is not None and patch.active != user.active:
        user.active = patch.active
        changed.append("active")
    if patch.password is not None:
        user.password_hash = await hash_password(patch.password)
        changed.append("password")
    if changed:
        await session.flush()
        record_user_event(session, user, kind="user.updated", actor=actor, changed=changed)
    return changed


def record_user_event(
    session: AsyncSession, user: User, *, kind: str, actor: str, changed: list[str]
) -> None:
    subject = f"user:{user.username}"
    record_event(
        session,
        topic=ACCESS,
        kind=kind,
        entity=subject,
        unit_path="/",
        payload={"subject": subject, "changed": changed},
        actor=actor,
    )
