"""deadlines: direct links and triggers on obligations, 误报 verdicts of corrections;
communities are areas of the village tier

Revision ID: deadlines_0002
Revises: deadlines_0001
Depends on: incidents_0002

A community (社区) is now an area of the chain at the village tier (vocabulary.toml marks
the kind `area`): it keeps its kind code. One that was filed at another tier directly
under a township is moved to the village tier, where it reports to its 街道 on the
village>township link. Obligations already created keep the limits they were given.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "deadlines_0002"
down_revision: str | Sequence[str] | None = "deadlines_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = "incidents_0002"

BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    # Plain ADD COLUMNs on `obligations`, which verdicts reference (batch mode would copy and
    # drop it); `verdicts`, which nothing references, is rebuilt on SQLite for its new key.
    op.add_column(
        "obligations",
        sa.Column("direct", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("obligations", sa.Column("trigger", sa.String(length=64), nullable=True))
    with op.batch_alter_table("verdicts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("correction_id", BIG, nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_verdicts_correction_id_corrections"),
            "corrections",
            ["correction_id"],
            ["id"],
        )
    op.execute(
        "UPDATE units SET tier = 'village' WHERE kind = 'community' AND tier <> 'village' "
        "AND parent_id IN (SELECT id FROM units WHERE kind = 'area' AND tier = 'township')"
    )


def downgrade() -> None:
    with op.batch_alter_table("verdicts", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_verdicts_correction_id_corrections"), type_="foreignkey"
        )
        batch_op.drop_column("correction_id")
    op.drop_column("obligations", "trigger")
    op.drop_column("obligations", "direct")
