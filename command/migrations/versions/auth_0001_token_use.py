"""accounts: when each API token was last used

Revision ID: auth_0001
Revises: 0002_unit_contacts
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import command.db

revision: str = "auth_0001"
down_revision: str | Sequence[str] | None = "0002_unit_contacts"
branch_labels: str | Sequence[str] | None = ("auth",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN: batch mode would rebuild a table other rows may reference.
    op.add_column(
        "api_tokens",
        sa.Column("last_used_at", command.db.UTCDateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_column("api_tokens", "last_used_at")
