"""Deleting without scanning: every foreign key gets an index that starts with its column,
except on the two tables that grow with every evening (answers, gesture ideas), whose
`partner_id` loses its foreign key instead. Without an index, each deleted partner, prompt or
jar question made the database read a whole child table; purging one couple a year in took
seconds under the write lock. Gesture ideas get an index by couple and day: the morning's
batch reads its couples' recent ideas through it (see bot.core.gestures.memory). And the
index of each answer's own message goes: it grew with every answer for the sake of a rare
edit, which now finds the answer through its couple's prompts.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# (index, table, columns, partial: only rows where the first column is set)
INDEXES = (
    ("ix_gesture_assignments_couple", "gesture_assignments", ["couple_id", "local_date"], False),
    ("ix_prompts_jar_question", "prompts", ["jar_question_id"], True),
    ("ix_outbox_prompt", "outbox", ["prompt_id"], True),
    ("ix_outbox_partner", "outbox", ["partner_id"], True),
    ("ix_important_dates_author_id", "important_dates", ["author_id"], False),
    ("ix_important_dates_for_partner_id", "important_dates", ["for_partner_id"], False),
    ("ix_jar_questions_author_id", "jar_questions", ["author_id"], False),
)
# The partner keys that go: (table, constraint)
PARTNER_KEYS = (
    ("answers", "fk_answers_partner_id_partners"),
    ("gesture_assignments", "fk_gesture_assignments_partner_id_partners"),
)


def upgrade() -> None:
    """Drop the two partner keys of the growing tables and the index of answers' messages;
    index every other foreign key."""
    op.drop_index("ix_answers_source", table_name="answers")
    for table, constraint in PARTNER_KEYS:
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(constraint, type_="foreignkey")
    for name, table, columns, partial in INDEXES:
        where = sa.text(f"{columns[0]} IS NOT NULL") if partial else None
        op.create_index(name, table, columns, sqlite_where=where, postgresql_where=where)


def downgrade() -> None:
    """The indexes go and the two partner keys come back (rows of partners that no longer
    exist go first: the key would refuse them)."""
    for name, table, _columns, _partial in INDEXES:
        op.drop_index(name, table_name=table)
    op.create_index("ix_answers_source", "answers", ["chat_id", "message_id"])
    for table, constraint in PARTNER_KEYS:
        op.execute(
            f"DELETE FROM {table} WHERE partner_id IS NOT NULL "
            "AND partner_id NOT IN (SELECT id FROM partners)"
        )
        with op.batch_alter_table(table) as batch:
            batch.create_foreign_key(
                constraint, "partners", ["partner_id"], ["id"], ondelete="CASCADE"
            )
