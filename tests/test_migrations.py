"""Migrations: the stairway (up, down to nothing, up again) and the schema matching the models."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from bot import db
from bot.models import Base


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


def _revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(
        connection,
        opts={"compare_type": True, "compare_server_default": True, "render_as_batch": True},
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
