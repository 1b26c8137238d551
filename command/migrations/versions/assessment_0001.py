"""assessment: submissions, manual scores and evidence of the year-end assessment

Revision ID: assessment_0001
Revises: 0001_foundation
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import command.db

revision: str = "assessment_0001"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = ("assessment",)
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
WHEN = command.db.UTCDateTime(timezone=True)


def _id() -> sa.Column:
    return sa.Column("id", BIG_ID, autoincrement=True, nullable=False)


def _submission_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["submission_id"],
        ["assessment_submissions.id"],
        name=op.f(f"fk_{table}_submission_id_assessment_submissions"),
    )


def upgrade() -> None:
    op.create_table(
        "assessment_submissions",
        _id(),
        sa.Column("sheet", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("unit_path", sa.String(length=512), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("submitted_by", sa.String(length=128), nullable=True),
        sa.Column("submitted_at", WHEN, nullable=True),
        sa.Column("approved_by", sa.String(length=128), nullable=True),
        sa.Column("approved_at", WHEN, nullable=True),
        sa.Column("frozen", JSON, nullable=True),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_assessment_submissions_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_submissions")),
        sa.UniqueConstraint(
            "sheet", "year", "unit_id", name=op.f("uq_assessment_submissions_sheet_year_unit_id")
        ),
    )
    op.create_index("ix_assessment_submissions_unit_path", "assessment_submissions", ["unit_path"])
    op.create_table(
        "assessment_scores",
        _id(),
        sa.Column("submission_id", BIG_ID, nullable=False),
        sa.Column("indicator", sa.String(length=64), nullable=False),
        sa.Column("self_points", sa.Float(), nullable=True),
        sa.Column("self_note", sa.Text(), nullable=False),
        sa.Column("inspector_points", sa.Float(), nullable=True),
        sa.Column("inspector_reason", sa.Text(), nullable=False),
        sa.Column("inspected_by", sa.String(length=128), nullable=True),
        sa.Column("inspected_at", WHEN, nullable=True),
        _submission_fk("assessment_scores"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_scores")),
        sa.UniqueConstraint(
            "submission_id", "indicator", name=op.f("uq_assessment_scores_submission_id_indicator")
        ),
    )
    op.create_table(
        "assessment_evidence",
        _id(),
        sa.Column("submission_id", BIG_ID, nullable=False),
        sa.Column("indicator", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by", sa.String(length=128), nullable=False),
        sa.Column("uploaded_at", WHEN, nullable=False),
        _submission_fk("assessment_evidence"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_evidence")),
    )
    op.create_index(
        "ix_assessment_evidence_submission_id", "assessment_evidence", ["submission_id"]
    )


def downgrade() -> None:
    op.drop_table("assessment_evidence")
    op.drop_table("assessment_scores")
    op.drop_table("assessment_submissions")
