"""Lighter rows: an answer's `updated_at` becomes `edited_at`, empty until it is edited (it was
a copy of `created_at` on almost every row), and a jar question's duplicate digest is 16 hex
characters instead of 32. Sealed words written from now on may be deflated (format 2, see
bot.core.crypto); a downgrade seals them again as they are, which earlier code can read.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.core import crypto

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

SEALED = (
    ("answers", "text"),
    ("jar_questions", "text"),
    ("prompts", "text"),
    ("partners", "appreciation"),
    ("important_dates", "label"),
    ("outbox", "payload"),
    ("outbox", "fallback"),
)


def upgrade() -> None:
    """Rename and empty unedited answers' instant; shorten the jar's digests."""
    with op.batch_alter_table("answers") as batch:
        batch.alter_column(
            "updated_at", new_column_name="edited_at", existing_type=sa.DateTime(), nullable=True
        )
    op.execute("UPDATE answers SET edited_at = NULL WHERE edited_at = created_at")
    op.execute(f"UPDATE jar_questions SET norm = substr(norm, 1, {crypto.INDEX_CHARS})")


def downgrade() -> None:
    """Every answer gets its `updated_at` back, digests their 32 characters, and deflated
    blobs are sealed again undeflated (format 1)."""
    from bot.core.jar import normalise

    bind = op.get_bind()
    vault = crypto.vault()
    op.execute("UPDATE answers SET edited_at = created_at WHERE edited_at IS NULL")
    with op.batch_alter_table("answers") as batch:
        batch.alter_column(
            "edited_at", new_column_name="updated_at", existing_type=sa.DateTime(), nullable=False
        )
    for table, column in SEALED:
        rows = bind.execute(sa.text(f"SELECT id, {column} FROM {table} WHERE {column} IS NOT NULL"))
        changes = [
            {"row": row_id, "value": vault.encrypt(vault.decrypt(bytes(blob)), deflate=False)}
            for row_id, blob in rows
            if bytes(blob)[:1] == crypto.DEFLATED
        ]
        if changes:
            bind.execute(
                sa.text(f"UPDATE {table} SET {column} = :value WHERE id = :row").bindparams(
                    sa.bindparam("value", type_=sa.LargeBinary)
                ),
                changes,
            )
    digests = [
        {"id": row_id, "norm": vault.index(normalise(vault.decrypt(bytes(blob)).decode()), 32)}
        for row_id, blob in bind.execute(sa.text("SELECT id, text FROM jar_questions"))
    ]
    if digests:
        bind.execute(sa.text("UPDATE jar_questions SET norm = :norm WHERE id = :id"), digests)
