"""foundation: a unit's contacts (where its duty is reached by mail or a notification URL)

Revision ID: 0002_unit_contacts
Revises: 0001_foundation
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002_unit_contacts"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    # A plain ADD COLUMN (SQLite has it): batch mode would copy and drop `units`, which
    # the foreign keys of every other table refuse once it holds rows.
    op.add_column(
        "units", sa.Column("contacts", JSON, nullable=False, server_default=sa.text("'[]'"))
    )


def downgrade() -> None:
    op.drop_column("units", "contacts")
