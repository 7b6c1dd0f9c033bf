"""What Hearth guarantees, one test each (the README's list points here): crash recovery,
at-most-once prompts, per-chat order, expiry, redelivered updates, sealed storage, key
rotation, serialised migrations, quiet logs."""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import PrimaryKeyConstraint, UniqueConstraint, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from telegram import Update

from bot import db, leader, rekey, runner
from bot.__main__ import RedactingFormatter
from bot.config import ROOT
from bot.core import crypto, sending
from bot.core.columns import Sealed, SealedJSON
from bot.core.models import Answer, Base, Couple, JarQuestion, OutboxMessage, Partner
from bot.core.purposes import OutboxStatus, Purpose
from bot.simulation.world import FAKE_KEY, Simulation
from bot.simulation.world import Couple as SimCouple
from tests.conftest import BOTH
from tests.helpers import at_once

ENGINES = BOTH  # claims, restarts and constraints are the engines' business
EVENING = datetime(2025, 6, 2, 20, 0, tzinfo=UTC)


def questions(sim: Simulation, chat_id: int) -> list[str]:
    """The evening questions a chat received."""
    return [s.text for s in sim.api.sent if s.chat_id == chat_id and "Tonight's" in s.text]


async def restart(first: Simulation, url: str, at: datetime) -> Simulation:
    """A new process on the same database and the same (fake) Telegram."""
    second = Simulation(url, at, content=first.hearth.content)
    second.api.users, second.api.chats, second.api.messages = (
        first.api.users,
        first.api.chats,
        first.api.messages,
    )
    return second


async def die_mid_send(sim: Simulation, now: datetime) -> int:
    """The process claims what is due and dies before sending or recording anything."""
    async with db.writing(sim.hearth.sessions) as session:
        claimed = await sending.claim(session, now, 100)
    return len(claimed)


async def test_a_restarted_bot_resumes_what_a_dead_process_had_claimed(sim: Simulation) -> None:
    first, url = sim, sim.settings.database_url
    couple = await first.onboard()
    first.clock.now = EVENING
    (job,) = first.app.job_queue.get_jobs_by_name("tick")  # type: ignore[union-attr]
    await job.run(first.app)  # queued (the question, and the day's late nudges), not sent
    assert await die_mid_send(first, EVENING) == 3
    second = await restart(first, url, EVENING + timedelta(seconds=5))
    async with second:  # starting up: it leads, and recovers the dead process's lapsed claims
        await second.send()
        assert questions(second, couple.group.id) == [], "a fresh claim may be a live sender's"
        await second.tick(EVENING + sending.CLAIM_LEASE)  # the claim lapsed: the tick takes it
        assert len(questions(second, couple.group.id)) == 1


async def test_a_prompt_claimed_before_midnight_still_goes_out(sim: Simulation) -> None:
    first, url = sim, sim.settings.database_url
    couple = await first.onboard()
    await first.feed(first.tg.command(couple.alex, couple.group, "/time question 23:59"))
    late = datetime(2025, 6, 2, 23, 59, tzinfo=UTC)
    first.clock.now = late
    (job,) = first.app.job_queue.get_jobs_by_name("tick")  # type: ignore[union-attr]
    await job.run(first.app)
    assert await die_mid_send(first, late) >= 1
    second = await restart(first, url, late + timedelta(minutes=3))  # tomorrow
    async with second:
        await second.send()
        assert len(questions(second, couple.group.id)) == 1, "claimed yesterday: it goes"


async def test_a_second_worker_or_a_stale_schedule_never_sends_a_day_twice(
    sim: Simulation,
) -> None:
    couple = await sim.onboard()
    await sim.tick(EVENING)
    # A worker working from a stale view of the schedule tries the same evening again: the
    # unique (couple, kind, local date) delivery is what stops it.
    async with db.writing(sim.hearth.sessions) as session:
        await session.execute(update(Couple).values(next_question_at=EVENING))
    await sim.tick(EVENING + timedelta(minutes=1))
    assert len(questions(sim, couple.group.id)) == 1


async def test_a_chat_keeps_its_order_behind_a_deferred_message(sim: Simulation) -> None:
    couple = await sim.onboard()
    sim.api.fail("sendMessage", "network", times=1, chat_id=couple.group.id)
    await sim.tick(EVENING)  # the question is deferred
    await sim.feed(sim.tg.command(couple.alex, couple.group, "/jar"))  # queued behind it
    assert not [s for s in sim.tg.inbox(couple.group) if "jar:" in s.text], (
        "nothing overtakes the deferred question"
    )
    await sim.tick(EVENING + timedelta(minutes=2))  # its retry is due
    group = [s.text for s in sim.tg.inbox(couple.group)]
    asked = next(i for i, t in enumerate(group) if "Tonight's" in t)
    drawn = next(i for i, t in enumerate(group) if "From the jar" in t or "Hearth's jar" in t)
    assert asked < drawn, group


async def _queue(sim: Simulation, *messages: tuple[int, Purpose]) -> list[int]:
    """Queue bare messages (chat, purpose), due at EVENING, in this order; their ids."""
    rows = [
        OutboxMessage(chat_id=chat, method="message", payload={"text": "x"}, purpose=purpose,
                      status=OutboxStatus.PENDING, attempts=0, next_attempt_at=EVENING,
                      created_at=EVENING)
        for chat, purpose in messages
    ]  # fmt: skip
    async with db.writing(sim.hearth.sessions) as session:
        session.add_all(rows)
        await session.flush()
        return [row.id for row in rows]


async def test_an_awaited_message_goes_ahead_of_the_scheduled_ones(sim: Simulation) -> None:
    backlog = await _queue(sim, *((-100 - n, Purpose.QUESTION) for n in range(30)))
    # A partner's "your turn" in a chat of its own; another behind its chat's question.
    (free, behind) = await _queue(sim, (42, Purpose.YOUR_TURN), (-101, Purpose.YOUR_TURN))
    async with db.writing(sim.hearth.sessions) as session:
        claimed = [c.row.id for c in await sending.claim(session, EVENING, 5)]
    assert claimed == [*backlog[:4], free], "awaited first, then the oldest"
    assert behind not in claimed, "a chat's earlier message goes first"


async def test_a_partners_turn_is_not_kept_waiting_by_an_evening_burst(sim: Simulation) -> None:
    couples = [await sim.onboard(f"A{n}", f"B{n}") for n in range(4)]
    last = couples[-1]
    await sim.tick(EVENING.replace(hour=9))  # the morning's nudges are out of the way
    sim.hearth.sender.batch = 2  # a burst: more questions due than the sender holds at once
    sim.clock.now = EVENING
    (job,) = sim.app.job_queue.get_jobs_by_name("tick")  # type: ignore[union-attr]
    await job.run(sim.app)  # every couple's question queued, none sent yet
    sent = len(sim.api.sent)
    await sim.feed(sim.tg.send(last.alex, last.alex, "The first warm evening of the year"))
    order = [
        s.chat_id
        for s in sim.api.sent[sent:]
        if s.chat_id in (last.sam.id, *(c.group.id for c in couples))
    ]
    turn = order.index(last.sam.id)
    assert turn < order.index(couples[1].group.id), order


async def test_a_nudge_that_could_not_go_out_for_half_a_day_expires(sim: Simulation) -> None:
    couple = await sim.onboard()
    sim.api.fail("sendMessage", "network", times=1000, chat_id=couple.alex.id)
    morning = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
    await sim.tick(morning)
    sim.api.failures.clear()
    await sim.tick(morning + timedelta(hours=12, minutes=1))
    assert not [s for s in sim.tg.inbox(couple.alex) if "small idea" in s.text]
    async with sim.hearth.sessions() as session:
        statuses = set(
            await session.scalars(
                select(OutboxMessage.status).where(OutboxMessage.purpose == Purpose.GESTURE)
            )
        )
    assert OutboxStatus.EXPIRED in statuses


async def test_handling_an_update_never_sends_the_outbox(sim: Simulation) -> None:
    couple = await sim.onboard()
    sim.api.fail("sendMessage", "network", times=1, chat_id=couple.group.id)
    await sim.tick(EVENING)  # a backlog: the question waits for its retry
    calls = len(sim.api.calls)
    update = sim.tg.send(couple.alex, couple.alex, "An answer")
    assert update is not None
    await sim.app.process_update(Update.de_json(update, sim.app.bot))
    made = [method for method, _params in sim.api.calls[calls:]]
    assert made == ["setMessageReaction"], "the update's own acknowledgement, nothing queued"


async def test_an_update_delivered_twice_has_no_visible_effect(sim: Simulation) -> None:
    couple = await sim.onboard()
    await sim.tick(EVENING)
    answer = sim.tg.send(couple.alex, couple.alex, "Only once")
    await sim.feed(answer)
    calls, sent = len(sim.api.calls), len(sim.api.sent)
    await sim.feed(answer)  # Telegram delivers it again after a restart
    help_command = sim.tg.command(couple.sam, couple.sam, "/help")
    await sim.feed(help_command)
    calls, sent = len(sim.api.calls), len(sim.api.sent)
    await sim.feed(help_command)
    assert (len(sim.api.calls), len(sim.api.sent)) == (calls, sent)
    async with sim.hearth.sessions() as session:
        texts = [a.text for a in await session.scalars(select(Answer))]
    assert texts == ["Only once"]


@pytest.mark.parametrize("stale_nudge", [False, True])
async def test_both_partners_answering_at_once_are_both_kept_and_revealed_once(
    sim: Simulation, stale_nudge: bool
) -> None:
    """One partner replies in the group while the other answers privately, at the same moment
    (on PostgreSQL truly side by side): both answers are kept and the reveal comes once. With
    `stale_nudge`, the private answer first clears a pick of a question since swapped, so
    both transactions write a partner's row: a deadlock PostgreSQL breaks is retried. (That
    answer is not filed under the new question: Sam is told, and sends it again.)"""
    couple = await sim.onboard()
    await sim.tick(EVENING)
    question = sim.tg.last(couple.group)
    if stale_nudge:
        async with db.writing(sim.hearth.sessions) as session:
            await session.execute(
                text(
                    "INSERT INTO prompts (couple_id, kind, local_date, content_id, created_at, "
                    "skipped_at) SELECT couple_id, kind, local_date, content_id, created_at, "
                    "created_at FROM prompts"
                )
            )
            swapped = await session.scalar(text("SELECT max(id) FROM prompts"))
            await session.execute(
                update(Partner)
                .where(Partner.user_id == couple.sam.id)
                .values(pending_prompt_id=swapped)
            )
    await at_once(
        sim,
        sim.tg.send(
            couple.alex, couple.group, "The rain on the way home.", reply_to=question.message_id
        ),
        sim.tg.send(couple.sam, couple.sam, "Finishing the shelf together."),
    )
    if stale_nudge:
        assert any("swapped" in s.text for s in sim.tg.inbox(couple.sam))
        await sim.feed(sim.tg.send(couple.sam, couple.sam, "Finishing the shelf together."))
    async with sim.hearth.sessions() as session:
        kept = sorted(a.text or "" for a in await session.scalars(select(Answer)))
        mirrors = list(
            await session.scalars(
                select(OutboxMessage.chat_id).where(OutboxMessage.purpose == Purpose.REVEAL)
            )
        )
    assert kept == ["Finishing the shelf together.", "The rain on the way home."]
    assert sorted(mirrors) == sorted([couple.alex.id, couple.sam.id]), "each mirrored once"


async def test_words_are_sealed_at_rest(sim: Simulation) -> None:
    database_url = sim.settings.database_url
    couple = await sim.onboard()
    await sim.tick(EVENING)
    secret = "The thing I never told anyone"
    await sim.feed(sim.tg.send(couple.alex, couple.alex, secret))
    await sim.feed(sim.tg.command(couple.sam, couple.sam, "/jar add What scares you, love?"))
    async with sim.hearth.sessions() as session:
        raw = [
            str(row)
            for table in ("answers", "jar_questions", "outbox", "prompts", "partners")
            for row in (await session.execute(text(f"SELECT * FROM {table}"))).all()
        ]
    stored = " ".join(raw)
    assert secret not in stored and "What scares you" not in stored
    if database_url.startswith("sqlite"):
        data = Path(database_url.split("///", 1)[1])
        for path in data.parent.glob(data.name + "*"):
            assert secret.encode() not in path.read_bytes(), path.name


async def test_rotating_the_key_rewrites_everything_and_the_old_key_can_go(
    sim: Simulation,
) -> None:
    couple = await sim.onboard()
    await sim.tick(EVENING)
    await sim.feed(sim.tg.send(couple.alex, couple.alex, "Rotated words"))
    await sim.feed(sim.tg.command(couple.sam, couple.sam, "/jar add Why do you hum?"))
    new = crypto.new_key()
    crypto.configure(crypto.Vault(new, [FAKE_KEY]))
    try:
        first = await rekey.rotate(sim.hearth.engine)
        assert first.rewritten > 0
        assert (await rekey.rotate(sim.hearth.engine)).rewritten == 0, "nothing left"
        crypto.configure(crypto.Vault(new))  # the old key is gone
        async with sim.hearth.sessions() as session:
            assert "Rotated words" in [a.text for a in await session.scalars(select(Answer))]
        # Duplicate jar questions are still recognised under the new key.
        await sim.feed(sim.tg.command(couple.sam, couple.sam, "/jar add Why do you hum?"))
        assert "already in your jar" in sim.tg.last(couple.sam).text
    finally:
        crypto.configure(crypto.Vault(FAKE_KEY))


def test_rotation_knows_every_sealed_column() -> None:
    """A sealed column rotation missed would become unreadable once the old key goes."""
    sealed = {
        (table.name, column.name)
        for table in Base.metadata.tables.values()
        for column in table.columns
        if isinstance(column.type, Sealed | SealedJSON)
    }
    assert {(model.__tablename__, column) for model, column in rekey.SEALED} == sealed


def test_every_foreign_key_has_an_index_that_starts_with_it() -> None:
    """Deleting a row makes the database find what refers to it: without such an index, by
    reading the whole referring table (a year in, seconds under the write lock)."""
    unindexed = []
    for table in Base.metadata.tables.values():
        leading = {index.columns[0].name for index in table.indexes} | {
            next(iter(constraint.columns)).name
            for constraint in table.constraints
            if isinstance(constraint, PrimaryKeyConstraint | UniqueConstraint)
        }
        unindexed += [
            f"{table.name}.{key.parent.name}"
            for key in table.foreign_keys
            if key.parent.name not in leading
        ]
    assert unindexed == []


async def test_deleting_a_couple_partner_or_prompt_reads_no_whole_table(sim: Simulation) -> None:
    """SQLite's own plan for the deletes a purge and /forget make, foreign keys' actions
    included: every table is searched through an index, none scanned."""
    if sim.hearth.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's plans do not show what its foreign keys' triggers do")
    scans = []
    async with sim.hearth.engine.connect() as connection:
        for parent in ("couples", "partners", "prompts", "jar_questions"):
            plan = await connection.execute(
                text(f"EXPLAIN QUERY PLAN DELETE FROM {parent} WHERE id = 1")
            )
            scans += [f"{parent}: {row[-1]}" for row in plan if "SCAN" in row[-1]]
    assert scans == []


def test_processes_starting_together_on_an_empty_database_take_turns_migrating(
    database_url: str,
) -> None:
    env = {"DATABASE_URL": database_url, "HEARTH_ENCRYPTION_KEY": FAKE_KEY, "PYTHONPATH": str(ROOT)}
    for _round in range(2):
        processes = [
            subprocess.Popen(
                [sys.executable, "-m", "bot", "migrate"],
                env={**dict(__import__("os").environ), **env},
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for _ in range(3)
        ]
        outputs = [p.communicate(timeout=60)[0] for p in processes]
        assert [p.returncode for p in processes] == [0, 0, 0], outputs
        if database_url.startswith("postgresql"):
            from tests.conftest import _reset

            asyncio.run(_reset(database_url))  # empty again for the next round
        else:
            Path(database_url.split("///", 1)[1]).unlink()


async def test_handled_conditions_are_one_warning_line(
    sim: Simulation, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    couple = await sim.onboard()
    sim.api.fail("sendMessage", "retry_after", chat_id=couple.group.id)  # a flood wait
    sim.api.fail("sendMessage", "network", chat_id=couple.alex.id)  # a network hiccup
    couple.sam.blocked = True  # a 403 fallback
    await sim.tick(datetime(2025, 6, 2, 9, 0, tzinfo=UTC))
    await sim.tick(EVENING)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert all(r.exc_info is None for r in warnings)
    said = " | ".join(r.getMessage() for r in warnings)
    for condition in ("flood wait", "deferred", "private chat closed"):
        assert condition in said, said


async def test_no_sql_parameter_value_reaches_the_logs(sim: Simulation) -> None:
    marker = 7_777_777_777_777_777_777  # out of range for the column: the driver refuses
    try:
        async with sim.hearth.sessions() as session:
            await session.execute(select(Couple).where(Couple.id == marker))
    except Exception as error:  # the driver's own message may quote the value
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", None, None)
        record.exc_info = (type(error), error, error.__traceback__)
        shown = RedactingFormatter("%(message)s", "token").format(record)
        assert str(marker) not in shown, shown
    else:
        pytest.skip("this engine accepted the value")


async def until(done: Callable[[], bool], within: float = 30.0) -> None:
    """Let the event loop run until `done`. Nothing waits on the clock: it yields at once each
    time round, and the wall clock only bounds how long a database's I/O may take."""
    loop = asyncio.get_running_loop()
    give_up = loop.time() + within
    while not done():
        if loop.time() > give_up:
            raise AssertionError(f"never happened ({done.__code__.co_firstlineno})")
        await asyncio.sleep(0)


class Broken:
    """`sending.<name>` raising a database error for its first `failures` calls."""

    def __init__(
        self,
        monkeypatch: pytest.MonkeyPatch,
        name: str,
        failures: int = 1,
        error: type[DBAPIError] = OperationalError,
    ) -> None:
        """Patch it in."""
        self.calls, self.failures = 0, failures
        real = getattr(sending, name)

        async def call(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            if self.calls <= self.failures:
                raise error("statement", {}, Exception("the database said no"))
            return await real(*args, **kwargs)

        monkeypatch.setattr(sending, name, call)


async def queue_tonight(sim: Simulation) -> SimCouple:
    """A couple whose evening question is queued in the outbox, not sent yet."""
    couple = await sim.onboard()
    assert sim.app.job_queue is not None
    (job,) = sim.app.job_queue.get_jobs_by_name("tick")
    sim.clock.now = EVENING
    await job.run(sim.app)
    return couple


async def question_status(sim: Simulation) -> OutboxStatus | None:
    """Where tonight's question stands in the outbox."""
    async with sim.hearth.sessions() as session:
        return await session.scalar(
            select(OutboxMessage.status).where(OutboxMessage.purpose == Purpose.QUESTION)
        )


def start_sender(sim: Simulation) -> asyncio.Task[None]:
    """The service's sender (not the tests' drain), polling without waiting."""
    sim.hearth.sender.poll_seconds = 0
    return asyncio.create_task(sim.hearth.sender.run())


@pytest.mark.parametrize("failing", ["claim", "record"])
async def test_the_sender_outlives_a_database_failure_and_sends_once(
    sim: Simulation, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    """The database failing under the running sender (claiming, or recording what was sent)
    is one WARNING; the sender carries on, and the question goes out exactly once."""
    couple = await queue_tonight(sim)
    broken = Broken(monkeypatch, failing)
    caplog.set_level(logging.INFO)
    running = start_sender(sim)
    await until(lambda: broken.calls >= 2 and len(questions(sim, couple.group.id)) > 0)
    sim.hearth.sender.stop()
    await running  # it never raised
    assert len(questions(sim, couple.group.id)) == 1
    assert await question_status(sim) == OutboxStatus.SENT
    troubles = [r for r in caplog.records if r.name == "handlers.sender"]
    assert [(r.levelno, r.getMessage()) for r in troubles] == [
        (logging.WARNING, "sender: the database failed (OperationalError); retrying in 0 s")
    ]


async def test_taking_the_lead_again_keeps_the_senders_own_unrecorded_claims(
    sim: Simulation, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After an outage the leader recovers dead processes' claims, not its own: the question
    it sent but could not record yet is not put back in line to go out a second time."""
    couple = await queue_tonight(sim)
    broken = Broken(monkeypatch, "record")
    with pytest.raises(OperationalError):
        await sim.hearth.sender.drain()  # sent, then the database failed
    assert broken.calls == 1 and len(questions(sim, couple.group.id)) == 1
    assert await sim.hearth.sender.recover() == 0
    assert await question_status(sim) == OutboxStatus.SENDING
    await sim.hearth.sender.drain()  # the database is back: what was kept is recorded
    assert await question_status(sim) == OutboxStatus.SENT
    assert len(questions(sim, couple.group.id)) == 1


async def test_a_stopping_sender_tries_again_to_record_what_it_sent(
    sim: Simulation, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stopped while the database fails, the sender retries recording before it returns, so
    the next start does not send the question again."""
    await queue_tonight(sim)
    broken = Broken(monkeypatch, "record", failures=3)
    running = start_sender(sim)
    await until(lambda: broken.calls >= 1)
    sim.hearth.sender.stop()
    await running
    assert await question_status(sim) == OutboxStatus.SENT


async def test_a_result_that_cannot_be_recorded_is_a_bug_that_holds_up_nothing(
    sim: Simulation, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A result whose recording breaks a constraint is a bug, not an outage: ERROR with its
    trace. The rest of its batch is recorded one by one, and that one is marked failed, so the
    sender neither retries it for ever nor sends it again."""
    couple = await queue_tonight(sim)
    real = sending.record

    async def breaks_on_the_question(session: Any, results: Any, now: Any) -> None:
        if any(r.row.purpose == Purpose.QUESTION for r in results):
            raise IntegrityError("statement", {}, Exception("a constraint said no"))
        await real(session, results, now)

    monkeypatch.setattr(sending, "record", breaks_on_the_question)
    caplog.set_level(logging.INFO)
    running = start_sender(sim)
    await until(lambda: len(questions(sim, couple.group.id)) > 0)
    await until(lambda: not sim.hearth.sender._results and not sim.hearth.sender._claimed)
    sim.hearth.sender.stop()
    await running
    assert len(questions(sim, couple.group.id)) == 1
    async with sim.hearth.sessions() as session:
        statuses = {
            purpose: status
            for purpose, status in await session.execute(
                select(OutboxMessage.purpose, OutboxMessage.status)
            )
        }
    assert statuses.pop(Purpose.QUESTION) == OutboxStatus.FAILED
    assert set(statuses.values()) <= {OutboxStatus.SENT}, statuses
    troubles = [r for r in caplog.records if r.name == "handlers.sender"]
    assert {r.levelno for r in troubles} == {logging.ERROR}
    assert all(r.exc_info is not None for r in troubles)


async def test_a_database_failure_while_taking_the_lead_is_retried(
    sim: Simulation, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database failing while a worker takes the lead (resuming a dead leader's claims)
    is one WARNING; the worker tries again and leads, instead of never leading again."""
    monkeypatch.setattr(runner, "LEADERSHIP_EVERY", 0)  # no pause between tries
    broken = Broken(monkeypatch, "recover")
    caplog.set_level(logging.INFO)
    stop = asyncio.Event()
    leading = asyncio.create_task(runner._lead(sim.app, stop))
    await until(lambda: leading.done() or (broken.calls == 2 and sim.hearth.sender.leading))
    stop.set()
    await leading
    assert broken.calls == 2
    troubles = [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "bot"]
    assert troubles == [
        (logging.WARNING, "could not take the lead: OperationalError; standing by"),
        (logging.INFO, "this worker now runs the schedule and the sender"),
    ]


def held_up(
    sim: Simulation, monkeypatch: pytest.MonkeyPatch, chat_id: int
) -> tuple[asyncio.Event, asyncio.Event]:
    """Telegram holds the first message sent to `chat_id` until the first event is set; the
    second is set when it reached Telegram."""
    gate, reached = asyncio.Event(), asyncio.Event()
    real = sim.api.do_request

    async def slow(url: str, request_data: Any = None, **kwargs: Any) -> Any:
        to = request_data.parameters.get("chat_id") if request_data else None
        if url.endswith("sendMessage") and to == chat_id and not reached.is_set():
            reached.set()
            await gate.wait()
        return await real(url=url, request_data=request_data, **kwargs)

    monkeypatch.setattr(sim.api, "do_request", slow)
    return gate, reached


class Lock:
    """Leadership that a test hands out and takes away (as a dead lock connection would)."""

    def __init__(self) -> None:
        """Free to take."""
        self.free, self.held = True, False

    async def try_acquire(self) -> bool:
        """Taken if free."""
        self.held = self.held or self.free
        return self.held

    async def still_held(self) -> bool:
        """Until taken away."""
        return self.held

    async def release(self) -> None:
        """Let go."""
        self.held = False

    async def on_notify(self, wake: Callable[[], None]) -> None:
        """Nothing to listen to."""


async def test_a_leader_that_loses_the_lock_never_sends_what_the_next_one_sends(
    sim: Simulation, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The leader's lock connection dies while tonight's question is in flight (waiting on
    Telegram) and a standby takes the lead: the old leader stops that send, the new one leaves
    the fresh claim alone until it lapses, then sends it. The question goes out once."""
    first, url = sim, sim.settings.database_url
    couple = await queue_tonight(first)
    gate, reached = held_up(first, monkeypatch, couple.group.id)
    lock = Lock()
    monkeypatch.setattr(leader, "for_engine", lambda engine, url: lock)
    monkeypatch.setattr(runner, "LEADERSHIP_EVERY", 0)
    stop = asyncio.Event()
    leading = asyncio.create_task(runner._lead(first.app, stop))
    running = start_sender(first)
    await until(reached.is_set)
    lock.held = lock.free = False  # the lock's connection died; a standby takes the lead
    await until(lambda: not first.hearth.sender.leading)
    second = await restart(first, url, EVENING + timedelta(seconds=3))
    async with second:
        await second.send()
        assert questions(second, couple.group.id) == [], "the old leader's claim is fresh"
        gate.set()  # Telegram answers whatever the old leader still had on its way
        stop.set()
        await leading
        first.hearth.sender.stop()
        await running
        await second.tick(EVENING + sending.CLAIM_LEASE)  # the claim lapsed: it goes now
        sent = questions(first, couple.group.id) + questions(second, couple.group.id)
        assert len(sent) == 1
        assert len(questions(second, couple.group.id)) == 1, "the old leader stopped its send"
        assert await question_status(second) == OutboxStatus.SENT


async def test_a_deposed_leaders_late_record_never_undoes_the_next_leaders_send(
    sim: Simulation,
) -> None:
    """The old leader stepped down mid-batch and could not record (the outage that cost it the
    lock); the new one took back the lapsed claims and sent them. When the old one's records
    finally go in, they change nothing: the question is not put back in line, nor sent twice."""
    from handlers.sender import Sender

    couple = await queue_tonight(sim)
    new = sim.hearth.sender
    old = Sender(new.bot, new.sessions, new.clock)
    claimed = await old._claim(EVENING, old.batch)
    old._claimed.update(c.row.id for c in claimed)
    old._results.extend(sending.Result(c.row, None) for c in claimed)  # stepped down: untried
    sim.clock.now = EVENING + sending.CLAIM_LEASE + timedelta(seconds=1)
    await new.recover()
    await sim.send()
    assert len(questions(sim, couple.group.id)) == 1
    await old._flush()  # the outage is over: the old leader records what it kept
    assert await question_status(sim) == OutboxStatus.SENT
    sim.clock.now += timedelta(seconds=1)
    await sim.send()
    assert len(questions(sim, couple.group.id)) == 1, "sent again after the late record"


async def test_a_send_cancelled_before_it_began_puts_its_messages_back_in_line(
    sim: Simulation,
) -> None:
    """Stepping down can cancel a chat's send before its task took its first step (its own
    handler then never runs): its messages were never tried, so they go back in line instead
    of staying in hand for good (and holding up their chat) when this worker leads again."""
    from handlers.sender import _by_chat

    couple = await queue_tonight(sim)
    sender = sim.hearth.sender
    claimed = await sender._claim(EVENING, sender.batch)
    sender._claimed.update(c.row.id for c in claimed)
    for rows in _by_chat(claimed):
        sender._start(rows)
    sender.step_down()  # before any of them ran
    await asyncio.gather(*sender._tasks, return_exceptions=True)
    await sender._flush()
    assert not sender._claimed
    sender.leading = True  # this same worker leads again
    await sim.send()
    assert len(questions(sim, couple.group.id)) == 1
    assert await question_status(sim) == OutboxStatus.SENT


async def test_a_message_forgotten_while_it_was_being_sent_is_simply_gone(
    sim: Simulation, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """/forget deletes what was not sent, the question in flight too: recording the batch
    finds it gone, which is nothing to record and no error (no ERROR, nothing marked)."""
    couple = await queue_tonight(sim)
    gate, reached = held_up(sim, monkeypatch, couple.group.id)
    caplog.set_level(logging.INFO)
    sending_it = asyncio.create_task(sim.hearth.sender.drain())
    await until(reached.is_set)
    await sim.feed(sim.tg.command(couple.sam, couple.sam, "/forget"))
    await sim.feed(
        sim.tg.press(
            couple.sam, sim.tg.last(couple.sam), sim.tg.button_data(sim.tg.last(couple.sam), "f:me")
        )
    )
    assert await question_status(sim) is None, "forgetting scrubbed the unsent question"
    gate.set()
    await sending_it
    assert len(questions(sim, couple.group.id)) == 1  # it had gone before it was deleted
    assert not sim.hearth.sender._claimed and not sim.hearth.sender._results
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_rotation_finishes_when_a_jar_question_was_added_again_during_it(
    sim: Simulation,
) -> None:
    """README: set the new key (old one in HEARTH_OLD_ENCRYPTION_KEYS), restart, run
    rotate-key while the bot keeps running. A jar question added in between must still be
    recognised as a duplicate, and rotation must be able to finish."""
    couple = await sim.onboard()
    await sim.feed(sim.tg.command(couple.sam, couple.sam, "/jar add Why do you hum?"))
    new = crypto.new_key()
    crypto.configure(crypto.Vault(new, [FAKE_KEY]))  # the bot restarted with the new key
    try:
        await sim.feed(sim.tg.command(couple.sam, couple.sam, "/jar add Why do you hum?"))
        async with sim.hearth.sessions() as session:
            count = len(list(await session.scalars(select(JarQuestion))))
        done = await rekey.rotate(sim.hearth.engine)  # IntegrityError: UNIQUE(couple_id, norm)
        assert done.rewritten > 0
        assert count == 1, "the same question was put in the jar twice"
    finally:
        crypto.configure(crypto.Vault(FAKE_KEY))


async def test_rotation_beside_a_running_bot_never_undoes_what_a_partner_just_changed(
    sim: Simulation,
) -> None:
    """README: `rotate-key` may run while the bot keeps running. A partner who changes their
    appreciation preferences while rotation is reading their row must keep the change; the
    rotation must not write back the value it read a moment before."""
    if sim.settings.database_url.startswith("sqlite"):
        pytest.skip("SQLite serialises writers (BEGIN IMMEDIATE): no window there")
    couple = await sim.onboard()
    async with db.writing(sim.hearth.sessions) as session:
        alex = await session.scalar(select(Partner).where(Partner.user_id == couple.alex.id))
        assert alex is not None
        alex.appreciation = "words"
        alex_id = alex.id
    new = crypto.new_key()
    vault = crypto.Vault(new, [FAKE_KEY])
    crypto.configure(vault)
    url = sim.settings.database_url

    async def partner_taps_a_button() -> None:  # another worker, its own connection
        engine = db.create_engine(url)
        try:
            async with db.writing(db.session_factory(engine)) as other:
                row = await other.get(Partner, alex_id)
                assert row is not None
                row.appreciation = "words,time"
        finally:
            await engine.dispose()

    original = vault.decrypt
    worker = threading.Thread(target=asyncio.run, args=(partner_taps_a_button(),))

    def decrypt(blob: bytes) -> bytes:
        plain = original(blob)
        if plain == b"words" and not worker.is_alive() and worker.ident is None:
            # Rotation has read Alex's row, not written it: the other worker's change goes
            # through now, or (the row locked) waits for the rotation to commit.
            worker.start()
            worker.join(timeout=3)
        return plain

    vault.decrypt = decrypt  # type: ignore[method-assign]
    try:
        await rekey.rotate(sim.hearth.engine)
        await asyncio.to_thread(worker.join)
        assert worker.ident is not None
        async with sim.hearth.sessions() as session:
            stored = await session.get(Partner, alex_id)
            assert stored is not None
            assert stored.appreciation == "words,time", "the partner's change was undone"
    finally:
        crypto.configure(crypto.Vault(FAKE_KEY))
