"""SQLAlchemy 2 typed models: couples, partners, prompts, answers, jar, gestures, outbox.

Partners' words (answers, jar questions, queued messages, preferences) are stored sealed
(`Sealed`, `SealedJSON`): a database file or backup alone reveals none of them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    Update,
    bindparam,
    update,
)
from sqlalchemy import text as sql_text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from bot.core.columns import LocalDate, Sealed, SealedJSON, StrEnumColumn, UTCDateTime
from bot.core.purposes import OutboxStatus, Purpose

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with a constraint naming convention (stable Alembic names)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def set_only(name: str, column: str) -> Index:
    """An index of the rows where `column` is set (most leave it empty): smaller, and what
    looks a value up, or deletes what it refers to, uses it all the same."""
    where = sql_text(f"{column} IS NOT NULL")
    return Index(name, column, sqlite_where=where, postgresql_where=where)


def table(model: type[Base]) -> Table:
    """The Core table of a mapped class, for bulk statements that skip the ORM's bookkeeping."""
    found = model.__table__
    if not isinstance(found, Table):
        raise TypeError(f"{model.__name__} is not mapped to a table")
    return found


def update_by_id(model: type[Base], column: str) -> Update:
    """A Core UPDATE of one column of the row with id `row` to `value` (both bound): built
    once, run for many rows in one statement or for one without the ORM's flush."""
    target = table(model)
    where = target.c.id == bindparam("row")
    return update(target).where(where).values({column: bindparam("value")})


class Couple(Base):
    """One group chat with (up to) two partners and their schedule."""

    __tablename__ = "couples"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    chat_title: Mapped[str] = mapped_column(String(255), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    tz: Mapped[str] = mapped_column(String(64), default="UTC")
    question_time: Mapped[str] = mapped_column(String(5), default="20:00")
    gesture_time: Mapped[str] = mapped_column(String(5), default="09:00")
    jar_day: Mapped[int] = mapped_column(Integer, default=4)  # Monday=0 … Friday=4
    jar_time: Mapped[str] = mapped_column(String(5), default="19:00")
    # Added in 0006: jar night comes with the evening question (False: it takes its place).
    jar_with_question: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # Added in 0007: the language of the group's messages (a shipped one, see bot.i18n).
    language: Mapped[str] = mapped_column(String(10), default="en", server_default="en")
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    paused_until: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    depth: Mapped[int] = mapped_column(Integer, default=1)
    link_token: Mapped[str] = mapped_column(String(64), unique=True)
    next_question_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    next_gesture_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    next_jar_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    next_jar_reminder_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Added in 0002: the rest of the practices.
    together_day: Mapped[int] = mapped_column(Integer, default=5, server_default="5")
    together_time: Mapped[str] = mapped_column(String(5), default="10:00", server_default="10:00")
    together_enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    next_together_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    next_recap_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    stuck_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    depth_asked_level: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Added in 0004: what they said about living apart (None: not said, so their time zones
    # decide; see bot.core.apart).
    living_apart: Mapped[bool | None] = mapped_column(Boolean, default=None)
    # Added in 0005: love maps, the weekly check-in, important dates and opt-in themes.
    guess_enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    guess_day: Mapped[int] = mapped_column(Integer, default=2, server_default="2")  # Wednesday
    guess_time: Mapped[str] = mapped_column(String(5), default="12:00", server_default="12:00")
    next_guess_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    checkin_enabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    checkin_day: Mapped[int] = mapped_column(Integer, default=6, server_default="6")  # Sunday
    checkin_time: Mapped[str] = mapped_column(String(5), default="11:00", server_default="11:00")
    next_checkin_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    has_dates: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    next_dates_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    parents: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")

    partners: Mapped[list[Partner]] = relationship(
        back_populates="couple",
        cascade="all, delete-orphan",
        order_by="Partner.id",
        lazy="selectin",
    )

    @property
    def complete(self) -> bool:
        """Both partners have joined."""
        return len(self.partners) == 2


class Partner(Base):
    """A person in a couple; the private chat with the bot is the user id itself."""

    __tablename__ = "partners"
    __table_args__ = (UniqueConstraint("couple_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    couple_id: Mapped[int] = mapped_column(ForeignKey("couples.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigInteger, index=True)
    first_name: Mapped[str] = mapped_column(String(255))
    private_open: Mapped[bool] = mapped_column(Boolean, default=False)
    pending_prompt_id: Mapped[int | None] = mapped_column(Integer, default=None)
    # Comma-separated gesture kinds that make this partner feel appreciated (sealed).
    appreciation: Mapped[str] = mapped_column(Sealed, default="")
    ready_depth: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # This partner confirmed deleting the whole couple; both must, before anything goes.
    forget_confirmed: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    intimacy_ok: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Added in 0004. The partner's own IANA zone (None: the couple's). A partner whose zone
    # differs from the couple's is on their own clock: the next instants of their own evening
    # question and morning gesture live here (see bot.core.rhythms).
    tz: Mapped[str | None] = mapped_column(String(64), default=None)
    next_question_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    next_gesture_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # The latest daily question put to this partner privately, on their own clock, and when:
    # their private messages answer that one, never one the group or the other partner got
    # first (None: no question put to them on their own clock yet; the group's count).
    asked_prompt_id: Mapped[int | None] = mapped_column(Integer, default=None)
    asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # Added in 0007: the language of this partner's private chat (None: the couple's).
    language: Mapped[str | None] = mapped_column(String(10), default=None)
    # Added in 0011: when they last picked a question by button ("Answer privately"): a pick
    # made just before the next evening's question outlasts it (they are writing that answer).
    picked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    couple: Mapped[Couple] = relationship(back_populates="partners")


class Prompt(Base):
    """A question put to the couple: the daily question or a jar draw; answers hang off it."""

    __tablename__ = "prompts"
    __table_args__ = (
        Index("ix_prompts_couple_kind_date", "couple_id", "kind", "local_date"),
        Index("ix_prompts_message", "couple_id", "message_id"),
        # Most prompts stand alone: only a round's later parts are indexed.
        set_only("ix_prompts_part_of", "part_of"),
        # Only draws of a question a partner wrote (deleting one finds its draws here).
        set_only("ix_prompts_jar_question", "jar_question_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    couple_id: Mapped[int] = mapped_column(ForeignKey("couples.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # see bot.core.prompt_kinds
    local_date: Mapped[date] = mapped_column(LocalDate)
    content_id: Mapped[str | None] = mapped_column(String(64), default=None)
    jar_question_id: Mapped[int | None] = mapped_column(
        ForeignKey("jar_questions.id", ondelete="SET NULL"), default=None
    )
    theme: Mapped[str | None] = mapped_column(String(32), default=None)
    depth: Mapped[int | None] = mapped_column(Integer, default=None)
    # A partner's own words (a drawn jar question), sealed; bank questions are looked up by
    # content_id instead, so they show in the couple's language and cost no space.
    text: Mapped[str | None] = mapped_column(Sealed, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revealed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # The group message that asked it: replies to that message are answers.
    message_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    # Added in 0004: when the group was asked it (None: not yet; a partner on their own clock
    # can be asked the day's question hours before the group). Followers of the group's clock
    # answer privately only what the group was asked.
    asked_in_group_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # Swapped for another question (takes no answers); a round's later parts point at its first.
    skipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    part_of: Mapped[int | None] = mapped_column(
        ForeignKey("prompts.id", ondelete="CASCADE"), default=None
    )


class Answer(Base):
    """One partner's answer to a prompt; media stays in Telegram and is copied on reveal."""

    __tablename__ = "answers"
    __table_args__ = (
        # No index of the answer's own message: an edit finds it through the couple's prompts.
        UniqueConstraint("prompt_id", "partner_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    prompt_id: Mapped[int] = mapped_column(ForeignKey("prompts.id", ondelete="CASCADE"))
    # No foreign key since 0010: a key needs an index on this column (else deleting a partner
    # reads the whole table), and answers are the table that grows. Answers go with their
    # prompts (the couple's), and a forgotten partner's are deleted by partner id (privacy.py).
    partner_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))  # text | voice | video_note | photo | video
    text: Mapped[str | None] = mapped_column(Sealed, default=None)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int] = mapped_column(BigInteger)
    in_group: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # The warm response the other partner sent back (once per answer).
    warm_response: Mapped[str | None] = mapped_column(String(32), default=None)
    # Added in 0011: an answer sent as an album, "<media group id> <later items' message
    # ids>": Telegram sends each item as a message of its own, all part of the one answer.
    album: Mapped[str | None] = mapped_column(String(255), default=None)

    def sources(self) -> list[tuple[int, int]]:
        """The Telegram messages the answer is: its own, then an album's later items."""
        later = (self.album or "").split()[1:]
        return [(self.chat_id, self.message_id)] + [(self.chat_id, int(i)) for i in later]


class Delivery(Base):
    """A scheduled prompt already handed out: unique per couple, partner, kind and local date."""

    __tablename__ = "deliveries"
    __table_args__ = (UniqueConstraint("couple_id", "partner_id", "kind", "local_date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    couple_id: Mapped[int] = mapped_column(ForeignKey("couples.id", ondelete="CASCADE"))
    # The partner whose own clock it followed (local_date is theirs); 0 for the couple's clock.
    # No foreign key, so that 0 can stand for the couple; rows live three days.
    partner_id: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    kind: Mapped[str] = mapped_column(String(16))
    local_date: Mapped[date] = mapped_column(LocalDate)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class JarQuestion(Base):
    """A question a partner wrote into the couple's jar."""

    __tablename__ = "jar_questions"
    __table_args__ = (UniqueConstraint("couple_id", "norm"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    couple_id: Mapped[int] = mapped_column(ForeignKey("couples.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("partners.id", ondelete="SET NULL"), default=None, index=True
    )
    author_name: Mapped[str] = mapped_column(String(255), default="")
    text: Mapped[str] = mapped_column(Sealed)
    # A keyed digest of the normalised text: duplicates are refused without storing the words.
    norm: Mapped[str] = mapped_column(String(64))
    secret: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    drawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class GestureAssignment(Base):
    """A gesture idea given to one partner (or, shared, to both in the group) on a day."""

    __tablename__ = "gesture_assignments"
    __table_args__ = (
        # A morning's batch reads its couples' recent ideas; deleting a couple finds theirs.
        Index("ix_gesture_assignments_couple", "couple_id", "local_date"),
        # A notice is pending for a few hours; the index holds only the gestures awaiting one.
        set_only("ix_gesture_assignments_notice_at", "notice_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    couple_id: Mapped[int] = mapped_column(ForeignKey("couples.id", ondelete="CASCADE"))
    # None: the shared challenge. No foreign key since 0010, as for answers: ideas go with
    # their couple, and a forgotten partner's are deleted by partner id (privacy.py).
    partner_id: Mapped[int | None] = mapped_column(Integer, default=None)
    # The idea's kind of appreciation is the content's (`gesture_id`), its day `local_date`.
    gesture_id: Mapped[str] = mapped_column(String(64))
    local_date: Mapped[date] = mapped_column(LocalDate)
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    notice_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    noticed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class ImportantDate(Base):
    """An anniversary or birthday (see bot.core.dates); a `secret` one is its author's alone."""

    __tablename__ = "important_dates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    couple_id: Mapped[int] = mapped_column(ForeignKey("couples.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), index=True
    )
    for_partner_id: Mapped[int | None] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), index=True
    )
    month: Mapped[int] = mapped_column(Integer)
    day: Mapped[int] = mapped_column(Integer)  # 29.02 is celebrated on 28.02 in other years
    label: Mapped[str] = mapped_column(Sealed)  # a partner's words
    secret: Mapped[bool] = mapped_column(Boolean, default=False)


class OutboxMessage(Base):
    """A message that must arrive: stored with the state change, sent and retried after."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at"),
        Index("ix_outbox_chat", "chat_id", "status"),
        # Deleting a prompt or a partner finds their queued messages here.
        set_only("ix_outbox_prompt", "prompt_id"),
        set_only("ix_outbox_partner", "partner_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    couple_id: Mapped[int | None] = mapped_column(
        ForeignKey("couples.id", ondelete="CASCADE"), default=None, index=True
    )
    partner_id: Mapped[int | None] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), default=None
    )
    chat_id: Mapped[int] = mapped_column(BigInteger)
    method: Mapped[str] = mapped_column(String(16))  # message | copy
    # Text and buttons; answers are referenced ("quotes"), not copied, and read when sending.
    payload: Mapped[dict[str, Any]] = mapped_column(SealedJSON)
    fallback: Mapped[dict[str, Any] | None] = mapped_column(SealedJSON, default=None)
    purpose: Mapped[Purpose] = mapped_column(StrEnumColumn(Purpose, 32))
    prompt_id: Mapped[int | None] = mapped_column(
        ForeignKey("prompts.id", ondelete="CASCADE"), default=None
    )
    only_if_private_group: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[OutboxStatus] = mapped_column(
        StrEnumColumn(OutboxStatus, 16), default=OutboxStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # When a pending message is due; while it is being sent, when its claim lapses.
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    sent_message_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CoupleActivity(Base):
    """A shared activity as the couple sees it: suggested, done before, wished for, or done."""

    __tablename__ = "couple_activities"
    __table_args__ = (UniqueConstraint("couple_id", "activity_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    couple_id: Mapped[int] = mapped_column(ForeignKey("couples.id", ondelete="CASCADE"))
    activity_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # suggested | done_before | wish | done
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class UpdateSeen(Base):
    """An update already processed: Telegram may deliver it again after a restart."""

    __tablename__ = "updates_seen"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class ServiceState(Base):
    """Small facts about the running service (the last tick), for health checks and stats."""

    __tablename__ = "service_state"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(255), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
