"""deadlines: an index for the obligations still owed; a subtree's by pattern operators

Revision ID: deadlines_0003
Revises: deadlines_0002

The screens' deadlines snapshot reads the obligations still owed (pending, or a missed
initial or final report, not withdrawn). Met and late ones are nearly all of a year's
table; without an index on (state, withdrawn_at, kind) every snapshot read them all.

A subtree is a prefix of `unit_path` (LIKE '/…/231102/%'). PostgreSQL uses a plain btree
index for such a prefix only under the "C" collation; with varchar_pattern_ops it does
under any, so the compliance table of one county reads that county's rows, not the year's.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "deadlines_0003"
down_revision: str | Sequence[str] | None = "deadlines_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


SUBTREE = "ix_obligations_unit_path_due_at"


def upgrade() -> None:
    op.create_index("ix_obligations_owed", "obligations", ["state", "withdrawn_at", "kind"])
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index(SUBTREE, table_name="obligations")
        op.create_index(
            SUBTREE,
            "obligations",
            ["unit_path", "due_at"],
            postgresql_ops={"unit_path": "varchar_pattern_ops"},
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index(SUBTREE, table_name="obligations")
        op.create_index(SUBTREE, "obligations", ["unit_path", "due_at"])
    op.drop_index("ix_obligations_owed", table_name="obligations")
