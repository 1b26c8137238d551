"""deadlines: an index on (state, withdrawn_at, kind) for the obligations still owed

Revision ID: deadlines_0003
Revises: deadlines_0002

The screens' deadlines snapshot reads the obligations still owed (pending, or a missed
initial or final report, not withdrawn). Met and late ones are nearly all of a year's
table; without this index every snapshot read them all (a sequential scan of the year).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "deadlines_0003"
down_revision: str | Sequence[str] | None = "deadlines_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_obligations_owed", "obligations", ["state", "withdrawn_at", "kind"])


def downgrade() -> None:
    op.drop_index("ix_obligations_owed", table_name="obligations")
