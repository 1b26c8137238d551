"""incidents: initial-report content (scope, development, leaders), addressees (越级上报),
核报/补报 flags, jump explanations, the device-clock flag, and corrections (更正)

Revision ID: incidents_0002
Revises: incidents_0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import command.db

revision: str = "incidents_0002"
down_revision: str | Sequence[str] | None = "incidents_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql")
BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    # Plain ADD COLUMNs (SQLite has them): batch mode would copy and drop `reports`, which
    # the obligations' and verdicts' foreign keys refuse once it holds rows.
    for name in ("scope", "development", "leaders", "explanation"):
        op.add_column("reports", sa.Column(name, sa.Text(), nullable=False, server_default=""))
    op.add_column("reports", sa.Column("addressees", JSON, nullable=True))
    for name in ("verified", "supplement", "device_time_flagged"):
        op.add_column(
            "reports", sa.Column(name, sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "corrections",
        sa.Column("id", BIG, autoincrement=True, nullable=False),
        sa.Column("incident_id", BIG, nullable=False),
        sa.Column("report_id", BIG, nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("unit_path", sa.String(length=512), nullable=False),
        sa.Column("by_centre", sa.Boolean(), nullable=False),
        sa.Column("changes", JSON, nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("supplement", sa.Boolean(), nullable=False),
        sa.Column("at", command.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_corrections_incident_id_incidents")
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name=op.f("fk_corrections_report_id_reports")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_corrections_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_corrections")),
    )
    with op.batch_alter_table("corrections", schema=None) as batch_op:
        batch_op.create_index("ix_corrections_incident_id", ["incident_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("corrections", schema=None) as batch_op:
        batch_op.drop_index("ix_corrections_incident_id")
    op.drop_table("corrections")
    for name in (
        "device_time_flagged",
        "supplement",
        "verified",
        "addressees",
        "explanation",
        "leaders",
        "development",
        "scope",
    ):
        op.drop_column("reports", name)
