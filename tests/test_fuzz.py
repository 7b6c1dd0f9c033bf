"""Property-based fuzzing: generated updates through the real Application, on SQLite.

Hypothesis draws each step of a run (a message, an answer, a command, a button press, an
edit, a membership change, a clock jump with a tick) against the world as it stands: two
onboarded couples (one alone in its group, one with a third person in it), an outsider, a
stranger, a group the bot was never told about, a group it isn't in yet and a channel.
After every step: no handler failed, nothing was logged at ERROR and no log quoted a sealed
text; Telegram refused no call (bad HTML, empty or over-long text, bad buttons, edits that
change nothing: only 403s, which users cause, and a migrated group's one 400 are expected);
every button press was answered exactly once; and no sealed answer or secret jar question
reached anyone it must not reach.

Each process runs one Hypothesis seed (two processes for the machine's two cores) against one
Simulation: every example starts from the same onboarded world, restored from a copy of the
database file and of the fake Telegram. The run is deterministic (seeded, no example
database); a failure reports its last steps, and fails the same way again. With one CPU the
seeds run one after the other in this process, where a debugger can follow them.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import multiprocessing
import os
import re
import shutil
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from multiprocessing.queues import Queue
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot import db
from bot.core import couples as core_couples
from bot.core.content import Content
from bot.core.models import Answer, Prompt
from bot.core.models import Couple as CoupleRow
from bot.core.rhythms import RHYTHMS
from bot.simulation.driver import CHANNEL_BOT, GROUP_ANONYMOUS_BOT, TelegramDriver
from bot.simulation.fake_api import BOT_ID, FakeChat, FakeUser, JSONDict, Sent
from bot.simulation.fake_html import html_to_plain
from bot.simulation.world import Couple, Simulation
from tests.conftest import START

SEEDS = 2  # independent runs, one per process on a two-core machine
EXAMPLES = 37  # per seed
STEPS = 160  # per example
WORKERS = min(SEEDS, os.cpu_count() or 1)
TARGET_UPDATES = 10_000  # generated updates fed through the Application in one run
COMMANDS = [
    "start",
    "help",
    "jar",
    "timezone",
    "time",
    "jarnight",
    "settings",
    "pause",
    "resume",
    "depth",
    "appreciation",
    "together",
    "memories",
    "privacy",
    "export",
    "forget",
]
MEDIA = ("voice", "video_note", "photo", "video", "sticker", "document", "animation", "audio")
OTHER_MEDIA = ("location", "contact", "dice")
ANSWER_MEDIA = ("voice", "video_note", "photo", "video")  # what Hearth keeps as an answer
OTHER_BOT: JSONDict = {"id": 999000111, "is_bot": True, "first_name": "Otherbot"}
MARKER = re.compile(r"(?:SEAL|JARQ)\d{5}X")  # a sealed answer's or a secret jar question's

# --- strategies ------------------------------------------------------------------------------

SPECIALS = [
    "<b>", "</i>", "&amp;", "<", ">", "&", '"', "'", "<b>bold</b>", "<i>", "</b>",
    '<a href="tg://user?id=1">', "&lt;", "&gt;", "&#128512;", "&nbsp;", "&bogus;", "<br>",
    "<tg-spoiler>", "<script>", "\u202e", "\u202d", "\u200f", "\u200e", "\u200b", "\u200c",
    "\u200d", "\u2060", "\ufeff", "\u00ad", "👩‍❤️‍👨", "🏳️‍🌈", "👍🏽", "🫶", "e\u0301",
    "a\u0308\u0323", "Z\u0334\u0321\u031b", "مرحبا", "שלום", "こんにちは", "\n", "\t", "  ",
    "/help", "@hearth_bot", "https://t.me/x", "`code`", "*bold*", "{name}", "{0}", "{", "}",
    "%s", "%(x)s", "\\", "\r\n", "\u3000", "\u2028", "\U0001f600",
]  # fmt: skip
BLANKS = ["", " ", "   ", "\n", "\t\n ", "\u3000", "\u200b", "\u00a0", "\u200e"]
LONG_UNITS = ["a", "<", "&", "é", "👩‍❤️‍👨", "word ", "\u202e", "<b>x</b>", "e\u0301", "\n"]
ARG_WORDS = [
    "add", "ADD", "question", "gesture", "jar", "together", "up", "down", "list", "on", "off",
    "friday", "Fri", "SUNDAY", "montag", "21:30", "24:00", "23:59", "00:00", "9:5", "7:60",
    "7", "90", "91", "0", "-1", "²", "١٢", "𝟕", "1e3", "99999999999999999999999",
    str(2**63), "Europe/Berlin", "new york", "Asia/Kolkata", "UTC", "Etc/GMT-14", "Etc/GMT+12",
    "Pacific/Kiritimati", "America/St_Johns", "Asia/Kathmandu", "Australia/Lord_Howe",
    "America/Argentina/Buenos_Aires", "../../etc/passwd", "Mars/Olympus", "a", "<b>", "&amp;",
    "\u202e", "@hearth_bot",
]  # fmt: skip
WEIRD_NUMBERS = [
    "²", "١", "٣٤", "𝟙𝟚", "Ⅻ", "0", "00", "-1", "-0", "+1", " 1", "1 ", "1_000", "0x1f",
    "1e3", "1.0", "", str(2**31 - 1), str(2**31), str(2**63 - 1), str(2**63), str(2**64),
    "9" * 30, "∞", "NaN",
]  # fmt: skip
CALLBACK_WORDS = [
    "join", "again", "s", "g", "w", "d", "p", "t", "f", "x", "n", "y", "b", "q+30", "q-30",
    "tz", "back", "z0", "z13", "z14", "z99", "z100", "pause7", "resume", "ion", "ioff", "lv+1",
    "me", "us", "no", "words", "time", "touch", "surprise", "help", "act-001", "JOIN",
]  # fmt: skip
PAYLOADS = [
    "", "a", "a0", "a1", "a2", "a-1", "a²", "a999999999", "a9999999999", "x" * 64, "x" * 65,
    "join", "%00", "?start=x", "\u202e", "👩‍❤️‍👨",
]  # fmt: skip

pieces = st.one_of(
    st.sampled_from(SPECIALS),
    # Any code point Telegram can carry: no lone surrogates, no NUL.
    st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=8),
)
short_texts = st.lists(pieces, max_size=6).map("".join)
long_texts = st.tuples(st.sampled_from(LONG_UNITS), st.integers(4000, 5200)).map(
    lambda unit_length: (unit_length[0] * unit_length[1])[: unit_length[1]]
)
texts = st.one_of(short_texts, short_texts, short_texts, st.sampled_from(BLANKS), long_texts)
args = st.lists(st.one_of(st.sampled_from(ARG_WORDS), short_texts), max_size=4).map(" ".join)


def truncate(text: str, limit: int = 64) -> str:
    """At most `limit` UTF-8 bytes (Telegram never delivers longer callback data)."""
    return text.encode()[:limit].decode("utf-8", "ignore")


# --- watching everything the bot does ---------------------------------------------------------


class ErrorRecords(logging.Handler):
    """Keeps every ERROR (or worse) record (the error handler logs bugs at ERROR), and every
    record that quotes a sealed text (logs hold ids and kinds, never what people wrote)."""

    def __init__(self) -> None:
        """Collect from now on."""
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the record if it is an error or quotes a sealed text."""
        if record.levelno >= logging.ERROR or MARKER.search(record.getMessage()):
            self.records.append(record)


@dataclass
class Sealed:
    """A distinctive private text: who wrote it and who may ever read it."""

    sender: int
    audience: frozenset[int]  # the sender and their partner when it was written
    group: int | None  # the couple's group (a reveal may go there if only they are in it)
    jar: bool = False  # a secret jar question: drawn in the group, for whoever is in it


@dataclass
class Stats:
    """Totals over the whole run."""

    updates: int = 0
    callbacks: int = 0
    ticks: int = 0
    examples: int = 0
    kinds: Counter[str] = field(default_factory=Counter)


STATS = Stats()


@dataclass
class World:
    """The people and chats of one example, and what has been seen of the bot so far."""

    sim: Simulation
    errors: ErrorRecords
    couples: list[Couple]
    third: FakeUser  # in the second couple's group, a partner of no one
    visitor: FakeUser  # joins and leaves the first couple's group
    outsider: FakeUser  # has a private chat with the bot, no couple
    stranger: FakeUser  # never opened the private chat
    unknown: FakeChat  # a group the bot is in but was never told about
    lonely: FakeChat  # a group the bot is not in until a my_chat_member adds it
    channel: FakeChat
    sealed: dict[str, Sealed] = field(default_factory=dict)
    user_messages: list[tuple[int, int]] = field(default_factory=list)  # (chat, message)
    button_messages: list[Sent] = field(default_factory=list)
    all_data: list[tuple[int, int, str]] = field(default_factory=list)  # chat, message, data
    payloads: list[str] = field(default_factory=list)
    ids: list[int] = field(default_factory=lambda: [0, 1, 2, 3])
    queries: list[str] = field(default_factory=list)  # callback query ids fed this step
    pressers: dict[str, int] = field(default_factory=dict)  # who pressed, by query id
    trail: list[str] = field(default_factory=list)  # what was fed, for a failure's report
    blind: bool = False  # this step pressed a button under a message the bot can't see
    seen_calls: int = 0  # how far each list was checked, or observed
    observed_calls: int = 0
    seen_sent: int = 0
    seen_documents: int = 0
    seen_refused: int = 0

    @property
    def tg(self) -> TelegramDriver:
        """The driver acting as users."""
        return self.sim.tg

    @property
    def people(self) -> list[FakeUser]:
        """Everyone who can act."""
        partners = [p for c in self.couples for p in (c.alex, c.sam)]
        return [*partners, self.third, self.visitor, self.outsider, self.stranger]

    @property
    def groups(self) -> list[FakeChat]:
        """Every group, live or not (a migrated group is replaced by its supergroup)."""
        return [c.group for c in self.couples] + [self.unknown, self.lonely]

    def live_groups(self) -> list[FakeChat]:
        """Groups the bot is in, where updates can come from."""
        return [g for g in self.groups if g.bot_member and g.migrated_to is None]

    def chat(self, chat_id: int) -> FakeChat | FakeUser:
        """A chat by id."""
        return self.sim.api.users[chat_id] if chat_id > 0 else self.sim.api.chats[chat_id]

    def live(self, chat_id: int) -> bool:
        """Updates can come from this chat (a group the bot is in, or an open private chat)."""
        if chat_id > 0:
            return True
        chat = self.sim.api.chats.get(chat_id)
        return chat is not None and chat.bot_member and chat.migrated_to is None


CAST = ("couples", "third", "visitor", "outsider", "stranger", "unknown", "lonely", "channel")


@dataclass
class Template:
    """The starting world, built once: a copy of the database file and of the fake Telegram."""

    database: Path
    copy: Path
    state: tuple[dict[str, Any], dict[str, Any]]  # the fake's attributes, and the cast


async def build_template(sim: Simulation, database: Path) -> Template:
    """Onboard everyone once and keep the result (onboarding for every example costs more
    than the steps of a short one)."""
    first = await sim.onboard("Alex", "Sam")
    second = await sim.onboard("Chris", "Dana", private=False)
    tg = sim.tg
    third, visitor = tg.user("Trent"), tg.user("Eve {name} </i>")
    # Telegram allows 64 characters in a first name.
    outsider, stranger = tg.user("Olly <b>"), tg.user("Nova &amp; " + "ℕ\u200f" * 26)
    tg.join_group(second.group, third)
    link = tg.url_buttons(tg.last(second.group))[0].split("start=", 1)[1]
    await sim.feed(tg.start(second.alex, link))
    await sim.feed(tg.start(outsider))
    unknown = tg.group("Unknown <i>", [outsider, third, second.sam])
    unknown.bot_member = True
    lonely = tg.group("Lonely & co", [outsider, visitor, stranger])
    channel = tg.channel("Channel")
    for group in (first.group, second.group):
        tg.raw_message(group, OTHER_BOT, {"text": "I am another bot"})
    tg.api.pending_updates.clear()
    cast = dict(
        zip(
            CAST,
            ([first, second], third, visitor, outsider, stranger, unknown, lonely, channel),
            strict=True,
        )
    )
    copy_path = database.with_name("template.sqlite3")
    # The last connection closed (after a checkpoint in progress: it writes the file from
    # its thread): the WAL is in the file.
    await db.close(sim.hearth.engine)
    shutil.copyfile(database, copy_path)
    return Template(database, copy_path, copy.deepcopy((vars(sim.api), cast)))


async def new_world(sim: Simulation, errors: ErrorRecords, template: Template) -> World:
    """Go back to the template's world: its database file and its fake Telegram."""
    # A checkpoint still running in its thread would write the last world's pages into the
    # template's copy: the next world would depend on timing (Hypothesis saw it as flaky).
    await db.close(sim.hearth.engine)
    for leftover in ("-wal", "-shm"):
        Path(f"{template.database}{leftover}").unlink(missing_ok=True)
    shutil.copyfile(template.copy, template.database)
    state, cast = copy.deepcopy(template.state)
    vars(sim.api).update(state)
    sim.clock.now = START
    errors.records.clear()
    world = World(sim, errors=errors, **cast)
    world.seen_calls, world.seen_refused = len(sim.api.calls), len(sim.api.refused)
    world.seen_documents = len(sim.api.documents)
    observe(world)
    return world


def harvest(world: World, chat_id: int, message_id: int, markup: object) -> None:
    """Remember the callback data and deep links of a keyboard the bot sent or edited."""
    if not isinstance(markup, dict):
        return
    for row in markup.get("inline_keyboard") or []:
        for b in row:
            if "callback_data" in b:
                data = str(b["callback_data"])
                world.all_data.append((chat_id, message_id, data))
                world.ids += [int(n) for n in re.findall(r"\d+", data)]
            if "start=" in str(b.get("url", "")):
                payload = str(b["url"]).split("start=", 1)[1]
                world.payloads.append(payload)
                # Only answer links: a couple's token is random, and draws must not depend on it.
                if re.fullmatch(r"a\d+", payload):
                    world.ids.append(int(payload[1:]))


def observe(world: World) -> None:
    """Take note of the bot's new messages (for replies, presses and forgeries)."""
    api = world.sim.api
    for sent in api.sent[world.seen_sent :]:
        if any("callback_data" in b for row in sent.buttons for b in row):
            world.button_messages.append(sent)
        harvest(world, sent.chat_id, sent.message_id, {"inline_keyboard": sent.buttons})
    world.seen_sent = len(api.sent)
    for method, params in api.calls[world.observed_calls :]:
        if method in ("editMessageText", "editMessageReplyMarkup") and "message_id" in params:
            harvest(
                world, int(params["chat_id"]), int(params["message_id"]), params.get("reply_markup")
            )
    world.observed_calls = len(api.calls)


# --- the properties -----------------------------------------------------------------------------


def check_calls(world: World) -> None:
    """Every call since the last step was one Telegram accepts, and was accepted."""
    api = world.sim.api
    for refused in api.refused[world.seen_refused :]:
        # 403s are the user's doing (blocked, never started, removed); a migrated group answers
        # 400 once, and the sender follows it. Anything else is the bot's mistake.
        expected = refused.code == 403 or "upgraded to a supergroup" in refused.description
        # Under a message too old to be shown, the bot can't tell whether an edit changes it.
        expected = expected or (world.blind and "not modified" in refused.description)
        assert expected, f"{refused.method} refused: {refused.description} {refused.params!r:.300}"
    world.seen_refused = len(api.refused)
    world.blind = False
    for method, params in api.calls[world.seen_calls :]:
        if method in ("sendMessage", "editMessageText"):
            text = str(params.get("text", ""))
            plain, error = html_to_plain(text) if params.get("parse_mode") == "HTML" else (text, "")
            assert not error, f"{method}: {error}: {text[:300]!r}"
            assert plain.strip() and len(plain) <= 4096, f"{method}: {len(plain)} characters"
        if method == "sendDocument":
            assert len(str(params.get("caption", ""))) <= 1024
        if method == "answerCallbackQuery":
            assert len(str(params.get("text", ""))) <= 200
        markup = params.get("reply_markup")
        if isinstance(markup, dict):
            for row in markup.get("inline_keyboard") or []:
                for b in row:
                    data = b.get("callback_data")
                    assert data is None or 1 <= len(str(data).encode()) <= 64, data
    world.seen_calls = len(api.calls)


def check_answered(world: World) -> None:
    """Every button press fed in this step got exactly one answerCallbackQuery."""
    answered = Counter(str(a.get("callback_query_id")) for a in world.sim.api.alerts)
    for query_id in world.queries:
        assert answered[query_id] == 1, f"callback query {query_id} answered {answered[query_id]}x"
    world.queries.clear()


async def revealed(world: World, marker: str) -> bool:
    """The answer holding `marker` was revealed (both partners answered its prompt)."""
    async with world.sim.hearth.sessions() as session:
        rows = await session.execute(
            select(Answer.text, Prompt.revealed_at).join(Prompt, Prompt.id == Answer.prompt_id)
        )
        return any(marker in (text or "") and at is not None for text, at in rows)


def moves(world: World, group: int | None) -> list[int]:
    """A group's id and the ids it migrated to."""
    ids = []
    while group is not None:
        ids.append(group)
        group = world.sim.api.chats[group].migrated_to
    return ids


def arrivals(world: World) -> list[tuple[int, str]]:
    """Every text that reached a chat since the last check: messages, copies, edits, files,
    and alerts (shown to whoever pressed)."""
    api = world.sim.api
    seen = [(s.chat_id, s.text) for s in api.sent[world.seen_sent :]]
    seen += [
        (chat_id, data.decode("utf-8", "replace"))
        for chat_id, _name, data in api.documents[world.seen_documents :]
    ]
    for method, params in api.calls[world.seen_calls :]:
        if method == "editMessageText":
            seen.append((int(params["chat_id"]), str(params.get("text", ""))))
        elif method == "answerCallbackQuery":
            presser = world.pressers.get(str(params.get("callback_query_id")), 0)
            seen.append((presser, str(params.get("text", ""))))
    world.seen_documents = len(api.documents)
    return seen


async def check_sealed(world: World, arrived: list[tuple[int, str]]) -> None:
    """A private answer reaches only its writer, and after the reveal their partner (and the
    couple's group while nobody else is in it): never a third person or another group."""
    api = world.sim.api
    for chat_id, text in arrived:
        for marker in set(MARKER.findall(text)):
            sealed = world.sealed.get(marker)
            if sealed is None or chat_id == sealed.sender:
                continue
            where = f"{marker} from {sealed.sender} reached chat {chat_id}"
            if sealed.jar:
                # Drawn, a jar question is the couple's: their group's, and whoever is the
                # writer's partner then (a new partner included); never anyone else's.
                partners, _group = await audience(world, world.sim.api.users[sealed.sender])
                allowed = sealed.audience | partners if chat_id > 0 else moves(world, sealed.group)
                assert chat_id in allowed, where
                continue
            if chat_id > 0:
                assert chat_id in sealed.audience, where
            else:
                members = set(api.chats[chat_id].members)
                assert chat_id in moves(world, sealed.group), where
                assert members <= sealed.audience, where + f" with others in it: {members}"
            assert await revealed(world, marker), where + " before the reveal"


async def check(world: World) -> None:
    """Every property, over what happened since the last check."""
    if world.errors.records:
        record = world.errors.records[0]
        level = record.levelname
        raise AssertionError(f"logged at {level}: {record.getMessage()} {record.exc_text or ''}")
    arrived = arrivals(world)
    check_calls(world)
    check_answered(world)
    await check_sealed(world, arrived)
    observe(world)


# --- the steps ---------------------------------------------------------------------------------

Draw = Callable[[st.SearchStrategy[Any]], Any]
Updates = list[JSONDict | None]


def pick(draw: Draw, items: list[Any], recent: int = 40) -> Any:
    """One of `items`, the most recent ones only (shrinks towards the newest)."""
    back = draw(st.integers(0, min(len(items), recent) - 1))
    return items[len(items) - 1 - back]


async def audience(world: World, user: FakeUser) -> tuple[frozenset[int], int | None]:
    """Who may read what `user` writes privately now: they and their current partner."""
    async with world.sim.hearth.sessions() as session:
        couple, _partner = await core_couples.couple_of_user(session, user.id)
        if couple is None:
            return frozenset({user.id}), None
        users = frozenset(p.user_id for p in couple.partners) | {user.id}
        return users, couple.chat_id


async def private_text(world: World, draw: Draw, user: FakeUser, sealed: bool = False) -> str:
    """A private text; mostly (`sealed`: always) a distinctive one whose every appearance is
    then checked."""
    text: str = draw(texts)
    if sealed or draw(st.integers(0, 3)):
        marker = f"SEAL{len(world.sealed):05d}X"
        users, group = await audience(world, user)
        world.sealed[marker] = Sealed(user.id, users, group)
        text = f"{marker} {text}"
    return text


def media_body(draw: Draw, caption: str, kinds: tuple[str, ...] = MEDIA + OTHER_MEDIA) -> JSONDict:
    """A media message's body (with the caption where the kind takes one)."""
    kind = draw(st.sampled_from(kinds))
    body = TelegramDriver.media(kind)
    if kind in ("photo", "video", "document", "animation", "audio", "voice") and caption:
        body["caption"] = caption
    return body


async def step_private(world: World, draw: Draw) -> Updates:
    """Someone writes to the bot privately: text, media or nothing at all."""
    user: FakeUser = draw(st.sampled_from(world.people))
    user.started, user.blocked = True, False  # writing needs an open, unblocked chat
    text = await private_text(world, draw, user)
    reply_to = None
    mine = world.tg.inbox(user)
    if mine and draw(st.booleans()):
        reply_to = pick(draw, mine).message_id
    if draw(st.integers(0, 3)) == 0:
        extra = media_body(draw, text)
        if reply_to is not None:
            extra["reply_to_message"] = world.sim.api.messages[(user.id, reply_to)]
        return [world.tg.raw_message(user, user.json(), extra)]
    return [world.tg.send(user, user, text, reply_to=reply_to)]


async def step_answer(world: World, draw: Draw) -> Updates:
    """A partner answers one of the couple's recent questions: privately (sealed, with a
    distinctive text or caption) or by replying to the question in the group."""
    couple: Couple = draw(st.sampled_from(world.couples))
    user: FakeUser = draw(st.sampled_from([couple.alex, couple.sam]))
    asked = [s for s in world.tg.inbox(couple.group) if "?start=a" in str(s.buttons)]
    if asked and world.live(couple.group.id) and draw(st.integers(0, 3)) == 0:
        question = pick(draw, asked, recent=5)
        text: str = draw(st.one_of(short_texts, long_texts))
        media = draw(st.booleans())
        extra: JSONDict = media_body(draw, text, ANSWER_MEDIA) if media else {"text": text or "."}
        extra["reply_to_message"] = world.sim.api.messages[(couple.group.id, question.message_id)]
        return [world.tg.raw_message(couple.group, user.json(), extra)]
    user.started, user.blocked = True, False
    text = await private_text(world, draw, user, sealed=True)
    if draw(st.booleans()):
        return [world.tg.raw_message(user, user.json(), media_body(draw, text, ANSWER_MEDIA))]
    return [world.tg.send(user, user, text)]


def group_sender(world: World, draw: Draw, group: FakeChat) -> JSONDict:
    """A member, or an anonymous admin, or someone writing as a channel."""
    choice = draw(st.integers(0, 9))
    if choice == 8:
        return GROUP_ANONYMOUS_BOT
    if choice == 9:
        return CHANNEL_BOT
    members = [world.sim.api.users[m] for m in group.members]
    return draw(st.sampled_from(members)).json() if members else GROUP_ANONYMOUS_BOT


async def step_group_reply(world: World, draw: Draw) -> Updates:
    """A reply in a group: to one of the bot's messages (its questions, reveals, ...), to
    another bot or to a person; as a member, an anonymous admin or a channel."""
    groups = world.live_groups()
    if not groups:
        return []
    group = draw(st.sampled_from(groups))
    targets = [(group.id, s.message_id) for s in world.tg.inbox(group)]
    others = [k for k in world.sim.api.messages if k[0] == group.id]
    if not targets or draw(st.integers(0, 5)) == 0:
        targets = others
    if not targets:
        return []
    replied = world.sim.api.messages[pick(draw, targets)]
    sender = group_sender(world, draw, group)
    text: str = draw(texts)
    extra: JSONDict = (
        media_body(draw, text) if draw(st.integers(0, 4)) == 0 else {"text": text} if text else {}
    )
    extra["reply_to_message"] = replied
    from_bot = replied.get("from", {}).get("id") == BOT_ID
    if not (from_bot or group.bot_admin or text.startswith("/")):
        world.tg.raw_message(group, sender, extra)  # privacy mode: the bot never sees it
        return []
    if sender is CHANNEL_BOT:
        return [world.tg.as_channel(group, world.channel, extra)]
    if sender is GROUP_ANONYMOUS_BOT:
        return [world.tg.anonymous_admin(group, extra)]
    return [world.tg.raw_message(group, sender, extra)]


async def step_group_message(world: World, draw: Draw) -> Updates:
    """A plain group message (the bot sees it as an administrator), or a service message."""
    groups = world.live_groups()
    if not groups:
        return []
    group = draw(st.sampled_from(groups))
    sender = group_sender(world, draw, group)
    text: str = draw(texts)
    if draw(st.integers(0, 2)) == 0 and group.members:
        member = world.sim.api.users[draw(st.sampled_from(group.members))].json()
        key = draw(st.sampled_from(["new_chat_members", "left_chat_member"]))
        value = [member] if key == "new_chat_members" else member
        return [world.tg.raw_message(group, member, {key: value})]
    if not group.bot_admin:
        return []
    extra = media_body(draw, text) if draw(st.booleans()) else {"text": text} if text else {}
    return [world.tg.raw_message(group, sender, extra)]


async def step_command(world: World, draw: Draw) -> Updates:
    """A command with random arguments, in a group or privately, with or without @bot."""
    name = draw(st.sampled_from(COMMANDS))
    rest: str = draw(args)
    if name == "start" and draw(st.booleans()):
        rest = draw(st.sampled_from(world.payloads + PAYLOADS)) if world.payloads else ""
    user: FakeUser = draw(st.sampled_from(world.people))
    groups = [g for g in world.live_groups() if user.id in g.members]
    where = draw(st.integers(0, len(groups)))
    if name == "jar" and draw(st.booleans()):
        question: str = draw(texts)
        if where == len(groups):  # a secret question: checked like a sealed answer
            marker = f"JARQ{len(world.sealed):05d}X"
            users, couple_group = await audience(world, user)
            world.sealed[marker] = Sealed(user.id, users, couple_group, jar=True)
            question = f"{marker} {question}"
        rest = "add " + question
    suffix = draw(st.sampled_from(["", "@hearth_bot", "@Hearth_Bot", "@other_bot"]))
    head = "/" + (name.upper() if draw(st.integers(0, 9)) == 0 else name) + suffix
    text = head + (" " + rest if rest else "")
    entity = [{"type": "bot_command", "offset": 0, "length": len(head)}]
    if where == len(groups):
        user.started, user.blocked = True, False
        return [world.tg.raw_message(user, user.json(), {"text": text, "entities": entity})]
    group = groups[where]
    sender = group_sender(world, draw, group)
    extra = {"text": text, "entities": entity}
    if sender is GROUP_ANONYMOUS_BOT:
        return [world.tg.anonymous_admin(group, extra)]
    if sender is CHANNEL_BOT:
        return [world.tg.as_channel(group, world.channel, extra)]
    return [world.tg.raw_message(group, user.json(), extra)]


def pressers(world: World, chat_id: int, draw: Draw) -> FakeUser:
    """Who presses a button in this chat: its owner in private, any member in a group
    (the intended partner, the other one, or a third person)."""
    if chat_id > 0:
        return world.sim.api.users[chat_id]
    members = world.sim.api.chats[chat_id].members or [world.outsider.id]
    return world.sim.api.users[draw(st.sampled_from(members))]


def press(world: World, user: FakeUser, message: JSONDict | None, data: str | None) -> JSONDict:
    """A callback query, remembered so its answer is checked."""
    update = world.tg.raw_callback(user, data, message)
    world.queries.append(update["callback_query"]["id"])
    world.pressers[update["callback_query"]["id"]] = user.id
    return update


async def step_press(world: World, draw: Draw) -> Updates:
    """A real button under one of the bot's messages, pressed by whoever can see it."""
    sents = [s for s in world.button_messages if world.live(s.chat_id)]
    if not sents:
        return []
    sent: Sent = pick(draw, sents)
    datas = [str(b["callback_data"]) for row in sent.buttons for b in row if "callback_data" in b]
    if not datas:  # its buttons are gone: the last press left a stale message
        datas = [d for c, m, d in world.all_data if (c, m) == (sent.chat_id, sent.message_id)]
    message = world.sim.api.messages[(sent.chat_id, sent.message_id)]
    user = pressers(world, sent.chat_id, draw)
    return [press(world, user, message, draw(st.sampled_from(datas)))]


def forged_data(world: World, draw: Draw) -> str | None:
    """Callback data no button of Hearth carries: random bytes, odd digits, huge and negative
    numbers, valid prefixes with wrong parts, other couples' ids."""
    kind = draw(st.integers(0, 5))
    if kind == 0:
        return truncate(draw(st.binary(max_size=64)).decode("utf-8", "replace"))
    if kind == 1:
        return truncate(draw(st.text(max_size=64)))
    numbers = st.one_of(st.sampled_from(WEIRD_NUMBERS), st.sampled_from(world.ids).map(str))
    part = st.one_of(numbers, st.sampled_from(CALLBACK_WORDS), short_texts)
    if kind in (2, 3):
        prefix = draw(st.sampled_from(["join", "s", "g", "w", "d", "p", "t", "f", "", "x", "S"]))
        parts: list[str] = draw(st.lists(part, max_size=4))
        return truncate(":".join([prefix, *parts]))
    if kind == 4 and world.all_data:
        original: str = draw(st.sampled_from([d for _c, _m, d in world.all_data]))
        parts = original.split(":")
        index = draw(st.integers(0, len(parts) - 1))
        parts[index] = draw(part)
        return truncate(":".join(parts))
    empty: str | None = draw(st.sampled_from([None, "", ":", "::", "s:", "join:", "f:us:"]))
    return empty


async def step_forged(world: World, draw: Draw) -> Updates:
    """A press with forged data under any of the bot's messages, by anyone in that chat."""
    user: FakeUser = draw(st.sampled_from(world.people))
    chats = [user.id] + [g.id for g in world.live_groups() if user.id in g.members]
    chat_id = draw(st.sampled_from(chats))
    mine = world.tg.inbox(world.chat(chat_id))
    message = world.sim.api.messages[(chat_id, pick(draw, mine).message_id)] if mine else None
    if message is None:
        return []
    return [press(world, user, message, forged_data(world, draw))]


async def step_stale(world: World, draw: Draw) -> Updates:
    """An old button pressed again (its message has moved on), a press under a message too old
    to be shown (InaccessibleMessage), or one without a message at all."""
    choices = [(c, m, d) for c, m, d in world.all_data if world.live(c)]
    if not choices:
        return []
    chat_id, message_id, data = pick(draw, choices, recent=200)
    user = pressers(world, chat_id, draw)
    shape = draw(st.integers(0, 3))
    if shape == 0:
        chat = world.chat(chat_id)
        chat_json = chat.chat_json() if isinstance(chat, FakeUser) else chat.json()
        inaccessible = {"chat": chat_json, "message_id": message_id, "date": 0}
        world.blind = True
        return [press(world, user, inaccessible, data)]
    if shape == 1:
        return [press(world, user, None, data)]
    return [press(world, user, world.sim.api.messages[(chat_id, message_id)], data)]


async def step_edit(world: World, draw: Draw) -> Updates:
    """Someone edits one of their messages (often an answer), or a message the bot never saw."""
    live = [(c, m) for c, m in world.user_messages if world.live(c)]
    if live and draw(st.integers(0, 3)):
        chat_id, message_id = pick(draw, live)
        message = world.sim.api.messages[(chat_id, message_id)]
        sender_id = int(message.get("from", {}).get("id", 0))
        user = world.sim.api.users.get(sender_id)
        if user is not None and chat_id > 0:
            text = await private_text(world, draw, user)
        else:
            text = draw(texts)
        return [world.tg.edit(user or world.outsider, world.chat(chat_id), message_id, text)]
    user = draw(st.sampled_from(world.people))
    chats = [user.id] + [g.id for g in world.live_groups()]
    chat_id = draw(st.sampled_from(chats))
    message = {
        "message_id": draw(st.integers(1, 2**31 - 1)),
        "date": world.sim.api.date,
        "edit_date": world.sim.api.date,
        "chat": world.sim.api.chat_json(chat_id),
        "from": user.json(),
        "text": draw(texts) or "x",
    }
    return [world.tg._update(edited_message=message)]


async def next_due(world: World) -> datetime | None:
    """The next instant anything is scheduled for any active couple."""
    async with world.sim.hearth.sessions() as session:
        active = await session.scalars(select(CoupleRow).where(CoupleRow.active.is_(True)))
        now = world.sim.clock.now
        instants = [getattr(c, r.column) for c in active for r in RHYTHMS]
    return min((at for at in instants if at is not None and at > now), default=None)


async def step_tick(world: World, draw: Draw) -> Updates:
    """Time passes (to the next scheduled moment, or minutes, hours or days) and the
    scheduler runs."""
    now = world.sim.clock.now
    mode = draw(st.integers(0, 4))
    due = await next_due(world) if mode == 0 else None
    if due is not None:
        at = due + timedelta(minutes=draw(st.integers(0, 30)))
    else:  # now and then weeks: retention, the "stuck" note, expired held messages
        hours = (1.5, 16, 4 * 24, 40 * 24)[max(mode - 1, 0)]
        at = now + timedelta(minutes=draw(st.integers(1, int(hours * 60))))
    await world.sim.tick(at)
    STATS.ticks += 1
    return []


async def step_member(world: World, draw: Draw) -> Updates:
    """The bot is added, removed, re-added, promoted, demoted or restricted; or blocked and
    unblocked in a private chat."""
    statuses = ["left", "member", "administrator", "kicked", "restricted", "restricted_out"]
    new = draw(st.sampled_from(statuses))
    if draw(st.integers(0, 4)) == 0:
        user = draw(st.sampled_from(world.people))
        old = "kicked" if user.blocked else "member"
        return [world.tg.bot_status(user, user, old, new if new != old else "member")]
    group = draw(st.sampled_from([g for g in world.groups if g.migrated_to is None]))
    old = "administrator" if group.bot_admin else "member" if group.bot_member else "left"
    if draw(st.integers(0, 5)) == 0:
        old = draw(st.sampled_from(statuses))  # a repeated or out-of-order event
    members = [world.sim.api.users[m] for m in group.members] or [world.outsider]
    by = draw(st.sampled_from(members))
    return [world.tg.bot_status(group, by, old, new)]


async def step_channel(world: World, draw: Draw) -> Updates:
    """A channel post (the bot is in a channel), or a command from an anonymous admin or a
    channel in a group."""
    text: str = draw(texts)
    if draw(st.booleans()):
        return [world.tg.channel_post(world.channel, text or "post")]
    return await step_command(world, draw)


async def step_people(world: World, draw: Draw) -> Updates:
    """Someone joins or leaves the first couple's group (a third reader, or a partner out)."""
    group = world.couples[0].group
    user = draw(st.sampled_from([world.visitor, world.couples[0].sam, world.outsider]))
    if user.id in group.members:
        world.tg.leave_group(group, user)
        key, value = "left_chat_member", user.json()
    else:
        world.tg.join_group(group, user)
        key, value = "new_chat_members", [user.json()]
    if not world.live(group.id):
        return []
    return [world.tg.raw_message(group, user.json(), {key: value})]


async def step_migrate(world: World, draw: Draw) -> Updates:
    """A couple's group becomes a supergroup."""
    couple = draw(st.sampled_from(world.couples))
    if not world.live(couple.group.id) or couple.group.type == "supergroup":
        return []
    couple.group, update = world.tg.migrate(couple.group)
    return [update]


async def step_deep_link(world: World, draw: Draw) -> Updates:
    """/start with a real deep link (the couple's, or an answer link), pressed by anyone."""
    user: FakeUser = draw(st.sampled_from(world.people))
    payload = draw(st.sampled_from(world.payloads)) if world.payloads else "x"
    user.started, user.blocked = True, False
    return [world.tg.start(user, payload)]


# The first kind is drawn most (Hypothesis favours zero): a cheap one.
STEPS_BY_WEIGHT: list[tuple[int, Callable[[World, Draw], Any]]] = [
    (7, step_forged),
    (13, step_private),
    (8, step_answer),
    (11, step_group_reply),
    (3, step_group_message),
    (15, step_command),
    (11, step_press),
    (3, step_stale),
    (6, step_edit),
    (4, step_tick),
    (3, step_member),
    (3, step_channel),
    (3, step_people),
    (1, step_migrate),
    (7, step_deep_link),
]
TABLE = [step for weight, step in STEPS_BY_WEIGHT for _ in range(weight)]


def remember_user_message(world: World, update: JSONDict) -> None:
    """Keep users' own messages, to edit them later."""
    message = update.get("message")
    if message and message.get("from", {}).get("is_bot") is False:
        world.user_messages.append((message["chat"]["id"], message["message_id"]))


def summary(update: JSONDict) -> str:
    """One line about an update, for the trail."""
    kind = next(k for k in update if k != "update_id")
    body = update[kind]
    message = body.get("message") if kind == "callback_query" else body
    chat = (message or {}).get("chat", {}).get("id")
    who = body.get("from", {}).get("id")
    detail = {k: v for k, v in body.items() if k in ("text", "data", "caption")}
    detail.update({k: "…" for k in body if k in MEDIA + OTHER_MEDIA + ("reply_to_message",)})
    if kind == "my_chat_member":
        detail = {
            "old": body["old_chat_member"]["status"],
            "new": body["new_chat_member"]["status"],
        }
    return f"{kind} chat={chat} from={who} {detail!r:.160}"


async def run_example(world: World, draw: Draw) -> None:
    """Fed STEPS generated steps, checking every property after each one."""
    for _ in range(STEPS):
        step = TABLE[draw(st.integers(0, len(TABLE) - 1))]
        STATS.kinds[step.__name__] += 1
        try:
            updates = await step(world, draw)
            world.trail.append(f"{step.__name__}: {world.sim.clock.now:%a %H:%M}")
            for update in updates:
                if update is None:
                    continue
                world.trail.append("  " + summary(update))
                remember_user_message(world, update)
                STATS.updates += 1
                await world.sim.feed(update)
            STATS.callbacks += len(world.queries)
            await check(world)
        except AssertionError as error:
            trail = "\n".join(world.trail[-30:])
            raise AssertionError(f"{error}\n--- the last steps ---\n{trail}") from error


def run_all(path: Path, content: Content, worker: int) -> None:
    """One worker's examples (its own seed) against one Simulation on one SQLite file."""
    errors = ErrorRecords()
    root = logging.getLogger()
    root.addHandler(errors)
    ours = [logging.getLogger(name) for name in ("bot", "handlers")]
    for logger in ours:  # everything Hearth logs, DEBUG included, is read for sealed texts
        logger.setLevel(logging.DEBUG)
    with asyncio.Runner() as runner:
        sim = Simulation(f"sqlite+aiosqlite:///{path}", START, content=content)
        runner.run(sim.__aenter__())
        template = runner.run(build_template(sim, path))

        # Shrinking is off: replaying a world step by step costs seconds per attempt. A
        # failure reports its last steps instead, and the run is deterministic (seeded, no
        # example database), so it fails the same way again.
        @seed(worker)
        @settings(
            max_examples=EXAMPLES,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
            report_multiple_bugs=False,
        )
        @given(st.data())
        def example(data: st.DataObject) -> None:
            """One example: the template's world, then STEPS generated steps."""
            STATS.examples += 1
            world = runner.run(new_world(sim, errors, template))
            runner.run(run_example(world, data.draw))

        try:
            example()
        finally:
            runner.run(sim.__aexit__(None, None, None))
            root.removeHandler(errors)
            for logger in ours:
                logger.setLevel(logging.NOTSET)


def worker(number: int, path: Path, content: Content, results: Queue[Any]) -> None:
    """Run one worker's examples (in a process of its own) and report stats and failure."""
    failure = ""
    try:
        run_all(path, content, number)
    except BaseException as error:  # the test fails with it, in the parent process
        # What broke and the last steps (the message), and where it broke (the innermost
        # cause's last frames); Hypothesis's list of every draw would bury both.
        innermost = error
        while innermost.__cause__ is not None:
            innermost = innermost.__cause__
        where = "".join(traceback.format_exception(innermost, limit=-6))
        failure = f"seed {number}: {error}\n\n{where}"
    results.put((STATS, failure))


def test_generated_updates_break_nothing(tmp_path: Path, content: Content) -> None:
    """At least TARGET_UPDATES generated updates through the real Application, every
    property holding after every step (two processes, each with its own seed and database)."""
    if WORKERS == 1:
        for number in range(SEEDS):
            run_all(tmp_path / f"fuzz-{number}.sqlite3", content, number)
        total = STATS
    else:
        context = multiprocessing.get_context("fork")  # the child shares the loaded content
        results: Queue[Any] = context.Queue()
        processes = [
            context.Process(
                target=worker, args=(n, tmp_path / f"fuzz-{n}.sqlite3", content, results)
            )
            for n in range(SEEDS)
        ]
        for process in processes:
            process.start()
        reports = [results.get(timeout=900) for _process in processes]
        for process in processes:
            process.join()
        failures = [failure for _stats, failure in reports if failure]
        assert not failures, "\n\n".join(failures)
        total = Stats()
        for stats, _failure in reports:
            total.updates += stats.updates
            total.callbacks += stats.callbacks
            total.ticks += stats.ticks
            total.examples += stats.examples
            total.kinds += stats.kinds
    print(
        f"\nfuzz: {total.updates} updates ({total.callbacks} button presses, {total.ticks} "
        f"ticks) in {total.examples} examples; steps: {dict(total.kinds)}"
    )
    assert total.updates >= TARGET_UPDATES, total
