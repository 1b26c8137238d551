"""incidents: the simplified outline of a big geometry (what events, screens and CAP carry)

Revision ID: incidents_0004
Revises: incidents_0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "incidents_0004"
down_revision: str | Sequence[str] | None = "incidents_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    # A plain ADD COLUMN: incidents are referenced by reports, obligations and more.
    op.add_column("incidents", sa.Column("outline", JSON, nullable=True))


def downgrade() -> None:
    op.drop_column("incidents", "outline")
