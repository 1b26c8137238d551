"""foundation: server-side sessions, login failures per account and address, and the
further subtrees an event reaches

Revision ID: 0003_sessions
Revises: 0002_unit_contacts
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import command.db

revision: str = "0003_sessions"
down_revision: str | Sequence[str] | None = "0002_unit_contacts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("token_id", sa.Integer(), nullable=True),
        sa.Column("created_at", command.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", command.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", command.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("user_agent", sa.String(length=256), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_sessions_user_id_users")),
        sa.ForeignKeyConstraint(
            ["token_id"], ["api_tokens.id"], name=op.f("fk_sessions_token_id_api_tokens")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessions")),
        sa.UniqueConstraint("id_hash", name=op.f("uq_sessions_id_hash")),
    )
    op.create_table(
        "login_failures",
        sa.Column("key", sa.String(length=160), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_start", command.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("blocked_until", command.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_failures")),
    )
    # A plain ADD COLUMN: `events` holds rows that nothing may copy away.
    op.add_column("events", sa.Column("reach", JSON, nullable=True))


def downgrade() -> None:
    op.drop_column("events", "reach")
    op.drop_table("login_failures")
    op.drop_table("sessions")
