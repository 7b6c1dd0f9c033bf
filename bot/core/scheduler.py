"""The tick: everything due at `now` becomes deliveries and outbox messages, exactly once.

Work is set-based: due couples are claimed in batches, and each batch's deliveries, prompts,
messages and next instants are written with a few statements. A batch that fails is redone
couple by couple, so one broken couple never stalls the others.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import contains_eager

from bot import db
from bot.core import couples as couples_domain
from bot.core import (
    dates,
    gestures,
    jar,
    models,
    noticing,
    outbox,
    privacy,
    questions,
    recap,
    rounds,
    sending,
    service,
    together,
)
from bot.core.apart import zone_of
from bot.core.checkin import CHECKIN
from bot.core.content import Content
from bot.core.lovemaps import LOVE_MAPS
from bot.core.models import Couple, Delivery, Partner, UpdateSeen
from bot.core.outbox import Outgoing
from bot.core.rhythms import RHYTHMS, Kind, Rhythm, advance
from bot.i18n import speaking

log = logging.getLogger(__name__)
BATCH = 500
RETRY_BROKEN = timedelta(hours=1)
KEEP_SENT = timedelta(days=2)  # finished outbox rows: long enough to look into a problem
KEEP_DELIVERIES = timedelta(days=3)  # at-most-once only concerns today's local date
KEEP_UPDATES = timedelta(days=2)  # Telegram redelivers an update for at most a day

Plan = tuple[Couple, date]
OwnPlan = tuple[Couple, Partner, date]  # a partner on their own clock, and their local date
Batches = list[tuple[int, list[Outgoing]]]
Builder = Callable[[AsyncSession, Sequence[Plan], Content, datetime, str], Awaitable[Batches]]
OwnBuilder = Callable[[AsyncSession, Sequence[OwnPlan], Content, datetime, str], Awaitable[Batches]]
# Whose rhythm is due: the couple (partner None), or one partner of it on their own clock.
Target = tuple[Couple, Partner | None]


async def _jar_night(
    session: AsyncSession, plans: Sequence[Plan], content: Content, now: datetime, username: str
) -> list[tuple[int, list[Outgoing]]]:
    return await jar.draw_many(session, [c for c, _d in plans], content, now, username, night=True)


async def _reminders(
    session: AsyncSession, plans: Sequence[Plan], content: Content, now: datetime, username: str
) -> list[tuple[int, list[Outgoing]]]:
    return [(couple.id, jar.reminder_messages(couple)) for couple, _day in plans]


async def _together(
    session: AsyncSession, plans: Sequence[Plan], content: Content, now: datetime, username: str
) -> list[tuple[int, list[Outgoing]]]:
    return await together.weekly_many(session, [c for c, _d in plans], content, now)


async def _gestures(
    session: AsyncSession, plans: Sequence[Plan], content: Content, now: datetime, username: str
) -> list[tuple[int, list[Outgoing]]]:
    return await gestures.deliver_many(session, plans, content)


async def _recaps(
    session: AsyncSession, plans: Sequence[Plan], content: Content, now: datetime, username: str
) -> list[tuple[int, list[Outgoing]]]:
    return await recap.recap_many(session, plans, content, now)


async def _questions(
    session: AsyncSession, plans: Sequence[Plan], content: Content, now: datetime, username: str
) -> list[tuple[int, list[Outgoing]]]:
    stuck = await recap.stuck_many(session, plans, content, now)
    # On jar night the jar's question is the evening's, unless the couple wants both.
    jar_nights = await jar.replaced_tonight(session, plans)
    tonight = [(c, day) for c, day in plans if (c.id, day) not in jar_nights]
    asked = await questions.deliver(session, tonight, content, now, username)
    messages = dict(asked)
    return [
        (c.id, stuck.get(c.id, []) + messages.get(c.id, []))
        for c, _day in plans
        if c.id in stuck or c.id in messages
    ]


async def _own_gestures(
    session: AsyncSession, plans: Sequence[OwnPlan], content: Content, now: datetime, username: str
) -> list[tuple[int, list[Outgoing]]]:
    return await gestures.deliver_own(session, plans, content)


async def _love_maps(
    session: AsyncSession, plans: Sequence[Plan], content: Content, now: datetime, username: str
) -> list[tuple[int, list[Outgoing]]]:
    return await rounds.start_many(session, LOVE_MAPS, plans, content, now, username)


async def _checkins(
    session: AsyncSession, plans: Sequence[Plan], content: Content, now: datetime, username: str
) -> list[tuple[int, list[Outgoing]]]:
    return await rounds.start_many(session, CHECKIN, plans, content, now, username)


async def _dates(
    session: AsyncSession, plans: Sequence[Plan], content: Content, now: datetime, username: str
) -> list[tuple[int, list[Outgoing]]]:
    return await dates.deliver_many(session, plans, content, now, username)


BUILDERS: dict[Kind, Builder] = {
    Kind.QUESTION: _questions,
    Kind.GESTURE: _gestures,
    Kind.JAR: _jar_night,
    Kind.JAR_REMINDER: _reminders,
    Kind.TOGETHER: _together,
    Kind.RECAP: _recaps,
    Kind.GUESS: _love_maps,
    Kind.CHECKIN: _checkins,
    Kind.DATES: _dates,
}


async def _own_questions(
    session: AsyncSession, plans: Sequence[OwnPlan], content: Content, now: datetime, username: str
) -> list[tuple[int, list[Outgoing]]]:
    days, zones = [(c, day) for c, p, day in plans], [zone_of(c, p) for c, p, _day in plans]
    jar_nights = await jar.replaced_tonight(session, days, zones)
    tonight = [(c, p, day) for c, p, day in plans if (c.id, day) not in jar_nights]
    return await questions.deliver_own(session, tonight, content, now, username)


OWN_BUILDERS: dict[Kind, OwnBuilder] = {
    Kind.OWN_QUESTION: _own_questions,
    Kind.OWN_GESTURE: _own_gestures,
}


async def _claim_deliveries(
    session: AsyncSession,
    kind: Kind,
    plans: Sequence[tuple[Couple, Partner | None, date]],
    now: datetime,
) -> set[tuple[int, int]]:
    """Record each (couple, partner, kind, local date) once; returns the (couple id, partner id
    or 0) that got theirs now.

    The unique constraint decides: a restart, a repeated tick or a second worker inserting
    the same delivery gets nothing back, and sends nothing.
    """
    if not plans:
        return set()
    dialect = session.get_bind().dialect.name
    statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(Delivery)
    # A list of parameter sets: one cached statement, sent as multi-row batches.
    inserted = await session.execute(
        statement.on_conflict_do_nothing(
            index_elements=["couple_id", "partner_id", "kind", "local_date"]
        ).returning(Delivery.couple_id, Delivery.partner_id),
        [
            {
                "couple_id": c.id,
                "partner_id": p.id if p else 0,
                "kind": str(kind),
                "local_date": day,
                "created_at": now,
            }
            for c, p, day in plans
        ],
    )
    return {(couple_id, partner_id) for couple_id, partner_id in inserted}


async def deliver_batch(
    session: AsyncSession,
    rhythm: Rhythm,
    due: Sequence[Target],
    now: datetime,
    content: Content,
    bot_username: str,
) -> int:
    """Advance each couple's (or partner's) rhythm and deliver to those whose day it is;
    returns how many."""
    plans: list[tuple[Couple, Partner | None, date]] = []
    moves: list[dict[str, object]] = []
    resumed: set[int] = set()
    for couple, partner in due:
        over = couples_domain.pause_over(couple, now)
        if over:
            resumed.add(couple.id)
        day, following = advance(couple, rhythm, now, couple.paused and not over, partner)
        moves.append({"row": (partner or couple).id, "value": following})
        if day is not None:
            plans.append((couple, partner, day))
    # Next instants in one statement (Core, not the ORM: 500 dirty objects cost more than
    # the writes themselves).
    holders = Partner if rhythm.own else Couple
    await session.execute(models.update_by_id(holders, rhythm.column), moves)
    if resumed:
        table = models.table(Couple)
        await session.execute(
            update(table).where(table.c.id.in_(resumed)).values(paused=False, paused_until=None)
        )
    claimed = await _claim_deliveries(session, rhythm.kind, plans, now)
    plans = [(c, p, day) for c, p, day in plans if (c.id, p.id if p else 0) in claimed]
    # Each language's couples (or partners) together: what is written, is written in theirs.
    spoken: dict[str, list[tuple[Couple, Partner | None, date]]] = defaultdict(list)
    for couple, partner, day in plans:
        spoken[couples_domain.language_of(couple, partner)].append((couple, partner, day))
    for language, some in spoken.items():
        with speaking(language):
            if rhythm.own:
                own = [(c, p, day) for c, p, day in some if p is not None]
                batches = await OWN_BUILDERS[rhythm.kind](session, own, content, now, bot_username)
            else:
                couple_plans = [(c, day) for c, _p, day in some]
                build = BUILDERS[rhythm.kind]
                batches = await build(session, couple_plans, content, now, bot_username)
        await outbox.enqueue(session, batches, now)
    await session.flush()
    return len(plans)


async def _due(session: AsyncSession, rhythm: Rhythm, now: datetime, batch: int) -> list[Target]:
    """The couples (or, for an own rhythm, the partners) due at `now`, claimed for this batch."""
    if rhythm.own:
        return await _due_partners(session, rhythm, now, batch)
    column = getattr(Couple, rhythm.column)
    query = (
        select(Couple).where(column <= now, Couple.active.is_(True)).order_by(column).limit(batch)
    )
    if session.get_bind().dialect.name == "postgresql":
        # Several workers may share the database: each takes different couples.
        query = query.with_for_update(skip_locked=True, of=Couple)
    return [(couple, None) for couple in await session.scalars(query)]


async def _due_partners(
    session: AsyncSession, rhythm: Rhythm, now: datetime, batch: int
) -> list[Target]:
    column = getattr(Partner, rhythm.column)
    query = (
        select(Partner)
        .join(Partner.couple)
        .options(contains_eager(Partner.couple).selectinload(Couple.partners))
        .where(column <= now, Couple.active.is_(True))
        .order_by(column)
        .limit(batch)
    )
    if session.get_bind().dialect.name == "postgresql":
        # The couple's row is the lock for both clocks, so a day's prompt is made only once.
        query = query.with_for_update(skip_locked=True, of=Couple)
    return [(partner.couple, partner) for partner in await session.scalars(query)]


async def _refresh(session: AsyncSession, due: Sequence[Target]) -> None:
    """Read the targets again after a failed batch (its changes were rolled back)."""
    for couple, partner in due:
        await session.refresh(couple)
        if partner is not None:
            await session.refresh(partner)


async def _one_by_one(
    session: AsyncSession,
    rhythm: Rhythm,
    due: Sequence[Target],
    now: datetime,
    content: Content,
    bot_username: str,
) -> int:
    """The rare failed batch, again couple by couple: a broken couple is retried later."""
    delivered = 0
    for target in due:
        couple, partner = target
        couple_id = couple.id
        try:
            async with session.begin_nested():
                delivered += await deliver_batch(
                    session, rhythm, [target], now, content, bot_username
                )
        except Exception:
            log.exception(
                "couple %s: %s delivery failed; retrying in an hour", couple_id, rhythm.kind
            )
            await _refresh(session, [target])
            setattr(partner or couple, rhythm.column, now + RETRY_BROKEN)
            await session.flush()
    return delivered


async def tick(
    sessions: async_sessionmaker[AsyncSession],
    content: Content,
    now: datetime,
    bot_username: str,
    batch: int = BATCH,
    retention_days: int = 30,
) -> Counter[str]:
    """Deliver everything due at `now`; returns how many of each kind were delivered."""
    delivered: Counter[str] = Counter()
    for rhythm in RHYTHMS:
        while True:
            async with db.writing(sessions) as session:
                due = await _due(session, rhythm, now, batch)
                if not due:
                    break
                try:
                    async with session.begin_nested():
                        count = await deliver_batch(
                            session, rhythm, due, now, content, bot_username
                        )
                except Exception:
                    log.warning("a %s batch failed; delivering couple by couple", rhythm.kind)
                    await _refresh(session, due)
                    count = await _one_by_one(session, rhythm, due, now, content, bot_username)
                delivered[str(rhythm.kind)] += count
            if len(due) < batch:
                break
    async with db.writing(sessions) as session:
        notices = await noticing.due_notice_questions(session, now)
        await outbox.enqueue(session, notices, now)
        delivered["notice"] += len(notices)
        delivered["purged"] += await privacy.purge_removed(session, now, retention_days)
        await housekeeping(session, now)
    return +delivered


async def housekeeping(session: AsyncSession, now: datetime) -> None:
    """Keep the database small: finished messages, old deliveries and seen updates go."""
    await sending.compact(session, now, KEEP_SENT)
    await session.execute(delete(Delivery).where(Delivery.created_at < now - KEEP_DELIVERIES))
    await session.execute(delete(UpdateSeen).where(UpdateSeen.seen_at < now - KEEP_UPDATES))
    await service.mark_tick(session, now)
