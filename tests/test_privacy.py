"""End to end: /privacy, /export, /forget, retention after removal, and what logs may contain."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, text

from bot.__main__ import setup_logging
from bot.core.models import Answer, Base, Couple, Partner
from bot.simulation.fake_api import FAKE_TOKEN, FakeChat, FakeUser, Sent
from bot.simulation.world import Simulation
from tests.conftest import BOTH
from tests.helpers import couple_in, pair_anew, partner_instead
from tests.rituals_helpers import press as tap

ENGINES = BOTH  # claims, races and cascades behave differently per engine

MONDAY = datetime(2025, 6, 2, tzinfo=UTC)  # the day the `sim` fixture starts
NUDGE = "A small idea for today"
NOTICE_ASK = "has something kind come your way"


def at(days: int, hour: int, minute: int = 0) -> datetime:
    """`hour:minute` UTC, `days` after the simulation's first day (a Monday)."""
    return MONDAY + timedelta(days=days, hours=hour, minutes=minute)


async def command(sim: Simulation, user: FakeUser, chat: FakeChat | FakeUser, text: str) -> None:
    await sim.feed(sim.tg.command(user, chat, text))


async def say(sim: Simulation, user: FakeUser, chat: FakeChat | FakeUser, text: str) -> None:
    await sim.feed(sim.tg.send(user, chat, text))


def only(messages: list[Sent], text: str) -> Sent:
    (found,) = [s for s in messages if text in s.text]
    return found


# --- scanning every table ----------------------------------------------------------------------


async def cells(sim: Simulation) -> list[tuple[str, str, Any]]:
    """Every value in every table, as (table, column, value)."""
    found = []
    async with sim.hearth.sessions() as s:
        for table in Base.metadata.sorted_tables:
            for row in (await s.execute(select(table))).all():
                for column, value in zip(table.columns, row, strict=True):
                    found.append((table.name, column.name, value))
    return found


async def traces(
    sim: Simulation,
    ids: list[int],
    texts: list[str],
    names: Sequence[str] = (),
) -> list[tuple[str, str, Any]]:
    """Cells that contain one of the ids, texts or (whole-word) names."""
    id_patterns = [re.compile(rf"(?<!\d){i}(?!\d)") for i in ids]
    name_patterns = [re.compile(rf"\b{re.escape(n)}\b") for n in names]
    hits = []
    for table, column, value in await cells(sim):
        if value is None or isinstance(value, bool):
            continue
        if isinstance(value, int):
            if value in ids:
                hits.append((table, column, value))
            continue
        shown = json.dumps(value, ensure_ascii=False) if isinstance(value, dict) else str(value)
        if (
            any(p.search(shown) for p in id_patterns)
            or any(t in shown for t in texts)
            or any(p.search(shown) for p in name_patterns)
        ):
            hits.append((table, column, value))
    return hits


async def count(sim: Simulation, model: type[Base]) -> int:
    async with sim.hearth.sessions() as s:
        return int(await s.scalar(select(func.count()).select_from(model)) or 0)


async def orphans(sim: Simulation) -> dict[str, int]:
    """Rows naming a partner who no longer exists (these two tables have no key to refuse
    them, see migration 0010): the deletions must take them."""
    found = {}
    async with sim.hearth.sessions() as s:
        for table in ("answers", "gesture_assignments"):
            found[table] = int(
                await s.scalar(
                    text(
                        f"SELECT count(*) FROM {table} WHERE partner_id IS NOT NULL "
                        "AND partner_id NOT IN (SELECT id FROM partners)"
                    )
                )
                or 0
            )
    return found


# --- a couple with a bit of everything ---------------------------------------------------------


@dataclass
class Lived:
    """A couple after a few days with Hearth, and the words each partner left."""

    alex: FakeUser
    sam: FakeUser
    group: FakeChat
    alex_texts: list[str]
    sam_texts: list[str]


async def live_a_little(
    sim: Simulation, alex: str = "Alex", sam: str = "Sam", day: int = 0
) -> Lived:
    """Onboard, then from `day` on: preferences, gestures, jar questions, answers (one sealed)."""
    couple = await sim.onboard(alex, sam)
    a, s, group = couple.alex, couple.sam, couple.group
    a_texts = [
        f"{alex} jar: what was your first concert?",
        f"{alex} open jar: where would you live for a year?",
        f"{alex} says the sea at dawn",
        f"{alex} sealed: the hospital night",
    ]
    s_texts = [f"{sam} jar: which smell takes you home?", f"{sam} says our kitchen dance"]
    before = len(sim.api.sent)

    sim.clock.now = at(day, 8)
    await command(sim, a, a, "/appreciation")
    await sim.feed(sim.tg.press(a, sim.tg.last(a), "p:words"))

    await sim.tick(at(day, 9))
    nudge = only([m for m in sim.new_messages(before) if m.chat_id == a.id], NUDGE)
    sim.clock.now = at(day, 9, 5)
    await sim.feed(sim.tg.press(a, nudge, sim.tg.button_data(nudge, "g:d:")))
    await sim.tick(at(day, 19))
    ask = only(sim.new_messages(before), NOTICE_ASK)
    await sim.feed(sim.tg.press(s, ask, sim.tg.button_data(ask, "g:y:")))

    sim.clock.now = at(day, 12)
    await command(sim, a, a, f"/jar add {a_texts[0]}")
    await command(sim, s, s, f"/jar add {s_texts[0]}")
    await command(sim, a, group, f"/jar add {a_texts[1]}")

    await sim.tick(at(day, 20))
    question = only(sim.tg.inbox(group), "Tonight's question")
    sim.clock.now = at(day, 20, 1)
    await say(sim, a, a, a_texts[2])
    sim.clock.now = at(day, 20, 2)
    await sim.feed(sim.tg.send(s, group, s_texts[1], reply_to=question.message_id))

    await sim.tick(at(day + 1, 20))
    sim.clock.now = at(day + 1, 20, 1)
    await say(sim, a, a, a_texts[3])  # sealed: Sam hasn't answered
    return Lived(a, s, group, a_texts, s_texts)


# --- /privacy ----------------------------------------------------------------------------------


async def test_privacy_says_what_is_kept_and_for_how_long(sim: Simulation) -> None:
    couple = await sim.onboard()
    for chat in (couple.alex, couple.group):
        await command(sim, couple.alex, chat, "/privacy")
        text = sim.tg.last(chat).text
        for words in ("answers", "jar questions", "30 days", "/export", "/forget", "logs"):
            assert words in text, (words, text)
        for words in ("encrypted", "the host could read them", "backup on its own reveals none"):
            assert words in text, (words, text)  # plainly what the host can and cannot read

    sim.hearth.settings = replace(sim.settings, retention_days=45)
    await command(sim, couple.sam, couple.sam, "/privacy")
    assert "45 days" in sim.tg.last(couple.sam).text


# --- /export -----------------------------------------------------------------------------------


def exported(sim: Simulation, user: FakeUser, since: int) -> tuple[bytes, dict[str, Any]]:
    documents = sim.api.documents[since:]
    assert [(chat, name) for chat, name, _data in documents] == [(user.id, "hearth-export.json")]
    data = documents[0][2]
    return data, json.loads(data)


async def test_export_sends_the_couples_data_privately_without_the_partners_secrets(
    sim: Simulation,
) -> None:
    lived = await live_a_little(sim)
    alex, sam, group = lived.alex, lived.sam, lived.group
    await command(sim, sam, group, "/together")
    idea = sim.tg.last(group)
    assert sim.tg.button_data(idea, "t:").endswith(":w")
    await sim.feed(sim.tg.press(sam, idea, sim.tg.button_data(idea, "t:")))
    # Sam answers Tuesday's question too: now Alex's answer is revealed, then Sam seals Wednesday's.
    sim.clock.now = at(1, 20, 5)
    await say(sim, sam, sam, "Sam on Tuesday")
    await sim.tick(at(2, 20))
    sim.clock.now = at(2, 20, 1)
    sam_sealed = "Sam sealed: I was scared to tell you"
    await say(sim, sam, sam, sam_sealed)

    # Alex asks privately.
    docs = len(sim.api.documents)
    await command(sim, alex, alex, "/export")
    raw, data = exported(sim, alex, docs)
    text = raw.decode()
    assert data["exported_for"] == "Alex"
    assert sam_sealed not in text, "Sam's sealed answer stays sealed"
    assert lived.sam_texts[0] not in text, "Sam's secret jar question stays secret"
    answers = {a["text"]: a["by"] for q in data["questions"] for a in q["answers"]}
    assert answers[lived.alex_texts[2]] == "Alex" and answers[lived.sam_texts[1]] == "Sam"
    assert answers[lived.alex_texts[3]] == "Alex" and answers["Sam on Tuesday"] == "Sam"
    jar = [q["question"] for q in data["jar"]]
    assert lived.alex_texts[0] in jar and lived.alex_texts[1] in jar
    assert data["my_appreciation_preferences"] == ["words"]
    assert any(g["done_at"] and g["noticed_at"] for g in data["gestures"])
    assert [a["status"] for a in data["activities"]] == ["wish"]
    assert len([q for q in data["questions"] if q["kind"] == "question"]) == 3

    # Sam asks in the group: the file goes to Sam privately, the group only hears where it went.
    docs, before = len(sim.api.documents), len(sim.api.sent)
    await command(sim, sam, group, "/export")
    raw, data = exported(sim, sam, docs)
    text = raw.decode()
    assert data["exported_for"] == "Sam"
    assert sam_sealed in text and lived.sam_texts[0] in text
    assert lived.alex_texts[0] not in text, "Alex's secret jar question stays secret"
    assert data["my_appreciation_preferences"] == []
    in_group = [s for s in sim.new_messages(before) if s.chat_id == group.id]
    assert len(in_group) == 1 and "privately" in in_group[0].text
    assert all(chat != group.id for chat, _name, _data in sim.api.documents)


# --- /forget -----------------------------------------------------------------------------------


async def test_forget_in_private_deletes_the_partners_own_data_after_confirming(
    sim: Simulation,
) -> None:
    lived = await live_a_little(sim)
    alex, sam = lived.alex, lived.sam
    alex_traces = ([alex.id], lived.alex_texts, ["Alex"])

    sim.clock.now = at(2, 10)
    await command(sim, alex, alex, "/forget")
    confirm = sim.tg.last(alex)
    assert "Sure?" in confirm.text
    await sim.feed(sim.tg.press(alex, confirm, "f:no"))
    assert "Nothing was deleted" in sim.tg.last(alex).text
    found = {(t, c) for t, c, _v in await traces(sim, *alex_traces)}
    for where in [("partners", "user_id"), ("answers", "text"), ("jar_questions", "text")]:
        assert where in found, f"cancel deleted {where}"
    async with sim.hearth.sessions() as s:
        ideas = await s.scalar(text("SELECT count(*) FROM gesture_assignments"))
    assert ideas, "Alex had gesture ideas to forget"

    await command(sim, alex, alex, "/forget")
    confirm = sim.tg.last(alex)
    await sim.feed(sim.tg.press(alex, confirm, sim.tg.button_data(confirm, "f:me")))
    assert "Everything of yours is deleted" in confirm.text
    assert await traces(sim, *alex_traces) == []
    assert await orphans(sim) == {"answers": 0, "gesture_assignments": 0}

    # Sam keeps Sam's own words and place; the couple waits for a new partner.
    kept = {(t, c) for t, c, _v in await traces(sim, [sam.id], lived.sam_texts)}
    assert {("partners", "user_id"), ("answers", "text"), ("jar_questions", "text")} <= kept
    assert await count(sim, Partner) == 1
    docs = len(sim.api.documents)
    await command(sim, alex, alex, "/export")
    assert len(sim.api.documents) == docs, "nothing of Alex's left to export"


async def test_forget_in_private_keeps_the_partners_answers_to_a_jar_question_it_took_back(
    sim: Simulation,
) -> None:
    """ "Your partner keeps their own answers" also holds for a question Alex wrote: Alex's
    words go, Sam's answer to them stays (under a question marked as taken back)."""
    couple = await sim.onboard()
    alex, sam, group = couple.alex, couple.sam, couple.group
    sim.clock.now = at(0, 17)
    await command(sim, alex, alex, "/jar add What do you dream of lately?")
    before = len(sim.api.sent)
    await command(sim, sam, group, "/jar")
    draw = [s for s in sim.new_messages(before) if s.chat_id == group.id][-1]
    assert "dream of lately" in draw.text
    await sim.feed(sim.tg.send(sam, group, "Sam's dream", reply_to=draw.message_id))
    await sim.feed(sim.tg.send(alex, group, "Alex's dream", reply_to=draw.message_id))
    await command(sim, alex, alex, "/forget")
    await sim.feed(
        sim.tg.press(alex, sim.tg.last(alex), sim.tg.button_data(sim.tg.last(alex), "f:me"))
    )
    assert await traces(sim, [alex.id], ["dream of lately", "Alex's dream"], ["Alex"]) == []
    docs = len(sim.api.documents)
    await command(sim, sam, sam, "/export")
    _raw, data = exported(sim, sam, docs)
    (jar,) = [q for q in data["questions"] if q["kind"] == "jar"]
    assert [a["text"] for a in jar["answers"]] == ["Sam's dream"]
    assert "deleted" in jar["question"]


async def test_forget_in_the_group_deletes_the_couple_once_both_confirm(sim: Simulation) -> None:
    lived = await live_a_little(sim)
    alex, sam, group = lived.alex, lived.sam, lived.group
    everyone = (
        [alex.id, sam.id, group.id],
        lived.alex_texts + lived.sam_texts,
        ["Alex", "Sam"],
    )

    sim.clock.now = at(2, 10)
    await command(sim, sam, group, "/forget")
    await sim.feed(sim.tg.press(sam, sim.tg.last(group), "f:no"))
    assert await count(sim, Couple) == 1 and await count(sim, Answer) == 3

    await command(sim, sam, group, "/forget")
    confirm = sim.tg.last(group)
    data = sim.tg.button_data(confirm, "f:us:")
    await sim.feed(sim.tg.press(alex, confirm, data))
    assert "Waiting for your partner" in str(sim.api.alerts[-1].get("text"))
    await sim.feed(sim.tg.press(alex, confirm, data))  # twice by the same partner: still one
    assert await count(sim, Couple) == 1 and await count(sim, Answer) == 3
    found = {t for t, _c, _v in await traces(sim, *everyone)}
    assert {"partners", "answers", "jar_questions", "couples"} <= found

    await sim.feed(sim.tg.press(sam, confirm, data))
    assert "Everything about you two is deleted" in confirm.text
    assert await traces(sim, *everyone) == []
    assert await count(sim, Couple) == 0


async def test_forget_buttons_from_someone_else_delete_nothing(sim: Simulation) -> None:
    lived = await live_a_little(sim)
    robin = sim.tg.user("Robin")
    sim.tg.join_group(lived.group, robin)
    await command(sim, lived.sam, lived.group, "/forget")
    confirm = sim.tg.last(lived.group)
    data = sim.tg.button_data(confirm, "f:us:")
    await sim.feed(sim.tg.press(robin, confirm, data))
    await sim.feed(sim.tg.press(lived.alex, confirm, data))
    await sim.feed(sim.tg.press(robin, confirm, data))
    assert "Only the two partners" in str(sim.api.alerts[-1].get("text"))
    assert await count(sim, Couple) == 1 and await count(sim, Answer) == 3


# --- retention after removal -------------------------------------------------------------------


async def test_removed_couple_is_purged_after_the_retention_period_unless_added_back(
    sim: Simulation,
) -> None:
    gone = await live_a_little(sim)
    kept = await live_a_little(sim, "Robin", "Kim", day=2)
    removed_at = at(4, 10)
    sim.clock.now = removed_at
    await sim.feed(sim.tg.remove_bot(gone.group, by=gone.alex))
    await sim.feed(sim.tg.remove_bot(kept.group, by=kept.alex))
    sim.clock.now = removed_at + timedelta(days=20)
    await sim.feed(sim.tg.add_bot(kept.group, by=kept.sam))

    gone_traces = ([gone.alex.id, gone.sam.id, gone.group.id], gone.alex_texts + gone.sam_texts)
    before = len(sim.api.sent)
    await sim.tick(removed_at + timedelta(days=29, hours=23, minutes=59))
    assert {t for t, _c, _v in await traces(sim, *gone_traces)} >= {"couples", "answers"}
    gone_chats = {gone.alex.id, gone.sam.id, gone.group.id}
    assert not [s for s in sim.new_messages(before) if s.chat_id in gone_chats], "nothing sent"

    await sim.tick(removed_at + timedelta(days=30))
    assert await traces(sim, *gone_traces) == []
    assert await orphans(sim) == {"answers": 0, "gesture_assignments": 0}
    assert await count(sim, Couple) == 1

    await sim.tick(removed_at + timedelta(days=90))
    kept_ids = [kept.alex.id, kept.sam.id, kept.group.id]
    kept_traces = await traces(sim, kept_ids, kept.alex_texts + kept.sam_texts)
    assert {t for t, _c, _v in kept_traces} >= {"couples", "partners", "answers", "jar_questions"}


# --- logs --------------------------------------------------------------------------------------


class Collect(logging.Handler):
    """Keeps every record."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def all_logs(caplog: pytest.LogCaptureFixture) -> Iterator[Collect]:
    """Every record of every logger, DEBUG and up, for the whole test."""
    caplog.set_level(logging.DEBUG)
    root = logging.getLogger()
    handler = Collect()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)


def shown(record: logging.LogRecord) -> str:
    """The record as a handler would write it, traceback included."""
    return logging.Formatter("%(name)s %(levelname)s %(message)s").format(record)


async def test_logs_never_hold_message_text_answers_or_the_token(
    sim: Simulation, all_logs: Collect, caplog: pytest.LogCaptureFixture
) -> None:
    couple = await sim.onboard()
    alex, sam, group = couple.alex, couple.sam, couple.group
    secrets = [
        "Alex jar: the bravest thing you did",
        "Sam jar: the song of our summer",
        "Alex answers the jar with a lighthouse",
        "Sam answers the jar with a comet",
        "Alex first: the lake trip",
        "Alex edited: the lake trip at night",
        "Sam answers: your laugh on Sunday",
    ]
    before = len(sim.api.sent)

    await sim.tick(at(0, 9))
    nudge = only([m for m in sim.new_messages(before) if m.chat_id == alex.id], NUDGE)
    sim.clock.now = at(0, 9, 5)
    await sim.feed(sim.tg.press(alex, nudge, sim.tg.button_data(nudge, "g:d:")))
    await sim.tick(at(0, 19))
    ask = only(sim.new_messages(before), NOTICE_ASK)
    await sim.feed(sim.tg.press(sam, ask, sim.tg.button_data(ask, "g:y:")))

    sim.clock.now = at(0, 12)
    await command(sim, alex, alex, f"/jar add {secrets[0]}")
    await command(sim, sam, group, f"/jar add {secrets[1]}")
    mark = len(sim.api.sent)
    await command(sim, alex, group, "/jar")
    draw = only(sim.new_messages(mark), "From the jar")
    await sim.feed(sim.tg.send(alex, group, secrets[2], reply_to=draw.message_id))
    await sim.feed(sim.tg.send(sam, group, secrets[3], reply_to=draw.message_id))

    await sim.tick(at(0, 20))
    question = only(sim.tg.inbox(group), "Tonight's question")
    sim.clock.now = at(0, 20, 1)
    turn = sim.tg.send(alex, group, secrets[4], reply_to=question.message_id)
    assert turn is not None
    await sim.feed(turn)
    await sim.feed(sim.tg.edit(alex, group, turn["message"]["message_id"], secrets[5]))
    sim.clock.now = at(0, 20, 3)
    sim.api.fail("sendMessage", "network", chat_id=alex.id)  # Sam's answer, mirrored to Alex
    await sim.feed(sim.tg.send(sam, sam, secrets[6]))
    assert not any(secrets[6] in s.text for s in sim.tg.inbox(alex)), "the first try failed"
    await sim.tick(at(0, 20, 4))
    assert any(secrets[6] in s.text for s in sim.tg.inbox(alex)), "and was retried"
    # Alex answered in the group, where Sam has read it (edit included): not mirrored again.
    assert not any(secrets[4] in s.text or secrets[5] in s.text for s in sim.tg.inbox(sam))
    docs = len(sim.api.documents)
    await command(sim, alex, alex, "/export")
    assert secrets[6] in sim.api.documents[docs][2].decode()

    records = all_logs.records
    assert any(
        r.levelno == logging.WARNING and "deferred: NetworkError" in r.getMessage() for r in records
    ), "the retry was logged (and the capture works)"
    assert any(r.levelno < logging.INFO for r in records), "DEBUG records were captured too"
    forbidden = [*secrets, FAKE_TOKEN, FAKE_TOKEN.split(":", 1)[1]]
    for source in (records, caplog.records):
        leaks = [
            (r.name, r.levelname, word)
            for r in source
            if r.levelno >= logging.INFO
            for word in forbidden
            if word in shown(r)
        ]
        assert leaks == []


@contextmanager
def bare_root_logger() -> Iterator[None]:
    """Root without handlers (as in production); handlers and levels restored afterwards."""
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    names = ("httpx", "httpcore", "apscheduler")
    saved_levels = {name: logging.getLogger(name).level for name in names}
    root.handlers = []
    try:
        yield
    finally:
        for handler in root.handlers:
            handler.close()
        root.handlers = saved_handlers
        root.setLevel(saved_level)
        for name, level in saved_levels.items():
            logging.getLogger(name).setLevel(level)


def test_setup_logging_redacts_the_token_and_drops_http_request_lines() -> None:
    with bare_root_logger():
        setup_logging("INFO", FAKE_TOKEN)
        (handler,) = logging.getLogger().handlers
        assert isinstance(handler, logging.StreamHandler)
        buffer = io.StringIO()
        handler.setStream(buffer)

        url = f"https://api.telegram.org/bot{FAKE_TOKEN}/getUpdates"
        httpx = logging.getLogger("httpx")
        httpx.warning('HTTP Request: POST %s "HTTP/1.1 502 Bad Gateway"', url)
        httpx.info('HTTP Request: POST %s "HTTP/1.1 200 OK"', url)
        logging.getLogger("httpcore").info("send_request_headers.started request=%s", url)
        logging.getLogger("bot").info("plain line")
        httpx_level = logging.getLogger("httpx").level
        httpcore_level = logging.getLogger("httpcore").level

    out = buffer.getvalue()
    assert FAKE_TOKEN not in out and FAKE_TOKEN.split(":", 1)[1] not in out
    assert "HTTP Request: POST https://api.telegram.org/bot<token>/getUpdates" in out
    assert "502 Bad Gateway" in out
    assert "200 OK" not in out and "send_request_headers" not in out
    assert "plain line" in out
    assert httpx_level == httpcore_level == logging.WARNING


def test_tracebacks_are_redacted_too() -> None:
    with bare_root_logger():
        setup_logging("INFO", FAKE_TOKEN)
        (handler,) = logging.getLogger().handlers
        buffer = io.StringIO()
        handler.setStream(buffer)  # type: ignore[attr-defined]
        try:
            raise RuntimeError(f"The token `{FAKE_TOKEN}` was rejected by the server.")
        except RuntimeError:
            logging.getLogger("telegram.ext.Application").exception("polling failed")
    out = buffer.getvalue()
    assert "polling failed" in out and "was rejected" in out
    assert FAKE_TOKEN not in out and FAKE_TOKEN.split(":", 1)[1] not in out


async def test_a_third_person_cannot_cancel_the_partners_votes(sim: Simulation) -> None:
    # Found by the fuzzer: anyone in the group could tap Cancel and withdraw the partners' votes.
    lived = await live_a_little(sim)
    robin = sim.tg.user("Robin")
    sim.tg.join_group(lived.group, robin)
    await command(sim, lived.sam, lived.group, "/forget")
    confirm = sim.tg.last(lived.group)
    data = sim.tg.button_data(confirm, "f:us:")
    await sim.feed(sim.tg.press(lived.alex, confirm, data))
    await sim.feed(sim.tg.press(robin, confirm, "f:no"))
    assert "Only the two partners" in str(sim.api.alerts[-1].get("text"))
    assert "Nothing was deleted" not in confirm.text
    await sim.feed(sim.tg.press(lived.sam, confirm, data))
    assert await count(sim, Couple) == 0


async def test_cancel_tapped_twice_answers_twice_and_edits_once(sim: Simulation) -> None:
    # Found by the fuzzer: the second tap (sent before the first one's edit arrived) edited the
    # message to the same text, which Telegram refuses ("message is not modified").
    c = await sim.onboard()
    await command(sim, c.sam, c.group, "/forget")
    confirm = sim.tg.last(c.group)
    message = sim.api.messages[(c.group.id, confirm.message_id)]
    first = sim.tg.press(c.sam, confirm, "f:no")
    await sim.feed(first)
    await sim.feed(sim.tg.raw_callback(c.sam, "f:no", message))
    assert [a.get("text") for a in sim.api.alerts[-2:]] == ["Nothing was deleted."] * 2
    assert confirm.text == "Nothing was deleted." and sim.api.refused == []


# --- A new pair never meets the previous pair's words ----------------------------------------

EVENING = MONDAY.replace(hour=20)


def seen(sim: Simulation, chat: object, words: str) -> bool:
    return any(words in s.text for s in sim.tg.inbox(chat))  # type: ignore[arg-type]


async def _export_of(sim: Simulation, user: FakeUser) -> bytes:
    """What `/export` sends the user."""
    docs = len(sim.api.documents)
    await sim.feed(sim.tg.command(user, user, "/export"))
    ((_chat, _name, data),) = sim.api.documents[docs:]
    return bytes(data)


async def test_editing_an_old_answer_never_reaches_the_new_partner(sim: Simulation) -> None:
    """Alex and Sam answer Monday's question (both privately, so it is revealed). Sam steps
    out with /forget; Chris joins the group as Alex's new partner. Alex then edits the old
    private answer: the edit notice quotes Alex's words from the previous pair's history to
    Chris (privately and in the group of Alex and Chris)."""
    couple = await sim.onboard()
    alex, sam, group = couple.alex, couple.sam, couple.group
    await sim.tick(EVENING)
    await sim.feed(sim.tg.send(alex, alex, "ALEX OLD WORDS FOR SAM"))
    alex_answer_id = max(mid for (chat, mid) in sim.api.messages if chat == alex.id)
    await sim.feed(sim.tg.send(sam, sam, "SAM WORDS"))
    await sim.feed(sim.tg.command(sam, sam, "/forget"))
    await sim.feed(
        sim.tg.press(sam, sim.tg.last(sam), sim.tg.button_data(sim.tg.last(sam), "f:me"))
    )

    sim.clock.now = EVENING + timedelta(days=1, hours=-8)
    chris = await partner_instead(sim, group, instead_of=sam)

    sim.clock.now += timedelta(hours=1)
    before = len(sim.api.sent)  # the group saw the old reveal while Sam was in it
    await sim.feed(sim.tg.edit(alex, alex, alex_answer_id, "ALEX OLD WORDS, EDITED"))
    await sim.tick(sim.clock.now + timedelta(minutes=1))
    edits = [s for s in sim.new_messages(before) if "ALEX OLD WORDS" in s.text]
    assert not seen(sim, chris, "ALEX OLD WORDS"), "Chris got Alex's words meant for Sam"
    assert not edits, "the group of Alex and Chris got them"


async def test_an_old_couples_answer_link_never_files_an_answer_for_the_new_partner(
    sim: Simulation,
) -> None:
    """Alex and Sam's group removed the bot; Alex now has Hearth with Kim. Alex taps the
    "Answer privately" button under an old question in the old group: Hearth says "Write your
    answer to <the old question>", and the words Alex writes for Sam are filed under tonight's
    question of Alex and Kim and revealed to Kim."""
    old = await sim.onboard()
    alex, sam = old.alex, old.sam
    await sim.tick(EVENING)
    old_question = next(s for s in sim.tg.inbox(old.group) if "Tonight's question" in s.text)
    link = sim.tg.url_buttons(old_question)[0]
    payload = link.split("start=", 1)[1]
    assert payload.startswith("a")

    sim.clock.now = EVENING + timedelta(hours=2)
    await sim.feed(sim.tg.remove_bot(old.group, by=sam))
    kim = sim.tg.user("Kim")
    new_group = sim.tg.group("Alex & Kim", [kim, alex])
    await sim.feed(sim.tg.add_bot(new_group, by=kim))
    greeting = sim.tg.last(new_group)
    await sim.feed(sim.tg.press(kim, greeting, "join"))
    await sim.feed(sim.tg.press(alex, greeting, "join"))
    token = sim.tg.url_buttons(sim.tg.last(new_group))[0].split("start=", 1)[1]
    await sim.feed(sim.tg.start(kim, token))
    await sim.feed(sim.tg.start(alex, token))

    await sim.tick(EVENING + timedelta(days=1))  # Alex and Kim's first question
    sim.clock.now = EVENING + timedelta(days=1, minutes=5)
    await sim.feed(sim.tg.start(alex, payload))  # the old group's "Answer privately"
    told = sim.tg.last(alex).text
    assert "Write your answer" not in told and "ended" in told, told
    async with sim.hearth.sessions() as session:
        pending = set(await session.scalars(select(Partner.pending_prompt_id)))
    assert pending == {None}, "no question of the old pair waits for Alex's next message"


async def _couples_left(sim: Simulation) -> int:
    async with sim.hearth.sessions() as session:
        return len(list(await session.scalars(select(Couple))))


async def _vote(sim: Simulation, user: FakeUser, confirm: Sent) -> None:
    await sim.feed(sim.tg.press(user, confirm, sim.tg.button_data(confirm, "f:us:")))


async def test_a_vote_from_before_a_partner_stepped_out_never_counts(sim: Simulation) -> None:
    """Alex taps "Yes, delete"; Sam steps out instead, and Chris joins. Chris's tap on the same
    confirmation must not delete everything: Alex agreed with Sam, not with Chris."""
    couple = await sim.onboard()
    alex, sam, group = couple.alex, couple.sam, couple.group
    await sim.feed(sim.tg.command(alex, group, "/forget"))
    confirm = sim.tg.last(group)
    await _vote(sim, alex, confirm)
    assert "Waiting for your partner" in str(sim.api.alerts[-1].get("text"))
    await sim.feed(sim.tg.command(sam, sam, "/forget"))
    await sim.feed(
        sim.tg.press(sam, sim.tg.last(sam), sim.tg.button_data(sim.tg.last(sam), "f:me"))
    )
    chris = await partner_instead(sim, group, instead_of=sam)
    await _vote(sim, chris, confirm)
    assert await _couples_left(sim) == 1, "Alex's vote from before Chris joined counted"


async def test_each_forget_asks_both_afresh(sim: Simulation) -> None:
    couple = await sim.onboard()
    alex, sam, group = couple.alex, couple.sam, couple.group
    await sim.feed(sim.tg.command(alex, group, "/forget"))
    await _vote(sim, alex, sim.tg.last(group))
    sim.clock.now += timedelta(days=60)  # Alex may long have changed their mind
    await sim.feed(sim.tg.command(sam, group, "/forget"))
    await _vote(sim, sam, sim.tg.last(group))
    assert await _couples_left(sim) == 1, "a vote from an earlier /forget counted"
    await _vote(sim, alex, sim.tg.last(group))
    assert await _couples_left(sim) == 0


async def test_the_partner_left_alone_can_delete_the_couple(sim: Simulation) -> None:
    """After Sam stepped out, only Alex's words remain: Alex's own confirmation is enough
    (Hearth used to wait for a partner who was no longer there)."""
    couple = await sim.onboard()
    alex, sam, group = couple.alex, couple.sam, couple.group
    await sim.feed(sim.tg.command(sam, sam, "/forget"))
    await sim.feed(
        sim.tg.press(sam, sim.tg.last(sam), sim.tg.button_data(sim.tg.last(sam), "f:me"))
    )
    await sim.feed(sim.tg.command(alex, group, "/forget"))
    await _vote(sim, alex, sim.tg.last(group))
    assert await _couples_left(sim) == 0


async def test_a_new_partners_export_holds_nothing_of_the_previous_pair(sim: Simulation) -> None:
    """Alex wrote a secret jar question for Sam; it was drawn and answered while Sam was
    Alex's partner. Sam steps out, Chris joins: Chris's /export lists Alex's words from the
    jar of Alex and Sam (and the gestures of that time), the previous pair's history."""
    couple = await sim.onboard()
    alex, sam, group = couple.alex, couple.sam, couple.group
    sim.clock.now = EVENING - timedelta(hours=3)
    await sim.feed(sim.tg.command(alex, alex, "/jar add ALEX SECRET JAR QUESTION FOR SAM?"))
    await sim.feed(sim.tg.command(sam, group, "/jar"))
    draw = sim.tg.last(group)
    assert "ALEX SECRET JAR QUESTION" in draw.text
    await sim.feed(sim.tg.send(sam, group, "sam says", reply_to=draw.message_id))
    await sim.feed(sim.tg.send(alex, group, "alex says", reply_to=draw.message_id))
    await sim.feed(sim.tg.command(sam, sam, "/forget"))
    await sim.feed(
        sim.tg.press(sam, sim.tg.last(sam), sim.tg.button_data(sim.tg.last(sam), "f:me"))
    )

    sim.clock.now = EVENING + timedelta(days=3)
    chris = await partner_instead(sim, group, instead_of=sam)
    data = await _export_of(sim, chris)
    assert b"ALEX SECRET JAR QUESTION" not in data, "the previous pair's jar reached Chris"


async def test_a_new_partners_export_holds_no_shared_gesture_of_the_previous_pair(
    lite: Simulation,
) -> None:
    """Alex and Sam (in Tokyo, Sam without a private chat) get Tuesday's shared challenge at
    09:00. Sam steps out on Tuesday evening; Chris joins at Wednesday 05:00 Tokyo (Tuesday
    20:00 UTC). Chris's /export must hold no gesture of Alex and Sam's days."""
    sim = lite
    couple = await sim.onboard(private=False)
    alex, sam, group = couple.alex, couple.sam, couple.group
    await sim.feed(sim.tg.command(alex, group, "/timezone Asia/Tokyo"))
    await sim.tick(MONDAY + timedelta(days=1))  # Tuesday 09:00 in Tokyo: the shared challenge
    sim.clock.now = MONDAY + timedelta(days=1, hours=13)  # Tuesday 22:00 in Tokyo
    await sim.feed(sim.tg.start(sam))
    await sim.feed(sim.tg.command(sam, sam, "/forget"))
    await sim.feed(
        sim.tg.press(sam, sim.tg.last(sam), sim.tg.button_data(sim.tg.last(sam), "f:me"))
    )

    sim.clock.now = MONDAY + timedelta(days=1, hours=20)  # Wednesday 05:00 in Tokyo
    chris = await partner_instead(sim, group, instead_of=sam)
    data = await _export_of(sim, chris)
    gestures = json.loads(data)["gestures"]
    assert gestures == [], f"the previous pair's gestures reached Chris: {gestures}"


async def test_a_months_old_yes_does_not_count_towards_deleting_the_couple(
    lite: Simulation,
) -> None:
    """Alex taps "Yes, delete" and Sam does not. Two months later Sam taps the same old
    button: Alex's months-old tap still counts, and everything is deleted at once."""
    sim = lite
    couple = await sim.onboard()
    alex, sam, group = couple.alex, couple.sam, couple.group
    await sim.feed(sim.tg.command(alex, group, "/forget"))
    confirm = sim.tg.last(group)
    data = sim.tg.button_data(confirm, "f:us:")
    await sim.feed(sim.tg.press(alex, confirm, data))
    sim.clock.now += timedelta(days=60)
    await sim.feed(sim.tg.press(sam, confirm, data))
    assert await _couples_left(sim) == 1, "Alex's vote from two months ago counted"


# --- a private "Yes, delete" counts once, soon, in its own couple ---------------------------


async def test_an_old_private_forget_confirmation_never_deletes_a_newer_couple(
    sim: Simulation,
) -> None:
    """A private "Yes, delete" asked while with Sam never counts in Alex's next couple."""
    c = await sim.onboard()
    await command(sim, c.alex, c.alex, "/forget")
    confirm = sim.tg.last(c.alex)
    sim.clock.now = MONDAY + timedelta(days=20)
    await sim.feed(sim.tg.remove_bot(c.group, by=c.sam))
    group, _robin = await pair_anew(sim, c.alex, "Robin")
    assert (await couple_in(sim, group)).complete

    sim.clock.now = MONDAY + timedelta(days=40)
    answer = await tap(sim, c.alex, confirm, sim.tg.button_data(confirm, "f:me"))
    couple = await couple_in(sim, group)
    assert couple.complete, (
        f"the old confirmation deleted Alex from the new couple; it said {answer.get('text')!r}"
    )


async def test_a_weeks_old_private_forget_confirmation_has_expired(sim: Simulation) -> None:
    """A private "Yes, delete" expires after a day, as the group's does."""
    c = await sim.onboard()
    await command(sim, c.alex, c.alex, "/forget")
    confirm = sim.tg.last(c.alex)
    sim.clock.now = MONDAY + timedelta(days=30)
    answer = await tap(sim, c.alex, confirm, sim.tg.button_data(confirm, "f:me"))
    couple = await couple_in(sim, c.group)
    assert couple.complete, f"a month-old confirmation deleted Alex: {answer.get('text')!r}"
