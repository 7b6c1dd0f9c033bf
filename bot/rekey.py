"""Key rotation: rewrite every sealed value with the current key.

The host sets HEARTH_ENCRYPTION_KEY to a new key and HEARTH_OLD_ENCRYPTION_KEYS to the old
one, runs `python -m bot rotate-key` (the bot may keep running: it reads both keys), and once
it reports done, removes the old key from the settings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import LargeBinary, bindparam, select, type_coerce, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import db
from bot.core import crypto
from bot.core.jar import normalise
from bot.core.models import (
    Answer,
    Base,
    ImportantDate,
    JarQuestion,
    OutboxMessage,
    Partner,
    Prompt,
    table,
)

# Every sealed column: (model, column).
SEALED: Sequence[tuple[type[Base], str]] = (
    (Answer, "text"),
    (JarQuestion, "text"),
    (Prompt, "text"),
    (Partner, "appreciation"),
    (ImportantDate, "label"),
    (OutboxMessage, "payload"),
    (OutboxMessage, "fallback"),
)
BATCH = 1000


@dataclass
class Rotation:
    """How many values were rewritten, and how many already used the current key."""

    rewritten: int = 0
    current: int = 0


async def rotate(engine: AsyncEngine) -> Rotation:
    """Rewrite every sealed value not yet sealed with the current key (batch by batch)."""
    vault = crypto.vault()
    done = Rotation()
    sessions = db.session_factory(engine)
    for model, column in SEALED:
        target = table(model)
        raw = type_coerce(target.c[column], LargeBinary)
        last = 0
        while True:
            async with db.writing(sessions) as session:
                batch = (
                    select(target.c.id, raw)
                    .where(target.c.id > last, target.c[column].is_not(None))
                    .order_by(target.c.id)
                    .limit(BATCH)
                )
                if engine.dialect.name == "postgresql":
                    # The bot may keep running: a row it changes while this batch is read
                    # must not be written back with the value read before (SQLite's writers
                    # take turns already).
                    batch = batch.with_for_update()
                rows = (await session.execute(batch)).all()
                changes = []
                for row_id, blob in rows:
                    if vault.is_current(bytes(blob)):
                        done.current += 1
                        continue
                    plain = vault.decrypt(bytes(blob))
                    # Queued messages stay undeflated, as `SealedJSON` writes them.
                    deflate = model is not OutboxMessage
                    change = {"row": row_id, "value": vault.encrypt(plain, deflate)}
                    if model is JarQuestion:  # the duplicate check's digest is keyed too
                        change["norm"] = vault.index(normalise(plain.decode()))
                    changes.append(change)
                if changes:
                    values: dict[str, object] = {
                        column: type_coerce(bindparam("value"), LargeBinary)
                    }
                    if model is JarQuestion:
                        values["norm"] = bindparam("norm")
                    await session.execute(
                        update(target).where(target.c.id == bindparam("row")).values(values),
                        changes,
                    )
                done.rewritten += len(changes)
            if len(rows) < BATCH:
                break
            last = rows[-1][0]
    return done
