"""desk: leaders' instructions (领导批示), the units they are addressed to, their feedback

Revision ID: desk_0001
Revises: 0001_foundation
Depends on: incidents_0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import command.db

revision: str = "desk_0001"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = ("desk",)
depends_on: str | Sequence[str] | None = "incidents_0001"

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _id() -> sa.Column:
    return sa.Column("id", BIG_ID, autoincrement=True, nullable=False)


def upgrade() -> None:
    op.create_table(
        "instructions",
        _id(),
        sa.Column("incident_id", BIG_ID, nullable=False),
        sa.Column("unit_path", sa.String(length=512), nullable=False),
        sa.Column("given_by", sa.String(length=128), nullable=False),
        sa.Column("given_at", command.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("due_at", command.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("logged_by", sa.String(length=128), nullable=False),
        sa.Column("logged_at", command.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("done_at", command.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_instructions_incident_id_incidents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_instructions")),
    )
    with op.batch_alter_table("instructions", schema=None) as batch_op:
        batch_op.create_index("ix_instructions_incident_id", ["incident_id"], unique=False)
        batch_op.create_index("ix_instructions_state_due_at", ["state", "due_at"], unique=False)

    op.create_table(
        "instruction_units",
        _id(),
        sa.Column("instruction_id", BIG_ID, nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("unit_path", sa.String(length=512), nullable=False),
        sa.Column("done_at", command.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["instruction_id"],
            ["instructions.id"],
            name=op.f("fk_instruction_units_instruction_id_instructions"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_instruction_units_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_instruction_units")),
        sa.UniqueConstraint(
            "instruction_id", "unit_id", name=op.f("uq_instruction_units_instruction_id_unit_id")
        ),
    )
    with op.batch_alter_table("instruction_units", schema=None) as batch_op:
        batch_op.create_index("ix_instruction_units_unit_path", ["unit_path"], unique=False)

    op.create_table(
        "instruction_feedback",
        _id(),
        sa.Column("instruction_id", BIG_ID, nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("at", command.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("by", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(
            ["instruction_id"],
            ["instructions.id"],
            name=op.f("fk_instruction_feedback_instruction_id_instructions"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_instruction_feedback_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_instruction_feedback")),
    )
    with op.batch_alter_table("instruction_feedback", schema=None) as batch_op:
        batch_op.create_index(
            "ix_instruction_feedback_instruction_id", ["instruction_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("instruction_feedback")
    op.drop_table("instruction_units")
    op.drop_table("instructions")
