"""Rituals: love maps, the weekly check-in, important dates, skipping tonight's question and
the opt-in themes (new parents; affection & intimacy, with both partners' consent).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# Love maps are on by default: Wednesday at 12:00, the defaults of the new columns.
GUESS_DAY, GUESS_TIME = 2, "12:00"


def _first_love_maps() -> None:
    """Existing couples get their first love-map round on the next Wednesday, like new ones
    (a new rhythm's instant is otherwise only computed when a setting changes)."""
    from bot.core import schedule

    bind = op.get_bind()
    now = datetime.now(UTC)
    rows = bind.execute(
        sa.text(
            "SELECT c.id, c.tz FROM couples c WHERE c.active = :yes "
            "AND (SELECT COUNT(*) FROM partners p WHERE p.couple_id = c.id) = 2"
        ),
        {"yes": True},
    )
    updates = []
    for couple_id, tz in rows:
        zone = ZoneInfo(tz)
        occurrence = schedule.weekly(GUESS_DAY, schedule.parse_hhmm(GUESS_TIME), zone)
        due = schedule.next_after(occurrence, now, zone)
        updates.append({"id": couple_id, "due": due.replace(tzinfo=None)})
    if updates:
        bind.execute(sa.text("UPDATE couples SET next_guess_at = :due WHERE id = :id"), updates)


def upgrade() -> None:
    """Add the columns and the table of important dates."""
    with op.batch_alter_table("couples") as batch:
        batch.add_column(
            sa.Column("guess_enabled", sa.Boolean(), server_default="1", nullable=False)
        )
        batch.add_column(sa.Column("guess_day", sa.Integer(), server_default="2", nullable=False))
        batch.add_column(
            sa.Column("guess_time", sa.String(length=5), server_default="12:00", nullable=False)
        )
        batch.add_column(sa.Column("next_guess_at", sa.DateTime(), nullable=True))
        batch.add_column(
            sa.Column("checkin_enabled", sa.Boolean(), server_default="0", nullable=False)
        )
        batch.add_column(sa.Column("checkin_day", sa.Integer(), server_default="6", nullable=False))
        batch.add_column(
            sa.Column("checkin_time", sa.String(length=5), server_default="11:00", nullable=False)
        )
        batch.add_column(sa.Column("next_checkin_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("has_dates", sa.Boolean(), server_default="0", nullable=False))
        batch.add_column(sa.Column("next_dates_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("parents", sa.Boolean(), server_default="0", nullable=False))
        batch.create_index(batch.f("ix_couples_next_guess_at"), ["next_guess_at"], unique=False)
        batch.create_index(batch.f("ix_couples_next_checkin_at"), ["next_checkin_at"], unique=False)
        batch.create_index(batch.f("ix_couples_next_dates_at"), ["next_dates_at"], unique=False)
    with op.batch_alter_table("partners") as batch:
        batch.add_column(sa.Column("intimacy_ok", sa.Boolean(), server_default="0", nullable=False))
    with op.batch_alter_table("prompts") as batch:
        batch.add_column(sa.Column("skipped_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("part_of", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            batch.f("fk_prompts_part_of_prompts"),
            "prompts",
            ["part_of"],
            ["id"],
            ondelete="CASCADE",
        )
        batch.create_index(batch.f("ix_prompts_part_of"), ["part_of"], unique=False)
    op.create_table(
        "important_dates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("couple_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("for_partner_id", sa.Integer(), nullable=True),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("label", sa.LargeBinary(), nullable=False),
        sa.Column("secret", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["partners.id"],
            name=op.f("fk_important_dates_author_id_partners"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["couple_id"],
            ["couples.id"],
            name=op.f("fk_important_dates_couple_id_couples"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["for_partner_id"],
            ["partners.id"],
            name=op.f("fk_important_dates_for_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_important_dates")),
    )
    op.create_index(
        op.f("ix_important_dates_couple_id"), "important_dates", ["couple_id"], unique=False
    )
    _first_love_maps()


def downgrade() -> None:
    """Drop what upgrade added (important dates and the new settings are lost)."""
    op.drop_index(op.f("ix_important_dates_couple_id"), table_name="important_dates")
    op.drop_table("important_dates")
    # Prompts of the new kinds (rounds in parts, important dates) mean nothing to 0003: they
    # go with their answers and messages. Later parts first: they reference the first part.
    new_kinds = "SELECT id FROM prompts WHERE kind NOT IN ('question', 'jar')"
    op.execute(f"DELETE FROM answers WHERE prompt_id IN ({new_kinds})")
    op.execute(f"DELETE FROM outbox WHERE prompt_id IN ({new_kinds})")
    op.execute("DELETE FROM prompts WHERE part_of IS NOT NULL")
    op.execute("DELETE FROM prompts WHERE kind NOT IN ('question', 'jar')")
    with op.batch_alter_table("prompts") as batch:
        batch.drop_index(batch.f("ix_prompts_part_of"))
        batch.drop_constraint(batch.f("fk_prompts_part_of_prompts"), type_="foreignkey")
        batch.drop_column("part_of")
        batch.drop_column("skipped_at")
    with op.batch_alter_table("partners") as batch:
        batch.drop_column("intimacy_ok")
    with op.batch_alter_table("couples") as batch:
        batch.drop_index(batch.f("ix_couples_next_dates_at"))
        batch.drop_index(batch.f("ix_couples_next_checkin_at"))
        batch.drop_index(batch.f("ix_couples_next_guess_at"))
        for column in (
            "parents",
            "next_dates_at",
            "has_dates",
            "next_checkin_at",
            "checkin_time",
            "checkin_day",
            "checkin_enabled",
            "next_guess_at",
            "guess_time",
            "guess_day",
            "guess_enabled",
        ):
            batch.drop_column(column)
