"""plans and drills: registry, versions and documents, filing, reviews, revision tasks,
drills with their plans, units and evaluations, calendar feeds

Revision ID: plans_0001
Revises: 0001_foundation
Create Date: 2026-11-25 19:25:35.108674
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import command.db

revision: str = "plans_0001"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = ("plans",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "drill_feeds",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=128), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", command.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", command.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_drill_feeds_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drill_feeds")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_drill_feeds_token_hash")),
    )
    op.create_table(
        "drills",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("form", sa.String(length=16), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("organizer_id", sa.Integer(), nullable=False),
        sa.Column("organizer_path", sa.String(length=512), nullable=False),
        sa.Column("starts_at", command.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", command.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("series_ends_at", command.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("rrule", sa.String(length=500), nullable=True),
        sa.Column(
            "location",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.Column(
            "overridden",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("override_by", sa.String(length=128), nullable=True),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", command.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", command.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organizer_id"], ["units.id"], name=op.f("fk_drills_organizer_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drills")),
    )
    with op.batch_alter_table("drills", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_drills_organizer_path"), ["organizer_path"], unique=False
        )
        batch_op.create_index("ix_drills_window", ["starts_at", "series_ends_at"], unique=False)

    op.create_table(
        "plans",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("unit_path", sa.String(length=512), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column(
            "categories",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "incident_types",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "levels",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("high_risk", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("in_force_since", sa.Date(), nullable=True),
        sa.Column("current_since", sa.Date(), nullable=True),
        sa.Column("last_reviewed_on", sa.Date(), nullable=True),
        sa.Column("last_drilled_on", sa.Date(), nullable=True),
        sa.Column("review_due", sa.Date(), nullable=True),
        sa.Column("next_drill_due", sa.Date(), nullable=True),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", command.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", command.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_plans_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plans")),
    )
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_plans_next_drill_due"), ["next_drill_due"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_plans_review_due"), ["review_due"], unique=False)
        batch_op.create_index(batch_op.f("ix_plans_unit_id"), ["unit_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_plans_unit_path"), ["unit_path"], unique=False)

    op.create_table(
        "drill_evaluations",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("drill_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("occurrence_start", command.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "items",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("suggestions", sa.Text(), nullable=False),
        sa.Column(
            "findings",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("evaluated_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", command.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["drill_id"], ["drills.id"], name=op.f("fk_drill_evaluations_drill_id_drills")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drill_evaluations")),
        sa.UniqueConstraint(
            "drill_id",
            "occurrence_start",
            name=op.f("uq_drill_evaluations_drill_id_occurrence_start"),
        ),
    )
    op.create_table(
        "drill_plans",
        sa.Column("drill_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("plan_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["drill_id"], ["drills.id"], name=op.f("fk_drill_plans_drill_id_drills")
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plans.id"], name=op.f("fk_drill_plans_plan_id_plans")
        ),
        sa.PrimaryKeyConstraint("drill_id", "plan_id", name=op.f("pk_drill_plans")),
    )
    with op.batch_alter_table("drill_plans", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_drill_plans_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "drill_units",
        sa.Column("drill_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["drill_id"], ["drills.id"], name=op.f("fk_drill_units_drill_id_drills")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_drill_units_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("drill_id", "unit_id", name=op.f("pk_drill_units")),
    )
    with op.batch_alter_table("drill_units", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_drill_units_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "plan_reviews",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("plan_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("reviewed_on", sa.Date(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("reviewed_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", command.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plans.id"], name=op.f("fk_plan_reviews_plan_id_plans")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_reviews")),
    )
    with op.batch_alter_table("plan_reviews", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_reviews_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "plan_versions",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("plan_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("change_summary", sa.Text(), nullable=False),
        sa.Column("approved_by", sa.String(length=128), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("filename", sa.String(length=255), nullable=True),
        sa.Column("media_type", sa.String(length=100), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", command.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plans.id"], name=op.f("fk_plan_versions_plan_id_plans")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_versions")),
        sa.UniqueConstraint("plan_id", "number", name=op.f("uq_plan_versions_plan_id_number")),
    )
    op.create_table(
        "plan_documents",
        sa.Column(
            "version_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["plan_versions.id"],
            name=op.f("fk_plan_documents_version_id_plan_versions"),
        ),
        sa.PrimaryKeyConstraint("version_id", name=op.f("pk_plan_documents")),
    )
    op.create_table(
        "plan_filings",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("plan_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "version_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("filed_with_id", sa.Integer(), nullable=True),
        sa.Column("unit_path", sa.String(length=512), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("provisional", sa.Boolean(), nullable=False),
        sa.Column("filed_on", sa.Date(), nullable=True),
        sa.Column("reference", sa.String(length=128), nullable=False),
        sa.Column("filed_by", sa.String(length=128), nullable=True),
        sa.ForeignKeyConstraint(
            ["filed_with_id"], ["units.id"], name=op.f("fk_plan_filings_filed_with_id_units")
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plans.id"], name=op.f("fk_plan_filings_plan_id_plans")
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["plan_versions.id"],
            name=op.f("fk_plan_filings_version_id_plan_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_filings")),
        sa.UniqueConstraint("version_id", name=op.f("uq_plan_filings_version_id")),
    )
    with op.batch_alter_table("plan_filings", schema=None) as batch_op:
        batch_op.create_index("ix_plan_filings_pending", ["filed_on", "due_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_plan_filings_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "plan_revision_tasks",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("plan_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("trigger", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("drill_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "evaluation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("opened_by", sa.String(length=128), nullable=False),
        sa.Column("opened_at", command.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_by_version", sa.Integer(), nullable=True),
        sa.Column("closed_at", command.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["drill_id"], ["drills.id"], name=op.f("fk_plan_revision_tasks_drill_id_drills")
        ),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["drill_evaluations.id"],
            name=op.f("fk_plan_revision_tasks_evaluation_id_drill_evaluations"),
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plans.id"], name=op.f("fk_plan_revision_tasks_plan_id_plans")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_revision_tasks")),
    )
    with op.batch_alter_table("plan_revision_tasks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_plan_revision_tasks_plan_id"), ["plan_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("plan_revision_tasks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_revision_tasks_plan_id"))

    op.drop_table("plan_revision_tasks")
    with op.batch_alter_table("plan_filings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_filings_plan_id"))
        batch_op.drop_index("ix_plan_filings_pending")

    op.drop_table("plan_filings")
    op.drop_table("plan_documents")
    op.drop_table("plan_versions")
    with op.batch_alter_table("plan_reviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_reviews_plan_id"))

    op.drop_table("plan_reviews")
    with op.batch_alter_table("drill_units", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_drill_units_unit_id"))

    op.drop_table("drill_units")
    with op.batch_alter_table("drill_plans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_drill_plans_plan_id"))

    op.drop_table("drill_plans")
    op.drop_table("drill_evaluations")
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plans_unit_path"))
        batch_op.drop_index(batch_op.f("ix_plans_unit_id"))
        batch_op.drop_index(batch_op.f("ix_plans_review_due"))
        batch_op.drop_index(batch_op.f("ix_plans_next_drill_due"))

    op.drop_table("plans")
    with op.batch_alter_table("drills", schema=None) as batch_op:
        batch_op.drop_index("ix_drills_window")
        batch_op.drop_index(batch_op.f("ix_drills_organizer_path"))

    op.drop_table("drills")
    op.drop_table("drill_feeds")
