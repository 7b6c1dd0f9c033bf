"""The closed vocabularies of the outbox: why a message is sent, where it stands, and the policy
each purpose follows when Telegram is slow, a chat is closed or the day has moved on."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta


class Purpose(enum.StrEnum):
    """Why a queued message exists."""

    QUESTION = "question"
    OWN_QUESTION = "own_question"
    JAR = "jar"
    JAR_NIGHT = "jar_night"
    JAR_REMINDER = "jar_reminder"
    GESTURE = "gesture"
    GESTURE_SHARED = "gesture_shared"
    NOTICE_ASK = "notice_ask"
    NOTICED = "noticed"
    YOUR_TURN = "your_turn"
    REVEAL = "reveal"
    REVEAL_WAITING = "reveal_waiting"
    REVEAL_GROUP = "reveal_group"
    INVITE = "invite"
    EDIT = "edit"
    EDIT_GROUP = "edit_group"
    WARM = "warm"
    DEPTH_ASK = "depth_ask"
    DEPTH_UP = "depth_up"
    TOGETHER = "together"
    RECAP = "recap"
    STUCK = "stuck"
    MEMORY = "memory"
    STEPPED_OUT = "stepped_out"
    LOVE_MAP = "love_map"  # a part of a love-map round, privately
    CHECKIN = "checkin"  # a part of a weekly check-in, privately
    DATE = "date"  # an important day's question in the group
    DATE_REMINDER = "date_reminder"  # an idea to prepare an important day, privately
    INFO = "info"


class OutboxStatus(enum.StrEnum):
    """Where a queued message stands."""

    PENDING = "pending"  # waiting for its next attempt
    SENDING = "sending"  # claimed by the sender; back to pending once its claim lapses
    SENT = "sent"
    HELD = "held"  # its private chat is closed: sent when the partner opens it again
    FAILED = "failed"  # Telegram rejected it (a bug: logged at ERROR)
    EXPIRED = "expired"  # its moment passed before it could go out
    SKIPPED = "skipped"  # a group reveal in a group with someone besides the partners
    DROPPED = "dropped"  # nobody left to receive it (bot removed, stale nudge)


class Outcome(enum.StrEnum):
    """What one attempt to deliver a message did."""

    SENT = "sent"
    DEFERRED = "deferred"  # retried later (network, flood wait, unsure membership)
    HELD = "held"
    DROPPED = "dropped"
    FAILED = "failed"
    EXPIRED = "expired"
    SKIPPED = "skipped"


FINISHED = (
    OutboxStatus.SENT,
    OutboxStatus.FAILED,
    OutboxStatus.EXPIRED,
    OutboxStatus.SKIPPED,
    OutboxStatus.DROPPED,
)


@dataclass(frozen=True)
class Policy:
    """How the sender treats messages of one purpose."""

    # After a timeout the message has usually arrived; a second copy would confuse. Messages
    # without this (reveals, "your turn", passed-on words) are retried: a duplicate beats a loss.
    assume_delivered: bool = False
    # Could not go out for this long: its moment has passed.
    expires_after: timedelta | None = None
    # Worded for tonight: not sent once the couple's local day is over (unless a crash
    # interrupted it mid-send before midnight).
    day_bound: bool = False
    # Held for a closed private chat: still worth delivering days later when it opens.
    keep_when_held: bool = False
    # The sent message is a prompt: replies to it are answers.
    prompt: bool = False
    # Someone just did something and is waiting for this (a mirrored answer, "your turn", a
    # reply to a command): it goes ahead of the scheduled messages waiting in line, so that
    # an evening's burst of questions does not keep a couple waiting for minutes.
    awaited: bool = False


_PROMPT_LIKE = Policy(assume_delivered=True, expires_after=timedelta(hours=12))
_KEEP = Policy(keep_when_held=True, awaited=True)
_AWAITED = Policy(awaited=True)

POLICIES: dict[Purpose, Policy] = {
    Purpose.QUESTION: Policy(True, timedelta(hours=12), day_bound=True, prompt=True),
    Purpose.JAR: Policy(True, timedelta(hours=12), prompt=True),
    # The question at a partner's own evening, privately: late by more than six hours, it has
    # missed that evening (the group's message still carries it).
    Purpose.OWN_QUESTION: Policy(True, timedelta(hours=6)),
    Purpose.JAR_NIGHT: Policy(True, timedelta(hours=12), day_bound=True, prompt=True),
    Purpose.JAR_REMINDER: _PROMPT_LIKE,
    Purpose.GESTURE: _PROMPT_LIKE,
    Purpose.GESTURE_SHARED: _PROMPT_LIKE,
    Purpose.NOTICE_ASK: _PROMPT_LIKE,
    Purpose.DEPTH_ASK: _PROMPT_LIKE,
    Purpose.TOGETHER: _PROMPT_LIKE,
    Purpose.RECAP: _PROMPT_LIKE,
    Purpose.STUCK: _PROMPT_LIKE,
    Purpose.LOVE_MAP: _PROMPT_LIKE,
    Purpose.CHECKIN: _PROMPT_LIKE,
    Purpose.DATE: Policy(True, timedelta(hours=12), day_bound=True, prompt=True),
    Purpose.DATE_REMINDER: _PROMPT_LIKE,
    Purpose.REVEAL: _KEEP,
    Purpose.EDIT: _KEEP,
    Purpose.WARM: _KEEP,
    Purpose.NOTICED: _KEEP,
    Purpose.MEMORY: Policy(keep_when_held=True),
    Purpose.YOUR_TURN: _AWAITED,
    Purpose.REVEAL_WAITING: _AWAITED,
    Purpose.REVEAL_GROUP: _AWAITED,
    Purpose.INVITE: _AWAITED,
    Purpose.EDIT_GROUP: _AWAITED,
    Purpose.DEPTH_UP: _AWAITED,
    Purpose.STEPPED_OUT: _AWAITED,
    Purpose.INFO: _AWAITED,
}
DEFAULT_POLICY = Policy()


def policy(purpose: Purpose) -> Policy:
    """The policy for messages of this purpose."""
    return POLICIES.get(purpose, DEFAULT_POLICY)


AWAITED = tuple(purpose for purpose in Purpose if policy(purpose).awaited)
# Held for a closed private chat, these went to the group instead, whole (their fallback is
# the message itself): when the chat opens, the group has had them, and may have answered.
# (A held reveal's fallback only points at it: it still goes. A gesture idea's fallback is the
# day's one shared challenge, which may be another partner's idea: it still goes too.)
COPIED_TO_GROUP = frozenset(
    {
        Purpose.YOUR_TURN,
        Purpose.DEPTH_ASK,
        Purpose.NOTICE_ASK,
        Purpose.NOTICED,
        Purpose.WARM,
    }
)


MAX_BACKOFF = timedelta(minutes=15)


def backoff(attempts: int, now: datetime) -> datetime:
    """When to try a message again after `attempts` failures (10 s doubling, at most 15
    minutes)."""
    return now + min(timedelta(seconds=10 * 2 ** min(attempts, 10)), MAX_BACKOFF)
