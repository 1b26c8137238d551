"""plans: a revision task opened by a drill's finding keeps the finding's own words

Revision ID: plans_0002
Revises: plans_0001

Tasks written before held `drill N «title», item: text` as their reason, English on the
Chinese pages; the drill and the evaluation are columns of their own. This keeps the text.
"""

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "plans_0002"
down_revision: str | Sequence[str] | None = "plans_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ITEMS = "execution|plan_soundness|command_coordination|responders|equipment"
OLD_REASON = re.compile(rf"drill \d+ «.*», (?:{ITEMS}): (?P<text>.*)", re.DOTALL)


def upgrade() -> None:
    tasks = sa.table(
        "plan_revision_tasks",
        sa.column("id", sa.BigInteger),
        sa.column("trigger", sa.String),
        sa.column("reason", sa.Text),
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(tasks.c.id, tasks.c.reason).where(tasks.c.trigger == "drill_findings")
    ).all()
    for task_id, reason in rows:
        if (match := OLD_REASON.fullmatch(reason or "")) is not None:
            bind.execute(tasks.update().where(tasks.c.id == task_id).values(reason=match["text"]))


def downgrade() -> None:
    """The old wording is not written back: the text itself is kept either way."""
