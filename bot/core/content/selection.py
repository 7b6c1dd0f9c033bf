"""Selection from the content banks: the next daily question, jar prompt and gesture."""

from __future__ import annotations

import random
from collections.abc import Collection, Sequence

from bot.core.content.banks import (
    CHECKIN_PARTS,
    DEPTH_ROTATION,
    GESTURE_KINDS,
    OPT_IN_THEMES,
    THEMES,
    Content,
    ContentError,
    Gesture,
    JarItem,
    Question,
    RitualItem,
)


def _least_recently_used(ids: Sequence[str], history: Sequence[str]) -> list[str]:
    """Never-used ids first (in bank order), then the used ones from oldest last use."""
    last_use = {content_id: index for index, content_id in enumerate(history)}
    return sorted(ids, key=lambda i: last_use.get(i, -1))


def _pick(ordered: list[str], history: Sequence[str], rng: random.Random) -> str:
    """Pick randomly among the least recently used tier, so couples see varied orders."""
    last_use = {content_id: index for index, content_id in enumerate(history)}
    best = last_use.get(ordered[0], -1)
    tier = [i for i in ordered if last_use.get(i, -1) == best]
    return rng.choice(tier)


def depth_for_day(level: int, question_count: int) -> int:
    """The depth of a couple's next daily question, rotating within its ladder level."""
    rotation = DEPTH_ROTATION.get(level, DEPTH_ROTATION[1])
    return rotation[question_count % len(rotation)]


def allowed_themes(opted_in: Collection[str] = ()) -> tuple[str, ...]:
    """Every theme a couple gets: the standard ones plus the opt-in themes they turned on."""
    return tuple(t for t in THEMES if t not in OPT_IN_THEMES or t in opted_in)


def eligible_questions(
    content: Content,
    *,
    themes_allowed: Collection[str] | None = None,
    living_apart: bool = False,
) -> list[Question]:
    """The daily questions a couple may get: allowed themes only, no shared-home ones if apart."""
    themes = set(allowed_themes() if themes_allowed is None else themes_allowed)
    return [
        q
        for q in content.questions
        if q.theme in themes and not (living_apart and q.lives_together)
    ]


SAMPLE_TRIES = 12  # random draws before listing every eligible question


def _pools(
    content: Content, themes_allowed: Collection[str] | None, living_apart: bool
) -> dict[int, list[Question]]:
    """The eligible questions by depth, worked out once per kind of couple (a tick asks
    thousands of times)."""
    key = (None if themes_allowed is None else frozenset(themes_allowed), living_apart)
    pools = content.pools.get(key)
    if pools is None:
        bank = eligible_questions(content, themes_allowed=themes_allowed, living_apart=living_apart)
        pools = {depth: [q for q in bank if q.depth == depth] for depth in (1, 2, 3)}
        content.pools[key] = pools
    return pools


def pick_question(
    content: Content,
    history: Sequence[str],
    level: int,
    seed: int | str,
    *,
    themes_allowed: Collection[str] | None = None,
    living_apart: bool = False,
) -> Question:
    """An unused question at today's depth (else the nearest depth), never yesterday's theme.

    Only questions of `themes_allowed` are picked (by default every theme but the opt-in ones),
    and none assuming a shared home when `living_apart`. Only when every such question has been
    used does the least recently used one come back.
    """
    rng = random.Random(seed)
    by_depth = _pools(content, themes_allowed, living_apart)
    if not any(by_depth.values()):
        raise ContentError("no daily question fits the allowed themes")
    depth = depth_for_day(level, len(history))
    used = set(history)
    last_theme = None
    if history and history[-1] in content.by_id:
        last_theme = content.by_id[history[-1]].theme
    nearest_first = sorted((1, 2, 3), key=lambda d: (abs(d - depth), d))
    for other_theme in (True, False):  # a repeat is worse than a repeated theme
        for nearest in nearest_first:
            pool = by_depth[nearest]
            avoid = last_theme if other_theme else None

            def fits(q: Question, avoid: str | None = avoid) -> bool:
                return q.id not in used and q.theme != avoid

            # Most couples have used few questions: a few random draws find a fitting one
            # (uniformly among those that fit) without listing the whole pool each evening.
            for _try in range(SAMPLE_TRIES if pool else 0):
                candidate = rng.choice(pool)
                if fits(candidate):
                    return candidate
            unused = [q for q in pool if fits(q)]
            if unused:
                chosen: Question = rng.choice(unused)
                return chosen
    # Everything has been used: only now is the whole bank listed.
    bank = [q for d in (1, 2, 3) for q in by_depth[d]]
    fresh_theme = [q for q in bank if q.theme != last_theme] or bank
    at_depth = [q.id for q in fresh_theme if q.depth == depth] or [q.id for q in fresh_theme]
    chosen = content.by_id[_pick(_least_recently_used(at_depth, history), history, rng)]
    return chosen


def pick_jar_item(
    content: Content, history: Sequence[str], seed: int | str, *, living_apart: bool = False
) -> JarItem:
    """The least recently drawn built-in jar question (none assuming a shared home if apart)."""
    bank = [j.id for j in content.jar if not (living_apart and j.lives_together)]
    ordered = _least_recently_used(bank, history)
    chosen: JarItem = content.by_id[_pick(ordered, history, random.Random(seed))]
    return chosen


def fits_apart(gesture: Gesture) -> bool:
    """The gesture can be done at a distance: as it is, or through its distance alternative."""
    return gesture.distance or bool(gesture.distance_alt)


def gesture_text(gesture: Gesture, living_apart: bool = False) -> str:
    """The words of a gesture: its alternative for a distance, for a couple living apart."""
    return gesture.distance_alt if living_apart and gesture.distance_alt else gesture.text


def pick_gesture(
    content: Content,
    history: Sequence[str],
    seed: int | str,
    preferred: Sequence[str] = (),
    exclude: Sequence[str] = (),
    *,
    living_apart: bool = False,
) -> Gesture:
    """A least recently used gesture of a kind other than the last one, leaning to `preferred`.

    For a couple living apart, only gestures doable at a distance (see `fits_apart`).
    """
    rng = random.Random(seed)
    bank = [g for g in content.gestures if fits_apart(g)] if living_apart else content.gestures
    last_kind = None
    if history and history[-1] in content.by_id:
        last_kind = content.by_id[history[-1]].kind
    kinds = [k for k in GESTURE_KINDS if k != last_kind]
    liked = [k for k in preferred if k in kinds]
    # Otherwise draw a kind with the most never-used gestures left: a kind picked at random can
    # run dry early and repeat a gesture while others were never shown.
    used = set(history)
    unused = {
        k: sum(g.kind == k and g.id not in used and g.id not in exclude for g in bank)
        for k in kinds
    }
    most = max(unused.values())
    freshest = [k for k in kinds if unused[k] == most] if most else kinds
    # Lean, don't lock: two days in three follow the partner's stated preferences.
    kind = rng.choice(liked) if liked and rng.random() < 2 / 3 else rng.choice(freshest)
    pool = [g.id for g in bank if g.kind == kind and g.id not in exclude]
    if not pool:
        pool = [g.id for g in bank if g.id not in exclude] or [g.id for g in bank]
    if not pool:
        raise ContentError("no gesture can be done at a distance")
    chosen: Gesture = content.by_id[_pick(_least_recently_used(pool, history), history, rng)]
    return chosen


def another_gesture(
    content: Content,
    history: Sequence[str],
    current: str,
    seed: int | str,
    preferred: Sequence[str] = (),
    *,
    living_apart: bool = False,
) -> Gesture:
    """The idea after `current` in one fixed order of the bank for a day's nudge (least
    recently used first, the receiver's preferred kinds first among equals, shuffled by
    `seed`): tapping Another idea walks it, and no idea comes back before all were shown."""
    rng = random.Random(seed)
    bank = [g for g in content.gestures if fits_apart(g)] if living_apart else content.gestures
    last_use = {content_id: index for index, content_id in enumerate(history)}
    shuffled = {g.id: rng.random() for g in bank}
    order = sorted(
        (g.id for g in bank),
        key=lambda i: (last_use.get(i, -1), content.by_id[i].kind not in preferred, shuffled[i]),
    )
    if not order:
        raise ContentError("no gesture can be done at a distance")
    after = order.index(current) + 1 if current in order else 0
    chosen: Gesture = content.by_id[order[after % len(order)]]
    return chosen


def _least_recent(
    items: Sequence[RitualItem], history: Sequence[str], rng: random.Random
) -> RitualItem:
    """Never-used items first (one at random), else the least recently used."""
    chosen = _pick(_least_recently_used([item.id for item in items], history), history, rng)
    return next(item for item in items if item.id == chosen)


def pick_love_map(content: Content, history: Sequence[str], seed: int | str) -> RitualItem:
    """A love-map question the couple hasn't had, else the least recently asked one."""
    return _least_recent(content.love_maps, history, random.Random(seed))


def pick_checkin(
    content: Content, history: Sequence[str], seed: int | str
) -> tuple[RitualItem, ...]:
    """One prompt for each part of the check-in, in order, each the least recently used."""
    rng = random.Random(seed)
    return tuple(
        _least_recent([i for i in content.checkin if i.part == part], history, rng)
        for part in CHECKIN_PARTS
    )


def pick_date_question(content: Content, history: Sequence[str], seed: int | str) -> RitualItem:
    """A question for an important day, the least recently asked one."""
    return _least_recent(content.date_questions, history, random.Random(seed))


def pick_date_gesture(
    content: Content, seed: int | str, *, living_apart: bool = False
) -> RitualItem:
    """An idea for preparing an important day (a few a year: a random one will do), none that
    needs both in one place for a couple living apart."""
    ideas = [g for g in content.date_gestures if not (living_apart and g.lives_together)]
    chosen: RitualItem = random.Random(seed).choice(ideas or content.date_gestures)
    return chosen
