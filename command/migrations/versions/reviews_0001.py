"""reviews: post-incident evaluations (事后评估) and their corrective actions (整改措施)

Revision ID: reviews_0001
Revises: 0001_foundation
Depends on: incidents_0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import command.db

revision: str = "reviews_0001"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = ("reviews",)
depends_on: str | Sequence[str] | None = "incidents_0001"

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql")


def _id() -> sa.Column:
    return sa.Column("id", BIG_ID, autoincrement=True, nullable=False)


def _at(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, command.db.UTCDateTime(timezone=True), nullable=nullable)


def _who(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.String(length=128), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "evaluations",
        _id(),
        sa.Column("incident_id", BIG_ID, nullable=False),
        sa.Column("unit_path", sa.String(length=512), nullable=False),
        sa.Column("lead_unit_id", sa.Integer(), nullable=True),
        sa.Column("lead_tier", sa.String(length=16), nullable=False),
        sa.Column("led_locally", sa.Boolean(), nullable=False),
        sa.Column("rule", sa.String(length=64), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        _at("opened_at"),
        _at("due_at"),
        sa.Column("state", sa.String(length=16), nullable=False),
        _at("overdue_at", True),
        sa.Column("group", JSON, nullable=False),
        sa.Column("sections", JSON, nullable=False),
        sa.Column("plans", JSON, nullable=False),
        sa.Column("recommendations", JSON, nullable=False),
        _at("updated_at"),
        _who("updated_by", False),
        _at("submitted_at", True),
        _who("submitted_by"),
        _at("accepted_at", True),
        _who("accepted_by"),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_evaluations_incident_id_incidents")
        ),
        sa.ForeignKeyConstraint(
            ["lead_unit_id"], ["units.id"], name=op.f("fk_evaluations_lead_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluations")),
        sa.UniqueConstraint("incident_id", name=op.f("uq_evaluations_incident_id")),
    )
    op.create_index("ix_evaluations_unit_path", "evaluations", ["unit_path"])
    op.create_index("ix_evaluations_state_due_at", "evaluations", ["state", "due_at"])

    op.create_table(
        "corrective_actions",
        _id(),
        sa.Column("evaluation_id", BIG_ID, nullable=False),
        sa.Column("incident_id", BIG_ID, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("owner_unit_id", sa.Integer(), nullable=False),
        sa.Column("unit_path", sa.String(length=512), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        _at("due_at"),
        sa.Column("state", sa.String(length=16), nullable=False),
        _at("overdue_at", True),
        sa.Column("plan_id", BIG_ID, nullable=True),
        sa.Column("revision_task_id", BIG_ID, nullable=True),
        sa.Column("evidence", sa.Text(), nullable=False),
        _at("done_at", True),
        _who("done_by"),
        _at("verified_at", True),
        _who("verified_by"),
        _at("created_at"),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["evaluations.id"],
            name=op.f("fk_corrective_actions_evaluation_id_evaluations"),
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_corrective_actions_incident_id_incidents"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_unit_id"],
            ["units.id"],
            name=op.f("fk_corrective_actions_owner_unit_id_units"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_corrective_actions")),
    )
    op.create_index("ix_corrective_actions_unit_path", "corrective_actions", ["unit_path"])
    op.create_index("ix_corrective_actions_state_due_at", "corrective_actions", ["state", "due_at"])
    op.create_index("ix_corrective_actions_evaluation_id", "corrective_actions", ["evaluation_id"])


def downgrade() -> None:
    op.drop_table("corrective_actions")
    op.drop_table("evaluations")
