"""Migrations: the stairway (up, down to nothing, up again) and the schema matching the models."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
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
