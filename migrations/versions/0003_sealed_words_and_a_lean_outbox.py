"""Sealed words and a lean outbox: partners' words encrypted at rest, prompts remember their
group message, forget votes per partner, processed updates and service state.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

from bot.core import crypto

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# (table, column, nullable): partners' words that are stored encrypted from now on.
SEALED = (
    ("answers", "text", True),
    ("jar_questions", "text", False),
    ("partners", "appreciation", False),
    ("outbox", "payload", False),
    ("outbox", "fallback", True),
)
PROMPT_PURPOSES = ("question", "jar", "jar_night")


def _text(value: object) -> str:
    if isinstance(value, memoryview):
        value = value.tobytes()
    return value.decode() if isinstance(value, bytes) else str(value)


def _rewrite(table: str, column: str, convert: Callable[[object], object]) -> None:
    """Convert every non-null value of a column in Python (encrypting or decrypting)."""
    bind = op.get_bind()
    rows = bind.execute(sa.text(f"SELECT id, {column} FROM {table} WHERE {column} IS NOT NULL"))
    updates = [{"id": row[0], "value": convert(row[1])} for row in rows]
    if updates:
        bind.execute(sa.text(f"UPDATE {table} SET {column} = :value WHERE id = :id"), updates)


def _to_blob(table: str, column: str, nullable: bool = True) -> None:
    with op.batch_alter_table(table) as batch:
        batch.alter_column(
            column,
            type_=sa.LargeBinary(),
            existing_nullable=nullable,
            nullable=nullable,
            postgresql_using=f"convert_to({column}, 'UTF8')",
        )


def _to_text(table: str, column: str, nullable: bool = True) -> None:
    with op.batch_alter_table(table) as batch:
        batch.alter_column(
            column,
            type_=sa.Text(),
            existing_nullable=nullable,
            nullable=nullable,
            postgresql_using=f"encode({column}, 'escape')",
        )


def upgrade() -> None:
    """Encrypt words in place, move reply lookup to prompts, add the new tables."""
    vault = crypto.vault()
    bind = op.get_bind()

    def seal(value: object) -> bytes:
        return vault.encrypt(_text(value).encode(), deflate=False)  # the format of its day

    for table, column, nullable in SEALED:
        _to_blob(table, column, nullable)
        _rewrite(table, column, seal)

    # Duplicate jar questions are found by a keyed digest instead of the normalised words.
    rows = list(bind.execute(sa.text("SELECT id, norm FROM jar_questions")))
    if rows:
        bind.execute(
            sa.text("UPDATE jar_questions SET norm = :norm WHERE id = :id"),
            [{"id": r[0], "norm": vault.index(r[1], 32)} for r in rows],  # 0009 shortens
        )
    with op.batch_alter_table("jar_questions") as batch:
        batch.alter_column("norm", type_=sa.String(64), existing_type=sa.String(400))

    # Prompts: their group message id (reply lookup), and text only for partners' own words.
    with op.batch_alter_table("prompts") as batch:
        batch.add_column(sa.Column("message_id", sa.BigInteger(), nullable=True))
        batch.alter_column("text", existing_type=sa.Text(), nullable=True)
        batch.create_index("ix_prompts_message", ["couple_id", "message_id"], unique=False)
    bind.execute(
        sa.text(
            "UPDATE prompts SET message_id = (SELECT MAX(o.sent_message_id) FROM outbox o "
            "WHERE o.prompt_id = prompts.id AND o.purpose IN ('question', 'jar', 'jar_night') "
            "AND o.sent_message_id IS NOT NULL)"
        )
    )
    bind.execute(sa.text("UPDATE prompts SET text = NULL WHERE jar_question_id IS NULL"))
    _to_blob("prompts", "text")
    _rewrite("prompts", "text", seal)

    bind.execute(
        sa.text(
            "UPDATE outbox SET purpose = 'gesture_shared' WHERE purpose LIKE 'gesture_shared:%'"
        )
    )
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index("ix_outbox_sent")
        batch.create_index("ix_outbox_chat", ["chat_id", "status"], unique=False)

    # Forget votes: one flag per partner instead of a comma-separated string on the couple.
    with op.batch_alter_table("partners") as batch:
        batch.add_column(
            sa.Column("forget_confirmed", sa.Boolean(), server_default="0", nullable=False)
        )
    for _couple_id, votes in bind.execute(sa.text("SELECT id, forget_votes FROM couples")):
        voted = [int(v) for v in (votes or "").split(",") if v.strip().isdigit()]
        if voted:
            bind.execute(
                sa.text("UPDATE partners SET forget_confirmed = :yes WHERE id = :id"),
                [{"id": v, "yes": True} for v in voted],
            )
    with op.batch_alter_table("couples") as batch:
        batch.drop_column("forget_votes")

    op.create_table(
        "updates_seen",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("update_id", name=op.f("pk_updates_seen")),
    )
    op.create_index(op.f("ix_updates_seen_seen_at"), "updates_seen", ["seen_at"], unique=False)
    op.create_table(
        "service_state",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=255), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_service_state")),
    )


def downgrade() -> None:
    """Decrypt back to plain columns (bank question texts come back from the content files)."""
    vault = crypto.vault()
    bind = op.get_bind()

    def unseal(value: object) -> str:
        blob = value if isinstance(value, bytes) else _text(value).encode("latin-1")
        return vault.decrypt(blob).decode()

    op.drop_table("service_state")
    op.drop_index(op.f("ix_updates_seen_seen_at"), table_name="updates_seen")
    op.drop_table("updates_seen")
    with op.batch_alter_table("couples") as batch:
        batch.add_column(
            sa.Column("forget_votes", sa.String(length=64), server_default="", nullable=False)
        )
    with op.batch_alter_table("partners") as batch:
        batch.drop_column("forget_confirmed")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index("ix_outbox_chat")
        batch.create_index("ix_outbox_sent", ["chat_id", "sent_message_id"], unique=False)
    _rewrite("prompts", "text", unseal)
    _to_text("prompts", "text")
    from bot.core.content import load_content

    texts = {q.id: q.text for q in load_content().questions}
    bank = list(bind.execute(sa.text("SELECT id, content_id FROM prompts WHERE text IS NULL")))
    if bank:
        bind.execute(
            sa.text("UPDATE prompts SET text = :text WHERE id = :id"),
            [{"id": r[0], "text": texts.get(r[1] or "", "")} for r in bank],
        )
    with op.batch_alter_table("prompts") as batch:
        batch.drop_index("ix_prompts_message")
        batch.drop_column("message_id")
        batch.alter_column("text", existing_type=sa.Text(), nullable=False)
    rows = list(bind.execute(sa.text("SELECT id, text FROM jar_questions")))
    with op.batch_alter_table("jar_questions") as batch:
        batch.alter_column("norm", type_=sa.String(400), existing_type=sa.String(64))
    from bot.core.jar import normalise

    if rows:
        bind.execute(
            sa.text("UPDATE jar_questions SET norm = :norm WHERE id = :id"),
            [{"id": r[0], "norm": normalise(unseal(r[1]))} for r in rows],
        )
    for table, column, nullable in SEALED:
        _rewrite(table, column, unseal)
        _to_text(table, column, nullable)
