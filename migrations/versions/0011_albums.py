"""Albums: an answer sent as several photos or videos at once (Telegram sends each as a message
of its own, sharing a media group id) is one answer; `answers.album` keeps the group's id and
its later items, which are copied with the first.

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
    """A nullable column: nothing to fill in (earlier answers are single messages)."""
    with op.batch_alter_table("answers") as batch:
        batch.add_column(sa.Column("album", sa.String(length=255), nullable=True))


def downgrade() -> None:
    """The column goes (an album's later items are no longer part of its answer)."""
    with op.batch_alter_table("answers") as batch:
        batch.drop_column("album")
