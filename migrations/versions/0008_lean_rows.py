"""Leaner rows on SQLite: instants as integer microseconds, dates as integer YYYYMMDD, and
indexes on mostly-empty columns (a round's later parts, a gesture's pending notice) holding
only the rows that use them.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# SQLite's own text form, 'YYYY-MM-DD HH:MM:SS[.ffffff]' in UTC, to microseconds and back.
TO_MICROS = (
    "CAST(strftime('%s', substr({c}, 1, 19)) AS INTEGER) * 1000000 + CASE WHEN "
    "substr({c}, 20, 1) = '.' THEN CAST(substr({c} || '000000', 21, 6) AS INTEGER) ELSE 0 END"
)
TO_TEXT = (
    "strftime('%Y-%m-%d %H:%M:%S', {c} / 1000000, 'unixepoch') || '.' || "
    "printf('%06d', {c} % 1000000)"
)
DATE_TO_INT = "CAST(replace({c}, '-', '') AS INTEGER)"
INT_TO_DATE = "printf('%04d-%02d-%02d', {c} / 10000, {c} / 100 % 100, {c} % 100)"
PARTIAL = (
    ("ix_prompts_part_of", "prompts", "part_of"),
    ("ix_gesture_assignments_notice_at", "gesture_assignments", "notice_at"),
)


def _columns(kind: type[sa.types.TypeEngine[Any]]) -> list[tuple[str, str]]:
    """Every (table, column) of that type (DATETIME or DATE)."""
    inspector = sa.inspect(op.get_bind())
    return [
        (table, column["name"])
        for table in inspector.get_table_names()
        for column in inspector.get_columns(table)
        if isinstance(column["type"], kind)
    ]


def _convert(kind: type[sa.types.TypeEngine[Any]], form: str, stored_as: str) -> None:
    bind = op.get_bind()
    for table, column in _columns(kind):
        quoted = f'"{column}"'
        converted = form.format(c=quoted)
        bind.execute(
            sa.text(
                f'UPDATE "{table}" SET {quoted} = {converted} '
                f"WHERE typeof({quoted}) = '{stored_as}'"
            )
        )


def upgrade() -> None:
    """Rewrite SQLite's instants and dates as integers; make the two indexes partial."""
    if op.get_bind().dialect.name == "sqlite":
        _convert(sa.DateTime, TO_MICROS, "text")
        _convert(sa.Date, DATE_TO_INT, "text")
    for name, table, column in PARTIAL:
        op.drop_index(name, table_name=table)
        where = sa.text(f"{column} IS NOT NULL")
        op.create_index(name, table, [column], sqlite_where=where, postgresql_where=where)


def downgrade() -> None:
    """Back to text instants and dates, and full indexes."""
    for name, table, column in PARTIAL:
        op.drop_index(name, table_name=table)
        op.create_index(name, table, [column])
    if op.get_bind().dialect.name == "sqlite":
        _convert(sa.DateTime, TO_TEXT, "integer")
        _convert(sa.Date, INT_TO_DATE, "integer")
