"""assessment: readiness registries (机构建设 offices and liaisons, 宣传培训 sessions)

Revision ID: assessment_0002
Revises: assessment_0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import command.db

revision: str = "assessment_0002"
down_revision: str | Sequence[str] | None = "assessment_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = command.db.UTCDateTime(timezone=True)


def _unit(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["unit_id"], ["units.id"], name=op.f(f"fk_{table}_unit_id_units")
    )


def upgrade() -> None:
    op.create_table(
        "readiness_offices",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("unit_path", sa.String(length=512), nullable=False),
        sa.Column("established_on", sa.Date(), nullable=True),
        sa.Column("approval_document", sa.String(length=255), nullable=False),
        sa.Column("director", sa.String(length=64), nullable=False),
        sa.Column("deputy_full_time", sa.String(length=64), nullable=False),
        sa.Column("staff_in_post", sa.Integer(), nullable=False),
        sa.Column("liaison", sa.String(length=128), nullable=False),
        sa.Column("updated_by", sa.String(length=128), nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        _unit("readiness_offices"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_readiness_offices")),
        sa.UniqueConstraint("unit_id", name=op.f("uq_readiness_offices_unit_id")),
    )
    op.create_index("ix_readiness_offices_unit_path", "readiness_offices", ["unit_path"])
    op.create_table(
        "readiness_trainings",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("unit_path", sa.String(length=512), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("audience", sa.String(length=200), nullable=False),
        sa.Column("attendees", sa.Integer(), nullable=False),
        sa.Column("leaders_trained", sa.Integer(), nullable=False),
        sa.Column("recorded_by", sa.String(length=128), nullable=False),
        sa.Column("recorded_at", WHEN, nullable=False),
        _unit("readiness_trainings"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_readiness_trainings")),
    )
    op.create_index("ix_readiness_trainings_unit_path", "readiness_trainings", ["unit_path"])


def downgrade() -> None:
    op.drop_table("readiness_trainings")
    op.drop_table("readiness_offices")
