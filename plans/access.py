"""Which subtree a request reads: the caller's unit, or a unit inside it (?within=)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from command.auth.guard import ensure_sees
from command.auth.service import Principal
from command.units.models import Unit
from command.units.service import get_unit


async def subtree_root(session: AsyncSession, principal: Principal, within: str | None) -> Unit:
    """The unit `within` (default: the caller's own), 403 when outside the caller's subtree."""
    root = await get_unit(session, within or principal.unit_code)
    ensure_sees(principal, root.path, f"unit {root.code}")
    return root
