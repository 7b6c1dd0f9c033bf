"""Migration 0005 on a database with couples: love maps start for them like for new ones."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import text

from bot import db

COUPLE = (
    "INSERT INTO couples (id, chat_id, chat_title, active, tz, question_time, gesture_time, "
    "jar_day, jar_time, paused, depth, link_token, created_at) VALUES (:id, :chat, '', :yes, "
    ":tz, '20:00', '09:00', 4, '19:00', :no, 1, :token, :now)"
)
PARTNER = (
    "INSERT INTO partners (couple_id, user_id, first_name, private_open, appreciation, "
    "joined_at) VALUES (:couple, :user, 'P', :yes, :empty, :now)"
)


async def test_existing_couples_get_their_first_love_map_on_wednesday(database_url: str) -> None:
    engine = db.create_engine(database_url)
    now = datetime.now(UTC).replace(tzinfo=None)
    try:
        await db.migrate(engine, "0003")
        async with engine.begin() as connection:
            for couple_id, tz in ((1, "Europe/Berlin"), (2, "UTC")):
                await connection.execute(
                    text(COUPLE),
                    {"id": couple_id, "chat": -couple_id, "yes": True, "no": False, "tz": tz,
                     "token": f"t{couple_id}", "now": now},
                )  # fmt: skip
            # Couple 1 has both partners; couple 2 waits for its second.
            for couple_id, user in ((1, 11), (1, 12), (2, 21)):
                await connection.execute(
                    text(PARTNER),
                    {"couple": couple_id, "user": user, "yes": True, "empty": b"", "now": now},
                )
        await db.migrate(engine, "0005")  # the revision under test
        async with engine.connect() as connection:
            found = await connection.execute(text("SELECT id, next_guess_at FROM couples"))
            rows: dict[int, Any] = {row[0]: row[1] for row in found}
    finally:
        await engine.dispose()
    assert rows[2] is None
    due = rows[1]
    if isinstance(due, str):  # SQLite hands back text for a raw query
        due = datetime.fromisoformat(due)
    local = due.replace(tzinfo=UTC).astimezone(ZoneInfo("Europe/Berlin"))
    assert (local.weekday(), local.hour, local.minute) == (2, 12, 0)
    assert 0 < (due - now).total_seconds() <= 7 * 24 * 3600
