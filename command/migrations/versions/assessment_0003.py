"""assessment: the approval document (成立文件) of an office, uploaded

Revision ID: assessment_0003
Revises: assessment_0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "assessment_0003"
down_revision: str | Sequence[str] | None = "assessment_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    ("document_filename", sa.String(length=255)),
    ("document_kind", sa.String(length=16)),
    ("document_sha256", sa.String(length=64)),
    ("document", sa.LargeBinary()),
)


def upgrade() -> None:
    with op.batch_alter_table("readiness_offices") as batch:
        for name, kind in COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("readiness_offices") as batch:
        for name, _ in reversed(COLUMNS):
            batch.drop_column(name)
