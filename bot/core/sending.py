"""The sender's side of the outbox: claim due messages in batches, record what happened to
them in batches, resume what a dead process had claimed, and keep the table small."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, case, delete, exists, func, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.core.models import Answer, Couple, OutboxMessage, Partner, Prompt, table, update_by_id
from bot.core.outbox import Outgoing, enqueue, render
from bot.core.purposes import AWAITED, FINISHED, OutboxStatus, Outcome, Purpose, policy

# How long a claim is its sender's alone. A sender that loses the lead stops its sends within
# a leadership check (seconds) and the leader keeps its own claims however long they take, so
# a claim older than this is a dead or deposed sender's: the leader takes it back (`recover`).
# The margin also covers two workers' clocks a little apart.
CLAIM_LEASE = timedelta(minutes=2)


@dataclass
class Claimed:
    """A claimed row with what sending it needs, read in the claiming statement's batch."""

    row: OutboxMessage
    tz: str = "UTC"
    prompt_day: Any = None  # the prompt's local date, for day-bound purposes
    partners: tuple[int, ...] = ()  # the couple's partners' user ids (private-group check)
    answers: dict[int, Answer] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The message text with its quotes."""
        return render(self.row.payload, self.answers)

    @property
    def quotes_missing(self) -> bool:
        """A quoted answer was deleted since the message was queued."""
        return any(int(q[0]) not in self.answers for q in self.row.payload.get("quotes") or [])


@dataclass
class Result:
    """What one attempt did, recorded with the others of its batch."""

    row: OutboxMessage
    outcome: Outcome | None  # None: not attempted (its chat is waiting behind a deferral)
    message_id: int | None = None
    chat_id: int | None = None  # where it finally went (a migrated group moves)
    retry_at: datetime | None = None
    moved_from: int | None = None  # a group chat id that became `chat_id`
    closed: bool = False  # the chat refused it: a private chat closed, or a group shut to us


def _earlier_in_chat(which: Callable[[Any], Any]) -> Any:
    """An earlier message of the same chat for which `which(earlier)` holds exists."""
    earlier = aliased(OutboxMessage)
    return exists().where(
        earlier.chat_id == OutboxMessage.chat_id, earlier.id < OutboxMessage.id, which(earlier)
    )


def _blocked(now: datetime) -> Any:
    """An earlier message of the same chat is in flight or waiting: keep the chat's order."""
    return _earlier_in_chat(
        lambda earlier: or_(
            earlier.status == OutboxStatus.SENDING,
            and_(earlier.status == OutboxStatus.PENDING, earlier.next_attempt_at > now),
        )
    )


def _first_in_line() -> Any:
    """No earlier message of the same chat is still to go (waiting, or being sent)."""
    return ~_earlier_in_chat(
        lambda earlier: earlier.status.in_((OutboxStatus.PENDING, OutboxStatus.SENDING))
    )


async def claim(session: AsyncSession, now: datetime, limit: int) -> list[Claimed]:
    """Claim up to `limit` due messages and read what sending them needs.

    Awaited messages (see `Policy.awaited`) first, then the oldest: a partner's "your turn"
    does not wait behind thousands of evening questions. A message only jumps the line when
    nothing earlier of its chat is still to go, so each chat keeps its order; messages of a
    removed couple wait (nothing is sent to them).
    """
    # CASE evaluates the chat's line only for awaited messages: few, even in a burst.
    ahead = case((and_(OutboxMessage.purpose.in_(AWAITED), _first_in_line()), 0), else_=1)
    due = (
        select(OutboxMessage.id)
        .outerjoin(Couple, Couple.id == OutboxMessage.couple_id)
        .where(
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.next_attempt_at <= now,
            or_(OutboxMessage.couple_id.is_(None), Couple.active.is_(True)),
            ~_blocked(now),
        )
        .order_by(ahead, OutboxMessage.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True, of=OutboxMessage)
    claimed = list(
        await session.scalars(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(due.scalar_subquery()))
            # The first claim's time is kept: a message a crash interrupted before midnight
            # is still tonight's (deferrals clear it, see `record`). While it is claimed, its
            # next attempt is when the claim lapses (see `recover`).
            .values(
                status=OutboxStatus.SENDING,
                next_attempt_at=literal(now + CLAIM_LEASE, OutboxMessage.next_attempt_at.type),
                claimed_at=func.coalesce(
                    OutboxMessage.claimed_at, literal(now, OutboxMessage.claimed_at.type)
                ),
            )
            .returning(OutboxMessage),
            execution_options={"synchronize_session": False},
        )
    )
    if not claimed:
        return []
    claimed.sort(key=lambda row: row.id)
    couple_ids = {r.couple_id for r in claimed if r.couple_id is not None}
    prompt_ids = {r.prompt_id for r in claimed if r.prompt_id is not None}
    answer_ids = {int(q[0]) for r in claimed for q in r.payload.get("quotes") or []}
    tz: dict[int, str] = {}
    partners: dict[int, list[int]] = defaultdict(list)
    if couple_ids:
        for couple_id, zone, user_id in await session.execute(
            select(Couple.id, Couple.tz, Partner.user_id)
            .outerjoin(Partner, Partner.couple_id == Couple.id)
            .where(Couple.id.in_(couple_ids))
            .order_by(Partner.id)
        ):
            tz[couple_id] = zone
            if user_id is not None:
                partners[couple_id].append(user_id)
    days: dict[int, Any] = {}
    if prompt_ids:
        rows = await session.execute(
            select(Prompt.id, Prompt.local_date).where(Prompt.id.in_(prompt_ids))
        )
        days = {prompt_id: day for prompt_id, day in rows}
    answers = {}
    if answer_ids:
        answers = {
            a.id: a for a in await session.scalars(select(Answer).where(Answer.id.in_(answer_ids)))
        }
    return [
        Claimed(
            row,
            tz.get(row.couple_id or 0, "UTC"),
            days.get(row.prompt_id or 0),
            tuple(partners.get(row.couple_id or 0, ())),
            {
                int(q[0]): answers[int(q[0])]
                for q in row.payload.get("quotes") or []
                if int(q[0]) in answers
            },
        )
        for row in claimed
    ]


STATUS_OF = {
    Outcome.SENT: OutboxStatus.SENT,
    Outcome.HELD: OutboxStatus.HELD,
    Outcome.DROPPED: OutboxStatus.DROPPED,
    Outcome.FAILED: OutboxStatus.FAILED,
    Outcome.EXPIRED: OutboxStatus.EXPIRED,
    Outcome.SKIPPED: OutboxStatus.SKIPPED,
    Outcome.DEFERRED: OutboxStatus.PENDING,
}


async def record(session: AsyncSession, results: Sequence[Result], now: datetime) -> None:
    """Write a batch of results: statuses, prompts' message ids, closed chats, fallbacks.

    A message deleted while it was being sent (/forget scrubs what was not sent) is gone:
    there is nothing to record about it, and its fallback must not go out either; nor is one
    whose claim lapsed and was taken back (another leader's now).
    """
    from bot.core.couples import lock_couples

    couples = {r.row.couple_id for r in results if r.row.couple_id is not None}
    if couples:
        # Couples first, like every update's unit of work (/forget locks its couple, then
        # deletes its messages), so the two never wait on each other's rows.
        await lock_couples(session, Couple.id.in_(couples))
    # Only rows this claim still holds (the lease it set is still theirs): a claim that lapsed
    # may have been taken back and sent by another leader since, and writing over that would
    # send it again.
    leases = {r.row.id: r.row.next_attempt_at for r in results}
    ours = {
        row_id
        for row_id, status, lease in await session.execute(
            select(OutboxMessage.id, OutboxMessage.status, OutboxMessage.next_attempt_at).where(
                OutboxMessage.id.in_(leases)
            )
        )
        if status == OutboxStatus.SENDING and lease == leases[row_id]
    }
    await _record_present(session, [r for r in results if r.row.id in ours], now)


# By id, in Core, while still under this claim: a row deleted or taken back since the SELECT
# above is simply not updated.
_CHANGE = update(table(OutboxMessage)).where(
    table(OutboxMessage).c.id == bindparam("row"),
    table(OutboxMessage).c.status == OutboxStatus.SENDING,
    table(OutboxMessage).c.next_attempt_at == bindparam("lease"),
)
_ASKED_IN = update_by_id(Prompt, "message_id")


async def _record_present(session: AsyncSession, results: Sequence[Result], now: datetime) -> None:
    """Record results whose rows this claim still holds (their couples locked)."""
    from bot.core.couples import migrate_chat

    for result in results:
        if result.moved_from is not None and result.chat_id is not None:
            await migrate_chat(session, result.moved_from, result.chat_id)
    changes: list[dict[str, Any]] = []
    prompt_messages: list[dict[str, Any]] = []
    closed_partners: set[int] = set()
    removed_chats: set[int] = set()
    fallbacks: list[tuple[int | None, Outgoing]] = []
    for result in results:
        row = result.row
        if result.outcome is None:  # never attempted: back in line (it was due), unchanged
            changes.append(_change(row, OutboxStatus.PENDING, row.attempts, now, row.claimed_at))
            continue
        attempts = row.attempts + 1
        status = STATUS_OF[result.outcome]
        if result.outcome == Outcome.DEFERRED:
            # A deferral is not a crash: forget the claim, so day-bound rules apply again.
            changes.append(_change(row, status, attempts, result.retry_at or now, None))
            continue
        change = _change(row, status, attempts, row.next_attempt_at, row.claimed_at)
        change["sent_message_id"] = result.message_id
        change["chat_id"] = result.chat_id or row.chat_id
        changes.append(change)
        if _asked_in_group(result):
            prompt_messages.append({"row": row.prompt_id, "value": result.message_id})
        if result.outcome == Outcome.HELD and row.partner_id is not None:
            closed_partners.add(row.partner_id)
            if row.fallback is not None:
                fallbacks.append((row.couple_id, _fallback(row)))
        if result.closed and row.partner_id is None:
            removed_chats.add(row.chat_id)
    if changes:
        await session.execute(_CHANGE, changes)
    if prompt_messages:
        await session.execute(_ASKED_IN, prompt_messages)
    if closed_partners:
        await session.execute(
            update(Partner).where(Partner.id.in_(closed_partners)).values(private_open=False)
        )
    if removed_chats:
        await session.execute(
            update(Couple)
            .where(Couple.chat_id.in_(removed_chats), Couple.active.is_(True))
            .values(active=False, removed_at=now)
        )
    await enqueue(
        session, [(c, [m]) for c, m in await _dedupe_shared(session, fallbacks, now)], now
    )


def _asked_in_group(result: Result) -> bool:
    """A prompt's group message went out: replies to it will be answers."""
    row = result.row
    return (
        result.outcome == Outcome.SENT
        and policy(row.purpose).prompt
        and (result.chat_id or row.chat_id) < 0
        and row.prompt_id is not None
        and result.message_id is not None
    )


def _change(
    row: OutboxMessage,
    status: OutboxStatus,
    attempts: int,
    next_attempt_at: datetime,
    claimed_at: datetime | None,
) -> dict[str, Any]:
    return {
        "row": row.id,
        "lease": row.next_attempt_at,  # the claim's: see _CHANGE
        "status": status,
        "attempts": attempts,
        "next_attempt_at": next_attempt_at,
        "claimed_at": claimed_at,
        "sent_message_id": row.sent_message_id,
        "chat_id": row.chat_id,
    }


def _fallback(row: OutboxMessage) -> Outgoing:
    stored = dict(row.fallback or {})
    return Outgoing(
        int(stored.pop("chat_id")),
        str(stored.get("text", "")),
        buttons=stored.get("buttons", []),
        purpose=Purpose(stored.get("purpose", row.purpose)),
        prompt_id=row.prompt_id,
        quotes=[(int(a), str(label)) for a, label in stored.get("quotes") or []],
    )


SHARED_WINDOW = timedelta(hours=20)


async def _dedupe_shared(
    session: AsyncSession, fallbacks: list[tuple[int | None, Outgoing]], now: datetime
) -> list[tuple[int | None, Outgoing]]:
    """Both partners' private nudges may fail: the group gets one shared challenge a day."""
    shared = {c for c, m in fallbacks if m.purpose == Purpose.GESTURE_SHARED}
    taken: set[int | None] = set()
    if shared:
        taken = set(
            await session.scalars(
                select(OutboxMessage.couple_id).where(
                    OutboxMessage.couple_id.in_([c for c in shared if c is not None]),
                    OutboxMessage.purpose == Purpose.GESTURE_SHARED,
                    OutboxMessage.created_at >= now - SHARED_WINDOW,
                )
            )
        )
    kept = []
    for couple_id, message in fallbacks:
        if message.purpose == Purpose.GESTURE_SHARED:
            if couple_id in taken:
                continue
            taken.add(couple_id)
        kept.append((couple_id, message))
    return kept


async def recover(session: AsyncSession, now: datetime, keep: Collection[int] = ()) -> int:
    """Messages whose claim lapsed (their sender died or lost the lead) go back in line, their
    claim time kept; `keep`: the caller's own claims, still in hand however old.

    A fresher claim may belong to a sender still at work: taken now, it would go out twice.
    """
    query = update(OutboxMessage).where(
        OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.next_attempt_at <= now
    )
    if keep:
        query = query.where(OutboxMessage.id.not_in(list(keep)))
    result = await session.execute(query.values(status=OutboxStatus.PENDING))
    return int(getattr(result, "rowcount", 0) or 0)


async def mark_failed(session: AsyncSession, ids: Collection[int]) -> None:
    """Give up on messages whose result could not be recorded (a bug, logged by the caller)."""
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(list(ids)))
        .values(status=OutboxStatus.FAILED, attempts=OutboxMessage.attempts + 1)
    )


async def compact(session: AsyncSession, now: datetime, keep: timedelta) -> int:
    """Delete finished messages older than `keep`: the outbox holds what is in flight."""
    result = await session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.status.in_(FINISHED), OutboxMessage.created_at < now - keep
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def backlog(session: AsyncSession) -> int:
    """How many messages wait to be sent (pending or being sent)."""
    from sqlalchemy import func

    count = await session.scalar(
        select(func.count()).where(
            OutboxMessage.status.in_((OutboxStatus.PENDING, OutboxStatus.SENDING))
        )
    )
    return int(count or 0)
