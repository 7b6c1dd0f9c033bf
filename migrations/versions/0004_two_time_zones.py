"""Two time zones: a partner's own zone and clock, the question put to them on it, when the
group was asked a prompt, living apart, and deliveries that can belong to one partner.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the partner's zone, own next instants and asked question, when the group was asked,
    and couples' living apart."""
    with op.batch_alter_table("partners") as batch:
        batch.add_column(sa.Column("tz", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("next_question_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("next_gesture_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("asked_prompt_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("asked_at", sa.DateTime(), nullable=True))
        batch.create_index(
            batch.f("ix_partners_next_question_at"), ["next_question_at"], unique=False
        )
        batch.create_index(
            batch.f("ix_partners_next_gesture_at"), ["next_gesture_at"], unique=False
        )
    # Until now every prompt was asked in the group when it was made.
    with op.batch_alter_table("prompts") as batch:
        batch.add_column(sa.Column("asked_in_group_at", sa.DateTime(), nullable=True))
    op.get_bind().execute(sa.text("UPDATE prompts SET asked_in_group_at = created_at"))
    with op.batch_alter_table("couples") as batch:
        batch.add_column(sa.Column("living_apart", sa.Boolean(), nullable=True))
    # Existing deliveries were all on the couple's clock: partner 0.
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("partner_id", sa.Integer(), server_default="0", nullable=False))
        batch.drop_constraint("uq_deliveries_couple_id_kind_local_date", type_="unique")
        batch.create_unique_constraint(
            batch.f("uq_deliveries_couple_id_partner_id_kind_local_date"),
            ["couple_id", "partner_id", "kind", "local_date"],
        )


def downgrade() -> None:
    """Back to one clock per couple (a partner's own deliveries go: they would collide)."""
    op.get_bind().execute(sa.text("DELETE FROM deliveries WHERE partner_id <> 0"))
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_constraint("uq_deliveries_couple_id_partner_id_kind_local_date", type_="unique")
        batch.create_unique_constraint(
            batch.f("uq_deliveries_couple_id_kind_local_date"), ["couple_id", "kind", "local_date"]
        )
        batch.drop_column("partner_id")
    with op.batch_alter_table("couples") as batch:
        batch.drop_column("living_apart")
    with op.batch_alter_table("prompts") as batch:
        batch.drop_column("asked_in_group_at")
    with op.batch_alter_table("partners") as batch:
        batch.drop_index(batch.f("ix_partners_next_gesture_at"))
        batch.drop_index(batch.f("ix_partners_next_question_at"))
        batch.drop_column("asked_at")
        batch.drop_column("asked_prompt_id")
        batch.drop_column("next_gesture_at")
        batch.drop_column("next_question_at")
        batch.drop_column("tz")
