"""Migrations: the stairway (up, down to nothing, up again) and the schema matching the models."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

from bot import db
from bot.core import crypto
from bot.core.columns import to_micros
from bot.core.content import load_content
from bot.core.jar import normalise
from bot.core.models import Answer, Base, Couple, GestureAssignment, Prompt
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


def _partial(connection: Connection) -> dict[str, bool]:
    """Each index of the database: whether it is partial (Alembic does not compare WHERE)."""
    if connection.dialect.name == "sqlite":
        query = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
    else:
        query = "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'"
    return {name: " WHERE " in sql.upper() for name, sql in connection.execute(text(query))}


def _partial_in_models() -> dict[str, bool]:
    return {
        str(index.name): index.dialect_options["sqlite"]["where"] is not None
        for table in Base.metadata.tables.values()
        for index in table.indexes
    }


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
            partial = await connection.run_sync(_partial)
        assert differences == [], differences
        assert {name: partial[name] for name in _partial_in_models()} == _partial_in_models()

        await db.migrate(engine)  # already at head: a no-op, not an error
    finally:
        await engine.dispose()


async def _a_couple(connection: AsyncConnection, created: datetime) -> None:
    """Couple 1, written with the columns every revision has had since the first."""
    await connection.execute(
        text(
            "INSERT INTO couples (id, chat_id, chat_title, active, tz, question_time, "
            "gesture_time, jar_day, jar_time, paused, depth, link_token, created_at) "
            "VALUES (1, -1, '', :yes, 'UTC', '20:00', '09:00', 4, '19:00', :no, 1, 't', :at)"
        ),
        {"yes": True, "no": False, "at": created},
    )


async def _partners(
    connection: AsyncConnection, joined: datetime, ids: tuple[int, ...], appreciation: bytes
) -> None:
    """Partners of couple 1 (each id also their user id), with the columns every revision has."""
    await connection.execute(
        text(
            "INSERT INTO partners (id, couple_id, user_id, first_name, private_open, "
            "appreciation, joined_at) VALUES (:id, 1, :user, 'P', :yes, :empty, :at)"
        ),
        [{"id": n, "user": n, "yes": True, "empty": appreciation, "at": joined} for n in ids],
    )


async def test_0004_every_earlier_prompt_was_asked_in_the_group(database_url: str) -> None:
    """Before two zones every prompt was asked in the group when made, and the upgrade says so
    (a private message answers only what the group was asked); a downgrade keeps only the
    couple's clock's deliveries."""
    engine = db.create_engine(database_url)
    asked = datetime(2025, 6, 2, 20)
    try:
        await db.migrate(engine, "0003")
        async with engine.begin() as connection:
            await _a_couple(connection, asked)
            await _partners(connection, asked, (1, 2), b"")
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
        await db.migrate(engine, "0004")
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


async def test_0008_instants_and_dates_survive_the_round_trip(database_url: str) -> None:
    """Instants and dates written before 0008 read back the same after it (SQLite now keeps
    them as integers), and a downgrade gives SQLite its text form back."""
    engine = db.create_engine(database_url)
    made = datetime(2025, 6, 2, 20, 0, 1, 250_000)
    asked = datetime(2025, 6, 2, 20)  # whole seconds: SQLite's text form has no fraction
    sqlite = engine.dialect.name == "sqlite"
    try:
        await db.migrate(engine, "0007")
        async with engine.begin() as connection:
            await _a_couple(connection, made)
            await connection.execute(
                text(
                    "INSERT INTO prompts (id, couple_id, kind, local_date, created_at, "
                    "asked_in_group_at) VALUES (1, 1, 'question', :day, :made, :asked)"
                ),
                {"day": date(2025, 6, 2), "made": made, "asked": asked},
            )
        await db.migrate(engine)
        async with db.session_factory(engine)() as session:
            prompt = await session.get(Prompt, 1)
            couple = await session.get(Couple, 1)
            assert prompt is not None and couple is not None
            assert prompt.created_at == made.replace(tzinfo=UTC)
            assert prompt.asked_in_group_at == asked.replace(tzinfo=UTC)
            assert prompt.local_date == date(2025, 6, 2)
            assert couple.created_at == made.replace(tzinfo=UTC)
            stored = (
                await session.execute(text("SELECT created_at, local_date FROM prompts"))
            ).one()
            if sqlite:
                assert isinstance(stored[0], int) and stored[1] == 20250602
        await db.downgrade(engine, "0007")
        async with engine.connect() as connection:
            row = (
                await connection.execute(
                    text("SELECT created_at, asked_in_group_at, local_date FROM prompts")
                )
            ).one()
        if sqlite:
            assert tuple(row) == (
                "2025-06-02 20:00:01.250000",
                "2025-06-02 20:00:00.000000",
                "2025-06-02",
            )
        else:
            assert tuple(row) == (made, asked, date(2025, 6, 2))
    finally:
        await engine.dispose()


async def test_0009_edits_digests_and_deflated_words_survive_the_round_trip(
    database_url: str,
) -> None:
    """After 0009 an unedited answer has no `edited_at` and a jar digest is 16 characters;
    a downgrade restores both and seals deflated words again as earlier code reads them."""
    vault = crypto.vault()
    engine = db.create_engine(database_url)
    made, edited = datetime(2025, 6, 2, 20), datetime(2025, 6, 2, 21)
    words = "Why do you hum when you cook?"
    sqlite = engine.dialect.name == "sqlite"
    try:
        await db.migrate(engine, "0007")
        async with engine.begin() as connection:
            await _a_couple(connection, made)
            await _partners(connection, made, (1,), vault.encrypt(b""))
            await connection.execute(
                text(
                    "INSERT INTO prompts (id, couple_id, kind, local_date, created_at, "
                    "asked_in_group_at) VALUES (:id, 1, 'question', :day, :at, :at)"
                ),
                [{"id": n, "day": date(2025, 6, n), "at": made} for n in (1, 2)],
            )
            await connection.execute(
                text(
                    "INSERT INTO answers (id, prompt_id, partner_id, kind, text, chat_id, "
                    "message_id, in_group, created_at, updated_at) "
                    "VALUES (:id, :prompt, 1, 'text', :text, 1, :message, :no, :made, :updated)"
                ),
                [
                    {"id": n, "prompt": n, "message": n, "text": vault.encrypt(b"A"), "no": False,
                     "made": made, "updated": made if n == 1 else edited}
                    for n in (1, 2)
                ],
            )  # fmt: skip
            await connection.execute(
                text(
                    "INSERT INTO jar_questions (id, couple_id, author_name, text, norm, secret, "
                    "created_at) VALUES (1, 1, 'P', :text, :norm, :no, :at)"
                ),
                {"text": vault.encrypt(words.encode()), "norm": vault.index(normalise(words), 32),
                 "no": False, "at": made},
            )  # fmt: skip
            await connection.execute(
                text(
                    "INSERT INTO gesture_assignments (id, couple_id, partner_id, gesture_id, "
                    "kind, local_date, shared, created_at) "
                    "VALUES (1, 1, 1, 'gesture-001', 'words', :day, :no, :at)"
                ),
                {"day": date(2025, 6, 2), "no": False, "at": made},
            )
        await db.migrate(engine)
        long_words = " ".join(["The rain on the way home, and your hand in mine."] * 4)
        async with db.session_factory(engine)() as session, session.begin():
            first, second = await session.get(Answer, 1), await session.get(Answer, 2)
            assert first is not None and second is not None
            assert first.edited_at is None
            assert second.edited_at == edited.replace(tzinfo=UTC)
            norm = await session.scalar(text("SELECT norm FROM jar_questions"))
            assert norm == vault.index(normalise(words)) and len(norm) == crypto.INDEX_CHARS
            first.text = long_words
            gesture = await session.get(GestureAssignment, 1)
            assert gesture is not None and gesture.gesture_id == "gesture-001"
        async with engine.connect() as connection:
            blob = await connection.scalar(text("SELECT text FROM answers WHERE id = 1"))
            assert bytes(blob)[:1] == crypto.DEFLATED
        await db.downgrade(engine, "0008")
        async with engine.connect() as connection:
            rows = (
                await connection.execute(
                    text("SELECT text, created_at = updated_at FROM answers ORDER BY id")
                )
            ).all()
            norm = await connection.scalar(text("SELECT norm FROM jar_questions"))
            kind, given = (
                await connection.execute(text("SELECT kind, created_at FROM gesture_assignments"))
            ).one()
        assert kind == load_content().by_id["gesture-001"].kind
        midnight = datetime(2025, 6, 2)
        assert given == (to_micros(midnight.replace(tzinfo=UTC)) if sqlite else midnight)
        assert [bool(same) for _blob, same in rows] == [True, False]
        assert bytes(rows[0][0])[:1] == crypto.FORMAT
        assert vault.decrypt(bytes(rows[0][0])).decode() == long_words
        assert norm == vault.index(normalise(words), 32)
    finally:
        await engine.dispose()


async def test_0010_drops_the_partner_keys_and_its_downgrade_restores_them(
    database_url: str,
) -> None:
    """After 0010 deleting a partner leaves their answers and ideas to the deleting code (the
    keys are gone); a downgrade drops what names a missing partner and cascades again."""
    vault = crypto.vault()
    engine = db.create_engine(database_url)
    made = datetime(2025, 6, 2, 20)

    async def left() -> tuple[int, int]:
        async with engine.connect() as connection:
            answers = await connection.scalar(text("SELECT count(*) FROM answers"))
            ideas = await connection.scalar(text("SELECT count(*) FROM gesture_assignments"))
        return int(answers or 0), int(ideas or 0)

    try:
        await db.migrate(engine, "0009")
        async with engine.begin() as connection:
            await _a_couple(connection, made)
            await _partners(connection, made, (1, 2), vault.encrypt(b""))
            await connection.execute(
                text(
                    "INSERT INTO prompts (id, couple_id, kind, local_date, created_at) "
                    "VALUES (1, 1, 'question', :day, :at)"
                ),
                {"day": date(2025, 6, 2), "at": made},
            )
            await connection.execute(
                text(
                    "INSERT INTO answers (id, prompt_id, partner_id, kind, chat_id, message_id, "
                    "in_group, created_at) VALUES (:n, 1, :n, 'text', :chat, :chat, :no, :at)"
                ),
                [{"n": n, "chat": n, "no": False, "at": made} for n in (1, 2)],
            )
            await connection.execute(
                text(
                    "INSERT INTO gesture_assignments (id, couple_id, partner_id, gesture_id, "
                    "local_date, shared) VALUES (:n, 1, :n, 'gesture-001', :day, :no)"
                ),
                [{"n": n, "day": date(2025, 6, 2), "no": False} for n in (1, 2)],
            )
        await db.migrate(engine)
        async with engine.begin() as connection:
            await connection.execute(text("DELETE FROM partners WHERE id = 2"))
        assert await left() == (2, 2), "no key: the rows stay for the deleting code to take"

        await db.downgrade(engine, "0009")
        assert await left() == (1, 1), "the rows naming a missing partner went"
        async with engine.begin() as connection:
            await connection.execute(text("DELETE FROM partners WHERE id = 1"))
        assert await left() == (0, 0), "the keys cascade again"
    finally:
        await engine.dispose()
