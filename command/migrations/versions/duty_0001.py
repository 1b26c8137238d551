"""duty: the call register (来电来文登记), the roster with its sign-ins, handovers

Revision ID: duty_0001
Revises: 0001_foundation
Depends on: incidents_0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import command.db

revision: str = "duty_0001"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = ("duty",)
depends_on: str | Sequence[str] | None = "incidents_0001"

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _id() -> sa.Column:
    return sa.Column("id", BIG_ID, autoincrement=True, nullable=False)


def upgrade() -> None:
    op.create_table(
        "calls",
        _id(),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("unit_path", sa.String(length=512), nullable=False),
        sa.Column("received_at", command.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("caller_name", sa.String(length=128), nullable=False),
        sa.Column("caller_phone", sa.String(length=64), nullable=False),
        sa.Column("caller_unit", sa.String(length=200), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("actions", sa.Text(), nullable=False),
        sa.Column("told", sa.Text(), nullable=False),
        sa.Column("incident_id", BIG_ID, nullable=True),
        sa.Column("recorded_by", sa.String(length=128), nullable=False),
        sa.Column("recorded_at", command.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_calls_incident_id_incidents")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_calls_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calls")),
    )
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.create_index(
            "ix_calls_unit_path_received_at", ["unit_path", "received_at"], unique=False
        )

    op.create_table(
        "shifts",
        _id(),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("unit_path", sa.String(length=512), nullable=False),
        sa.Column("starts_at", command.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", command.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("leader_name", sa.String(length=64), nullable=False),
        sa.Column("leader_phone", sa.String(length=64), nullable=False),
        sa.Column("officers", JSON, nullable=False),
        sa.Column("line", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", command.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_shifts_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shifts")),
        sa.UniqueConstraint("unit_id", "starts_at", name=op.f("uq_shifts_unit_id_starts_at")),
    )
    with op.batch_alter_table("shifts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_shifts_unit_path_starts_at", ["unit_path", "starts_at"], unique=False
        )

    op.create_table(
        "shift_sign_ins",
        _id(),
        sa.Column("shift_id", BIG_ID, nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("by", sa.String(length=128), nullable=False),
        sa.Column("at", command.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["shift_id"], ["shifts.id"], name=op.f("fk_shift_sign_ins_shift_id_shifts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shift_sign_ins")),
        sa.UniqueConstraint("shift_id", "name", name=op.f("uq_shift_sign_ins_shift_id_name")),
    )

    op.create_table(
        "handovers",
        _id(),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("unit_path", sa.String(length=512), nullable=False),
        sa.Column("from_shift_id", BIG_ID, nullable=True),
        sa.Column("to_shift_id", BIG_ID, nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("open_items", JSON, nullable=False),
        sa.Column("handed_by", sa.String(length=128), nullable=False),
        sa.Column("handed_at", command.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("accepted_by", sa.String(length=128), nullable=True),
        sa.Column("accepted_at", command.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["from_shift_id"], ["shifts.id"], name=op.f("fk_handovers_from_shift_id_shifts")
        ),
        sa.ForeignKeyConstraint(
            ["to_shift_id"], ["shifts.id"], name=op.f("fk_handovers_to_shift_id_shifts")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_handovers_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handovers")),
    )
    with op.batch_alter_table("handovers", schema=None) as batch_op:
        batch_op.create_index(
            "ix_handovers_unit_path_handed_at", ["unit_path", "handed_at"], unique=False
        )


def downgrade() -> None:
    op.drop_table("handovers")
    op.drop_table("shift_sign_ins")
    op.drop_table("shifts")
    op.drop_table("calls")
