"""The organization tree: areas and the units that hang under them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from command.db import Base, JsonType
from command.vocabulary import TIERS
from command.vocabulary import UNIT_KINDS as KINDS

__all__ = ["KINDS", "TIERS"]


def tier_rank(tier: str) -> int:
    return TIERS.index(tier)


class Unit(Base):
    __tablename__ = "units"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    name_en: Mapped[str] = mapped_column(String(128), default="")
    kind: Mapped[str] = mapped_column(String(16))
    tier: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), nullable=True)
    # Materialized path of codes, "/230000/231100/231102/": subtree = prefix match.
    path: Mapped[str] = mapped_column(String(512), index=True)
    depth: Mapped[int] = mapped_column(Integer)
    # Where the unit's duty is reached: [{"kind": "email" | "apprise" | "phone", "address": …}].
    # Apprise URLs may hold a channel's secret: shown to administrators only.
    contacts: Mapped[list[dict[str, Any]]] = mapped_column(JsonType, default=list)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)

    @property
    def parent_code(self) -> str | None:
        codes = self.path.strip("/").split("/")
        return codes[-2] if len(codes) > 1 else None

    @property
    def ancestor_codes(self) -> list[str]:
        """Codes from the parent up to the root, nearest first."""
        return list(reversed(self.path.strip("/").split("/")[:-1]))

    def contains(self, path: str) -> bool:
        """True when a unit with `path` is this unit or lies below it."""
        return path.startswith(self.path)
