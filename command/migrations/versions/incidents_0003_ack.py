"""incidents: the centre's acknowledgement (签收) and a row version for If-Match

Revision ID: incidents_0003
Revises: incidents_0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import command.db

revision: str = "incidents_0003"
down_revision: str | Sequence[str] | None = "incidents_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("acknowledged_at", command.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("acknowledged_by", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))


def downgrade() -> None:
    op.drop_column("incidents", "version")
    op.drop_column("incidents", "acknowledged_by")
    op.drop_column("incidents", "acknowledged_at")
