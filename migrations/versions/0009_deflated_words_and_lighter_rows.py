"""Lighter rows: an answer's `updated_at` becomes `edited_at`, empty until it is edited (it was
a copy of `created_at` on almost every row); a jar question's duplicate digest is 16 hex
characters instead of 32; a gesture idea no longer stores its kind (the content has it) nor
when it was handed out (its `local_date` says the day). Sealed words written from now on may
be deflated (format 2, see bot.core.crypto); a downgrade seals them again as they are, which
earlier code can read.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from alembic import op

from bot.core import crypto

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

EPOCH = datetime(1970, 1, 1)
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
    """Rename and empty unedited answers' instant; shorten the jar's digests; drop a gesture
    idea's kind and instant."""
    with op.batch_alter_table("answers") as batch:
        batch.alter_column(
            "updated_at", new_column_name="edited_at", existing_type=sa.DateTime(), nullable=True
        )
    op.execute("UPDATE answers SET edited_at = NULL WHERE edited_at = created_at")
    op.execute(f"UPDATE jar_questions SET norm = substr(norm, 1, {crypto.INDEX_CHARS})")
    with op.batch_alter_table("gesture_assignments") as batch:
        batch.drop_column("kind")
        batch.drop_column("created_at")


def _gestures_back() -> None:
    """A gesture's kind again from the content, and its `created_at` as its day's midnight UTC
    (when it was handed out that day is not kept)."""
    from bot.core.content import load_content

    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    with op.batch_alter_table("gesture_assignments") as batch:
        batch.add_column(sa.Column("kind", sa.String(16), nullable=True))
        batch.add_column(sa.Column("created_at", sa.DateTime(), nullable=True))
    kinds = {g.id: g.kind for g in load_content().gestures}
    changes = []
    for row_id, gesture_id, day in bind.execute(
        sa.text("SELECT id, gesture_id, local_date FROM gesture_assignments")
    ):
        if isinstance(day, int):  # SQLite keeps YYYYMMDD (see 0008)
            day = date(day // 10_000, day // 100 % 100, day % 100)
        midnight = datetime(day.year, day.month, day.day)
        # SQLite keeps microseconds since the epoch (0008), PostgreSQL a naive UTC timestamp.
        at: object = (midnight - EPOCH) // timedelta(microseconds=1) if sqlite else midnight
        changes.append({"row": row_id, "kind": kinds.get(gesture_id, ""), "at": at})
    if changes:
        bind.execute(
            sa.text(
                "UPDATE gesture_assignments SET kind = :kind, created_at = :at WHERE id = :row"
            ),
            changes,
        )
    with op.batch_alter_table("gesture_assignments") as batch:
        batch.alter_column("kind", existing_type=sa.String(16), nullable=False)
        batch.alter_column("created_at", existing_type=sa.DateTime(), nullable=False)


def downgrade() -> None:
    """Every answer gets its `updated_at` back, digests their 32 characters, gestures their
    kind and instant, and deflated blobs are sealed again undeflated (format 1)."""
    from bot.core.jar import normalise

    bind = op.get_bind()
    vault = crypto.vault()
    _gestures_back()
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
