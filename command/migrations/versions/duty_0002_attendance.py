"""duty: each shift's attendance, recorded once its sign-in grace has passed

Revision ID: duty_0002
Revises: duty_0001

NULL until the attendance pass has looked at the shift; then "present" (signed into
within the grace) or "absent" (缺岗, with a shift.absent event). A plain added column:
SQLite adds it in place, so the tables referencing shifts are left alone.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "duty_0002"
down_revision: str | Sequence[str] | None = "duty_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("shifts", sa.Column("attendance", sa.String(length=16), nullable=True))
    op.create_index("ix_shifts_attendance_starts_at", "shifts", ["attendance", "starts_at"])


def downgrade() -> None:
    op.drop_index("ix_shifts_attendance_starts_at", table_name="shifts")
    with op.batch_alter_table("shifts", schema=None) as batch_op:
        batch_op.drop_column("attendance")
