"""Albums and picks. An answer sent as several photos or videos at once (Telegram sends each as
a message of its own, sharing a media group id) is one answer: `answers.album` keeps the
group's id and its later items, copied with the first. `partners.picked_at`: when a partner
last picked a question by button, so that a pick made just before the next evening's question
outlasts it.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Two nullable columns: nothing to fill in (earlier answers are single messages, and
    earlier picks count as long past)."""
    with op.batch_alter_table("answers") as batch:
        batch.add_column(sa.Column("album", sa.String(length=255), nullable=True))
    with op.batch_alter_table("partners") as batch:
        batch.add_column(sa.Column("picked_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    """The columns go (an album's later items are no longer part of its answer)."""
    with op.batch_alter_table("partners") as batch:
        batch.drop_column("picked_at")
    with op.batch_alter_table("answers") as batch:
        batch.drop_column("album")
