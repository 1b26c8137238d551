"""notify: repeats of a delivery until it is acknowledged (the repeat number in the key)

Revision ID: notify_0002
Revises: notify_0001

The deliveries table is referenced by no other table, so SQLite's batch mode may copy it
to change its unique key.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "notify_0002"
down_revision: str | Sequence[str] | None = "notify_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_KEY = "uq_deliveries_event_id_rule_channel_address"
NEW_KEY = "uq_deliveries_event_id_rule_channel_address_repeat"


def upgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("repeat", sa.Integer(), server_default="0", nullable=False))
        batch_op.drop_constraint(OLD_KEY, type_="unique")
        batch_op.create_unique_constraint(
            NEW_KEY, ["event_id", "rule", "channel", "address", "repeat"]
        )


def downgrade() -> None:
    op.execute('DELETE FROM deliveries WHERE "repeat" > 0')
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_constraint(NEW_KEY, type_="unique")
        batch_op.create_unique_constraint(OLD_KEY, ["event_id", "rule", "channel", "address"])
        batch_op.drop_column("repeat")
