"""One ritual on jar night: by default the jar's question takes the place of that evening's
question; `jar_with_question` keeps both (with one invitation to talk).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add couples.jar_with_question (false: jar night replaces the evening question)."""
    with op.batch_alter_table("couples") as batch:
        batch.add_column(
            sa.Column("jar_with_question", sa.Boolean(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    """Drop it."""
    with op.batch_alter_table("couples") as batch:
        batch.drop_column("jar_with_question")
