"""deadlines: reporting obligations and verdicts

Revision ID: deadlines_0001
Revises: 0001_foundation
Depends on: incidents_0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import command.db

revision: str = "deadlines_0001"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = ("deadlines",)
depends_on: str | Sequence[str] | None = "incidents_0001"


def upgrade() -> None:
    op.create_table(
        "obligations",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "incident_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("unit_path", sa.String(length=512), nullable=False),
        sa.Column("to_unit_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=128), nullable=False),
        sa.Column("level", sa.String(length=4), nullable=False),
        sa.Column("link", sa.String(length=32), nullable=False),
        sa.Column("starts_at", command.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_at", command.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("warn_at", command.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("miss_at", command.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("next_at", command.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("warned_at", command.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("overdue_at", command.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("missed_at", command.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("met_at", command.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("report_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "missing_facts",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("known_elsewhere", sa.Boolean(), nullable=False),
        sa.Column("exercise", sa.Boolean(), nullable=False),
        sa.Column("withdrawn_at", command.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", command.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_obligations_incident_id_incidents")
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name=op.f("fk_obligations_report_id_reports")
        ),
        sa.ForeignKeyConstraint(
            ["to_unit_id"], ["units.id"], name=op.f("fk_obligations_to_unit_id_units")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_obligations_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_obligations")),
    )
    with op.batch_alter_table("obligations", schema=None) as batch_op:
        batch_op.create_index("ix_obligations_due_at", ["due_at"], unique=False)
        batch_op.create_index("ix_obligations_incident_id", ["incident_id"], unique=False)
        batch_op.create_index("ix_obligations_next_at", ["next_at"], unique=False)
        batch_op.create_index(
            "ix_obligations_unit_path_due_at", ["unit_path", "due_at"], unique=False
        )

    op.create_table(
        "verdicts",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "incident_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("unit_path", sa.String(length=512), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column(
            "obligation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("report_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("flagged_at", command.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("flagged_by", sa.String(length=128), nullable=False),
        sa.Column("decided_at", command.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=128), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_verdicts_incident_id_incidents")
        ),
        sa.ForeignKeyConstraint(
            ["obligation_id"],
            ["obligations.id"],
            name=op.f("fk_verdicts_obligation_id_obligations"),
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name=op.f("fk_verdicts_report_id_reports")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_verdicts_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verdicts")),
    )
    with op.batch_alter_table("verdicts", schema=None) as batch_op:
        batch_op.create_index("ix_verdicts_incident_id", ["incident_id"], unique=False)
        batch_op.create_index("ix_verdicts_unit_path", ["unit_path"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("verdicts", schema=None) as batch_op:
        batch_op.drop_index("ix_verdicts_unit_path")
        batch_op.drop_index("ix_verdicts_incident_id")

    op.drop_table("verdicts")
    with op.batch_alter_table("obligations", schema=None) as batch_op:
        batch_op.drop_index("ix_obligations_unit_path_due_at")
        batch_op.drop_index("ix_obligations_next_at")
        batch_op.drop_index("ix_obligations_incident_id")
        batch_op.drop_index("ix_obligations_due_at")

    op.drop_table("obligations")
