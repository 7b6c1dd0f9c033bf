"""Each couple's language, and each partner's own for their private chat.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add couples.language (existing couples keep English) and partners.language (None: the
    couple's)."""
    with op.batch_alter_table("couples") as batch:
        batch.add_column(sa.Column("language", sa.String(10), server_default="en", nullable=False))
    with op.batch_alter_table("partners") as batch:
        batch.add_column(sa.Column("language", sa.String(10), nullable=True))


def downgrade() -> None:
    """Drop them."""
    with op.batch_alter_table("partners") as batch:
        batch.drop_column("language")
    with op.batch_alter_table("couples") as batch:
        batch.drop_column("language")
