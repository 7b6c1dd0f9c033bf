"""Migrations: the stairway (up, down to nothing, up again) and the schema matching the models."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from bot import db
from bot.core.models import Base
from tests.conftest import BOTH

ENGINES = BOTH  # claims, races and cascades behave differently per engine


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


def _revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _bare(default: str) -> str:
    """A server default without the parentheses and quotes reflection may wrap it in."""
    default = default.strip()
    while len(default) >= 2 and (default[0], default[-1]) in {("(", ")"), ("'", "'")}:
        default = default[1:-1].strip()
    return default


def _compare_default(
    context: MigrationContext,
    inspected_column: Any,
    metadata_column: Any,
    inspected_default: str | None,
    metadata_default: Any,
    rendered_metadata_default: str | None,
) -> bool | None:
    """Alembic's own comparison, except for one piece of noise: SQLite reflects a default
    added by ALTER TABLE as `('')` where the model says `''` (the same empty string)."""
    if inspected_default is None or rendered_metadata_default is None:
        return None
    if _bare(inspected_default) == _bare(rendered_metadata_default):
        return False
    return None


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(
        connection,
        opts={
            "compare_type": True,
            "compare_server_default": _compare_default,
            "render_as_batch": True,
        },
    )
    return list(compare_metadata(context, Base.metadata))


async def test_stairway_and_schema_matches_models(database_url: str) -> None:
    engine = db.create_engine(database_url)
    head = ScriptDirectory.from_config(db.alembic_config()).get_current_head()
    models = set(Base.metadata.tables)
    try:
        await db.migrate(engine)
        async with engine.connect() as connection:
            assert await connection.run_sync(_tables) == models | {"alembic_version"}
            assert await connection.run_sync(_revision) == head

        await db.downgrade(engine, "base")
        async with engine.connect() as connection:
            assert await connection.run_sync(_tables) <= {"alembic_version"}
            assert await connection.run_sync(_revision) is None

        await db.migrate(engine)
        async with engine.connect() as connection:
            assert await connection.run_sync(_revision) == head
            assert await connection.run_sync(_tables) == models | {"alembic_version"}
            differences = await connection.run_sync(_differences)
        assert differences == [], differences

        await db.migrate(engine)  # already at head: a no-op, not an error
    finally:
        await engine.dispose()


async def test_0004_every_earlier_prompt_was_asked_in_the_group(database_url: str) -> None:
    """Before two zones every prompt was asked in the group when made, and the upgrade says so
    (a private message answers only what the group was asked); a downgrade keeps only the
    couple's clock's deliveries."""
    engine = db.create_engine(database_url)
    asked = datetime(2025, 6, 2, 20)
    try:
        await db.migrate(engine, "0003")
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO couples (id, chat_id, chat_title, active, tz, question_time, "
                    "gesture_time, jar_day, jar_time, paused, depth, link_token, created_at) "
                    "VALUES (1, -1, '', :yes, 'UTC', '20:00', '09:00', 4, '19:00', :no, 1, 't', "
                    ":at)"
                ),
                {"yes": True, "no": False, "at": asked},
            )
            await connection.execute(
                text(
                    "INSERT INTO partners (id, couple_id, user_id, first_name, private_open, "
                    "appreciation, joined_at) VALUES (:id, 1, :user, 'P', :yes, :empty, :at)"
                ),
                [{"id": n, "user": n, "yes": True, "empty": b"", "at": asked} for n in (1, 2)],
            )
            await connection.execute(
                text(
                    "INSERT INTO prompts (id, couple_id, kind, local_date, created_at) "
                    "VALUES (:id, 1, :kind, :day, :at)"
                ),
                [
                    {"id": 1, "kind": "question", "day": date(2025, 6, 1), "at": asked},
                    {"id": 2, "kind": "question", "day": date(2025, 6, 2), "at": asked},
                    {"id": 3, "kind": "jar", "day": date(2025, 6, 2), "at": asked},
                ],
            )
        await db.migrate(engine)
        async with engine.begin() as connection:
            rows = await connection.execute(
                text("SELECT id, asked_in_group_at FROM prompts ORDER BY id")
            )
            assert [(r[0], str(r[1])[:16]) for r in rows] == [
                (n, "2025-06-02 20:00") for n in (1, 2, 3)
            ]
            await connection.execute(
                text(
                    "INSERT INTO deliveries (couple_id, partner_id, kind, local_date, created_at) "
                    "VALUES (1, :partner, 'own_question', :day, :at)"
                ),
                [{"partner": n, "day": date(2025, 6, 2), "at": asked} for n in (1, 2)],
            )
        await db.downgrade(engine, "0003")
        async with engine.connect() as connection:
            assert (await connection.execute(text("SELECT COUNT(*) FROM deliveries"))).scalar() == 0
    finally:
        await engine.dispose()
