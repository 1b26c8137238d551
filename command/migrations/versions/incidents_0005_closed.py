"""incidents: an index on closed_at (the CAP feed's recently closed incidents)

Revision ID: incidents_0005
Revises: incidents_0004

The CAP feed reads the open incidents and those closed within the cancel retention. The
open ones come from the (status, level) index by their statuses; without an index on
closed_at the recently closed could only be found by reading every closed incident, so
the feed's query grew with the year's history.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "incidents_0005"
down_revision: str | Sequence[str] | None = "incidents_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_incidents_closed_at", "incidents", ["closed_at"])


def downgrade() -> None:
    op.drop_index("ix_incidents_closed_at", table_name="incidents")
