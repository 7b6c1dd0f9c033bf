"""Selection over the shipped banks: daily questions, gestures and the jar, simulated over time."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from bot.core.content import (
    OPT_IN_THEMES,
    THEMES,
    Content,
    ContentError,
    Question,
    allowed_themes,
    another_gesture,
    depth_for_day,
    eligible_questions,
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


def year_of_questions(content: Content, days: int = 365, **options: Any) -> list[Question]:
    history: list[str] = []
    picks = []
    for day in range(days):
        question = pick_question(content, history, level=1, seed=day, **options)
        history.append(question.id)
        picks.append(question)
    return picks


def whole_bank(content: Content, level: int = 1, **options: Any) -> list[Question]:
    """Picks until every question the options allow has come up once."""
    bank = {q.id for q in eligible_questions(content, **options)}
    history: list[str] = []
    picks: list[Question] = []
    while not bank <= set(history):
        picks.append(pick_question(content, history, level, seed=len(history), **options))
        history.append(picks[-1].id)
        assert len(history) <= len(bank), "a question came back before the bank was used up"
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
    # Level 1 stays light until the light questions run out, then goes one step deeper.
    light = sum(q.depth == 1 for q in eligible_questions(content))
    assert light < 365
    assert {q.depth for q in picks[:light]} == {1}
    assert {q.depth for q in picks[light:]} == {2}
    # Every standard theme comes round during the year; opt-in themes never do by default.
    assert set(themes) == set(allowed_themes())
    assert not set(themes) & set(OPT_IN_THEMES)


def test_same_seed_same_day(content: Content) -> None:
    assert year_of_questions(content, 30) == year_of_questions(content, 30)


def test_after_the_whole_bank_the_least_recently_used_come_back(content: Content) -> None:
    bank = eligible_questions(content)
    history: list[str] = []
    day = 0
    while len(set(history)) < len(bank):
        history.append(pick_question(content, history, level=1, seed=day).id)
        day += 1
        assert day < 2 * len(bank), "the bank is never used up"
    for _ in range(200):
        question = pick_question(content, history, level=1, seed=day)
        last_use = {content_id: n for n, content_id in enumerate(history)}
        previous_theme = content.by_id[history[-1]].theme
        depth = depth_for_day(1, len(history))
        candidates = [q.id for q in bank if q.depth == depth and q.theme != previous_theme]
        assert question.theme != previous_theme
        assert question.id == min(candidates, key=last_use.__getitem__)
        # Least recently used within today's depth: at least half that depth's bank ago.
        assert len(history) - last_use[question.id] > len(candidates) // 2
        history.append(question.id)
        day += 1


# --- Opt-in themes and couples living apart ---------------------------------------------------


def test_opt_in_themes_are_known_themes() -> None:
    assert set(OPT_IN_THEMES) == {"parents", "intimacy"}
    assert set(OPT_IN_THEMES) < set(THEMES)
    assert set(allowed_themes()) == set(THEMES) - set(OPT_IN_THEMES)
    assert set(allowed_themes(["intimacy"])) == set(THEMES) - {"parents"}


def test_opt_in_themes_are_never_picked_unless_allowed(content: Content) -> None:
    picks = whole_bank(content)
    themes = {q.theme for q in picks}
    assert themes == set(allowed_themes())
    assert len(picks) == sum(q.theme not in OPT_IN_THEMES for q in content.questions)


@pytest.mark.parametrize("opted_in", [("parents",), ("intimacy",), OPT_IN_THEMES])
def test_an_allowed_opt_in_theme_joins_the_rotation(content: Content, opted_in: Any) -> None:
    themes_allowed = allowed_themes(opted_in)
    picks = whole_bank(content, level=3, themes_allowed=themes_allowed)
    assert {q.theme for q in picks} == set(themes_allowed)
    assert all(a.theme != b.theme for a, b in itertools.pairwise(picks))


def test_themes_allowed_is_the_whole_list_of_themes(content: Content) -> None:
    picks = whole_bank(content, level=2, themes_allowed=("money", "intimacy"))
    assert {q.theme for q in picks} == {"money", "intimacy"}
    assert len(picks) == sum(q.theme in ("money", "intimacy") for q in content.questions)
    # Two themes of the same size take turns to the end, never the same theme two days running.
    assert all(a.theme != b.theme for a, b in itertools.pairwise(picks))


def test_a_theme_turned_off_again_stops_coming(content: Content) -> None:
    # Yesterday's question came from a theme the couple has since turned off.
    yesterday = next(q for q in content.questions if q.theme == "intimacy")
    history = [yesterday.id]
    for day in range(50):
        question = pick_question(content, history, level=2, seed=day)
        assert question.theme not in OPT_IN_THEMES
        history.append(question.id)


def test_no_allowed_theme_is_an_error(content: Content) -> None:
    with pytest.raises(ContentError):
        pick_question(content, [], level=1, seed=0, themes_allowed=())


def test_couples_living_apart_get_no_shared_home_questions(content: Content) -> None:
    shared_home = {q.id for q in content.questions if q.lives_together}
    assert shared_home, "the shipped bank tags some questions as assuming a shared home"
    picks = whole_bank(content, level=2, living_apart=True)
    assert not {q.id for q in picks} & shared_home
    assert {q.theme for q in picks} == set(allowed_themes())
    # The depth rotation still holds: level 2 alternates 2, 1, 2 while each depth lasts.
    early = picks[:60]
    assert [q.depth for q in early] == [depth_for_day(2, n) for n in range(60)]


def test_couples_living_together_get_the_shared_home_questions_too(content: Content) -> None:
    picks = whole_bank(content, level=2, themes_allowed=allowed_themes(OPT_IN_THEMES))
    assert {q.id for q in picks} == {q.id for q in content.questions}


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


def test_jar_for_couples_living_apart(content: Content) -> None:
    shared_home = {j.id for j in content.jar if j.lives_together}
    assert shared_home, "the shipped jar tags some prompts as assuming a shared home"
    apart = [j.id for j in content.jar if not j.lives_together]
    history: list[str] = []
    for day in range(len(apart)):
        history.append(pick_jar_item(content, history, seed=day, living_apart=True).id)
    assert first_repeat(history) is None
    assert set(history) == set(apart)
    assert pick_jar_item(content, history, seed=0, living_apart=True).id == history[0]


def test_another_idea_walks_the_whole_bank_before_one_comes_back(content: Content) -> None:
    history = [g.id for g in content.gestures[:20]]
    shown = [content.gestures[40].id]
    for _tap in range(len(content.gestures) - 1):
        shown.append(another_gesture(content, history, shown[-1], seed=7).id)
    assert len(set(shown)) == len(content.gestures)
    assert another_gesture(content, history, shown[-1], seed=7).id == shown[0]
    # Never-used ideas come before the recently used ones.
    assert set(shown[1:6]).isdisjoint(history)
