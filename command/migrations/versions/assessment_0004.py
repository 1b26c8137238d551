"""assessment: a self-assessment submitted after its date is recorded as late (days late)

Revision ID: assessment_0004
Revises: assessment_0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "assessment_0004"
down_revision: str | Sequence[str] | None = "assessment_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("assessment_submissions") as batch:
        batch.add_column(sa.Column("late_days", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("assessment_submissions") as batch:
        batch.drop_column("late_days")
