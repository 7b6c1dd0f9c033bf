"""Selection over the shipped banks: daily questions, gestures and the jar, simulated over time."""

from __future__ import annotations

import itertools
from collections import Counter

import pytest

from bot.core.content import (
    Content,
    Question,
    depth_for_day,
    load_content,
    pick_gesture,
    pick_jar_item,
    pick_question,
)


@pytest.fixture(scope="module")
def content() -> Content:
    return load_content()


def first_repeat(ids: list[str]) -> int | None:
    """The index of the first id that was already picked, if any."""
    seen: set[str] = set()
    for n, content_id in enumerate(ids):
        if content_id in seen:
            return n
        seen.add(content_id)
    return None


def year_of_questions(content: Content, days: int = 365) -> list[Question]:
    history: list[str] = []
    picks = []
    for day in range(days):
        question = pick_question(content, history, level=1, seed=day)
        history.append(question.id)
        picks.append(question)
    return picks


def test_depth_ladder_rotates() -> None:
    # A couple starts light; deeper levels keep some lighter days in the mix.
    assert [depth_for_day(1, n) for n in range(4)] == [1, 1, 1, 1]
    assert [depth_for_day(2, n) for n in range(6)] == [2, 1, 2, 2, 1, 2]
    assert [depth_for_day(3, n) for n in range(6)] == [3, 2, 3, 3, 2, 3]
    assert depth_for_day(99, 0) == 1


def test_a_year_of_daily_questions(content: Content) -> None:
    picks = year_of_questions(content)
    ids = [q.id for q in picks]
    assert first_repeat(ids) is None
    themes = [q.theme for q in picks]
    assert all(a != b for a, b in itertools.pairwise(themes))
    depths = Counter(q.depth for q in picks[:200])
    assert depths[1] > 0 and depths[2] > 0
    assert depths[1] + depths[2] >= 0.9 * 200
    # Every theme comes round during the year.
    assert set(themes) == {q.theme for q in content.questions}


def test_same_seed_same_day(content: Content) -> None:
    assert year_of_questions(content, 30) == year_of_questions(content, 30)


def test_after_the_whole_bank_the_least_recently_used_come_back(content: Content) -> None:
    history: list[str] = []
    day = 0
    while len(set(history)) < len(content.questions):
        history.append(pick_question(content, history, level=1, seed=day).id)
        day += 1
        assert day < 2 * len(content.questions), "the bank is never used up"
    for _ in range(200):
        question = pick_question(content, history, level=1, seed=day)
        last_use = {content_id: n for n, content_id in enumerate(history)}
        previous_theme = content.by_id[history[-1]].theme
        depth = depth_for_day(1, len(history))
        candidates = [
            q.id for q in content.questions if q.depth == depth and q.theme != previous_theme
        ]
        assert question.theme != previous_theme
        assert question.id == min(candidates, key=last_use.__getitem__)
        # Least recently used within today's depth: at least half that depth's bank ago.
        assert len(history) - last_use[question.id] > len(candidates) // 2
        history.append(question.id)
        day += 1


def gesture_run(content: Content, days: int, preferred: tuple[str, ...] = ()) -> list[str]:
    history: list[str] = []
    for day in range(days):
        history.append(pick_gesture(content, history, seed=day, preferred=preferred).id)
    return history


def kinds_of(content: Content, ids: list[str]) -> list[str]:
    return [content.by_id[i].kind for i in ids]


@pytest.mark.parametrize("start", [0, 1000, 2000])
def test_gestures_vary_kind_and_do_not_repeat_early(content: Content, start: int) -> None:
    history: list[str] = []
    for day in range(start, start + 200):
        history.append(pick_gesture(content, history, seed=day).id)
    kinds = kinds_of(content, history)
    assert all(a != b for a, b in itertools.pairwise(kinds))
    assert first_repeat(history) == len(content.gestures)


def test_preferred_gesture_kind_is_leaned_towards(content: Content) -> None:
    history = gesture_run(content, 200, preferred=("touch",))
    kinds = kinds_of(content, history)
    assert kinds.count("touch") > 200 / 5
    assert all(a != b for a, b in itertools.pairwise(kinds))
    # A lean, not a lock: every other kind still turns up.
    assert set(kinds) == {g.kind for g in content.gestures}


def test_excluded_gestures_are_never_picked(content: Content) -> None:
    exclude = [g.id for g in content.gestures if g.kind == "touch"]
    history: list[str] = []
    for day in range(100):
        history.append(pick_gesture(content, history, seed=day, exclude=exclude).id)
    assert not set(history) & set(exclude)
    assert first_repeat(history) is None


def test_jar_does_not_repeat_until_drawn_out(content: Content) -> None:
    history: list[str] = []
    for day in range(len(content.jar)):
        history.append(pick_jar_item(content, history, seed=day).id)
    assert first_repeat(history) is None
    assert set(history) == {j.id for j in content.jar}
    # Then the least recently drawn comes back first.
    assert pick_jar_item(content, history, seed=0).id == history[0]
