"""interop: early warnings received as CAP

Revision ID: interop_0001
Revises: 0001_foundation
Depends on: incidents_0001
Create Date: 2026-11-25 19:39:46.687411
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import command.db

revision: str = "interop_0001"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = ("interop",)
depends_on: str | Sequence[str] | None = "incidents_0001"


def upgrade() -> None:
    op.create_table(
        "warnings",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("sender", sa.String(length=255), nullable=False),
        sa.Column("identifier", sa.String(length=255), nullable=False),
        sa.Column("sent", command.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("msg_type", sa.String(length=16), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column(
            "refs",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("incidents", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=35), nullable=False),
        sa.Column(
            "languages",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("event", sa.Text(), nullable=False),
        sa.Column(
            "cap_categories",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("urgency", sa.String(length=16), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("certainty", sa.String(length=16), nullable=False),
        sa.Column(
            "event_codes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "parameters",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("category", sa.String(length=16), nullable=True),
        sa.Column("level", sa.String(length=4), nullable=True),
        sa.Column("sender_name", sa.Text(), nullable=False),
        sa.Column("headline", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("instruction", sa.Text(), nullable=False),
        sa.Column("effective", command.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("onset", command.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("expires", command.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "areas",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column(
            "replaced_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("linked", sa.Boolean(), nullable=False),
        sa.Column("received_at", command.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("received_by", sa.String(length=128), nullable=False),
        sa.Column("receiver_path", sa.String(length=512), nullable=False),
        sa.Column(
            "incident_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_warnings_incident_id_incidents")
        ),
        sa.ForeignKeyConstraint(
            ["replaced_by_id"], ["warnings.id"], name=op.f("fk_warnings_replaced_by_id_warnings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warnings")),
        sa.UniqueConstraint("sender", "identifier", name=op.f("uq_warnings_sender_identifier")),
    )
    with op.batch_alter_table("warnings", schema=None) as batch_op:
        batch_op.create_index("ix_warnings_receiver_path", ["receiver_path"], unique=False)
        batch_op.create_index("ix_warnings_sent", ["sent"], unique=False)

    op.create_table(
        "warning_units",
        sa.Column(
            "warning_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("unit_path", sa.String(length=512), nullable=False),
        sa.Column("match", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_warning_units_unit_id_units")
        ),
        sa.ForeignKeyConstraint(
            ["warning_id"], ["warnings.id"], name=op.f("fk_warning_units_warning_id_warnings")
        ),
        sa.PrimaryKeyConstraint("warning_id", "unit_id", name=op.f("pk_warning_units")),
    )
    with op.batch_alter_table("warning_units", schema=None) as batch_op:
        batch_op.create_index("ix_warning_units_unit_path", ["unit_path"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("warning_units", schema=None) as batch_op:
        batch_op.drop_index("ix_warning_units_unit_path")

    op.drop_table("warning_units")
    with op.batch_alter_table("warnings", schema=None) as batch_op:
        batch_op.drop_index("ix_warnings_sent")
        batch_op.drop_index("ix_warnings_receiver_path")

    op.drop_table("warnings")
