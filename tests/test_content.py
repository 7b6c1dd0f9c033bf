"""The content checker: the shipped banks pass, each rule catches what it is for, and a
translation laid over English is loaded and checked per language."""

from __future__ import annotations

import dataclasses
import json
import shutil
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from bot.core.content import (
    DATA_DIR,
    GESTURE_KINDS,
    OPT_IN_THEMES,
    SHIPPED_LANGUAGES,
    THEMES,
    Content,
    ContentError,
    Gesture,
    JarItem,
    Line,
    Question,
    load_all,
    load_content,
    shipped_languages,
    text_entries,
)
from bot.tools.content_check import Report, check, main, similarity
from bot.tools.content_check import texts as texts_module
from bot.tools.content_check.similarity import SIMILARITY_THRESHOLD, TfIdf, tokens
from bot.tools.content_check.structure import (
    MIN_STUCK_MESSAGES,
    MIN_THEME_DEPTH_APART,
    MIN_THEME_QUESTIONS,
)
from bot.tools.content_check.texts import (
    MAX_QUESTION,
    MAX_WARM_RESPONSE,
    QUESTION_BANKS,
    names_a_service,
)
from bot.tools.lang_rules import load_rules
from bot.tools.lang_rules.en import asks_for_story, closed_question, stem

EN = load_rules("en")


@pytest.fixture(scope="module")
def real() -> Content:
    return load_content()


def modified(content: Content, **banks: Any) -> Content:
    """A copy of `content` with some banks replaced (by_id rebuilt)."""
    return dataclasses.replace(content, by_id={}, **banks)


def problems(report: Report, rule: str) -> list[str]:
    return [p.message for p in report.problems if p.rule == rule]


def ids_flagged(report: Report, rule: str) -> set[str]:
    return {i for p in report.problems if p.rule == rule for i in p.ids}


def question_texts(content: Content) -> list[str]:
    """The daily and jar questions' texts: the near-duplicate check compares them together."""
    return [text for bank, _, text in text_entries(content) if bank in QUESTION_BANKS]


def daily(
    text: str, theme: str = "mind", depth: int = 1, id: str = "test-q", **flags: bool
) -> Question:
    return Question(id=id, theme=theme, depth=depth, text=text, **flags)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A writable copy of the shipped English data (the languages' own tests load theirs)."""
    shutil.copytree(DATA_DIR / "en", tmp_path / "data" / "en")
    return tmp_path / "data"


def edit_json(path: Path, change: Any) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")


# --- The shipped content ----------------------------------------------------------------------


def test_shipped_content_passes(real: Content) -> None:
    report = check(real)
    assert report.ok, "\n".join(f"[{p.rule}] {p.message}" for p in report.problems)


def test_main_prints_tables_and_passes_on_shipped_content(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main([]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    content = load_content()
    header = next(line for line in lines if line.startswith("theme"))
    assert header.split() == [
        "theme", "depth", "1", "depth", "2", "depth", "3", "total", "together", "sensitive"
    ]  # fmt: skip
    for theme in THEMES:
        row = next(line for line in lines if line.split()[:1] == [theme])
        counts = [int(cell) for cell in row.split()[1:]]
        assert len(counts) == 6 and sum(counts[:3]) == counts[3]
        assert counts[4] == sum(q.lives_together for q in content.questions if q.theme == theme)
        assert counts[5] == sum(q.sensitive for q in content.questions if q.theme == theme)
    total = next(line for line in lines if line.startswith("total"))
    assert total.split()[4] == str(len(content.questions))
    # Columns line up: every cell of the table ends where its header ends.
    assert len({len(line) for line in lines[lines.index(header) : lines.index(total) + 1]}) == 1
    assert "Gestures by kind" in out and "Activities by tag" in out
    for kind in GESTURE_KINDS:
        assert any(line.split()[:1] == [kind] for line in lines)
    # The jar and support banks are counted too.
    expected = {
        "jar questions": len(content.jar),
        "warm responses": len(content.warm_responses),
        "listening tips": len(content.listening_tips),
        "stuck messages": len(content.stuck_messages),
        "safety lines": len(content.safety_lines),
        "recap lines (quiet)": sum(line.mood == "quiet" for line in content.recap_lines),
    }
    for name, count in expected.items():
        row = next(line for line in lines if line.startswith(name + " "))
        assert row.split()[-1] == str(count)
    shipped = list(SHIPPED_LANGUAGES)
    assert lines[0] == "=== en ===" and shipped[0] == "en"
    assert lines[-3:] == [f"{shipped[-1]}: content OK", "", f"content OK ({', '.join(shipped)})"]
    assert all(f"{lang}: content OK" in lines for lang in shipped)


def test_main_passes_on_an_unchanged_copy(data_dir: Path) -> None:
    assert main(["--data", str(data_dir)]) == 0


# --- Schema -----------------------------------------------------------------------------------


def test_bad_depth_is_a_schema_error(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def deepen(items: list[dict[str, Any]]) -> None:
        items[0]["depth"] = 4

    edit_json(data_dir / "en" / "questions" / "mind.json", deepen)
    with pytest.raises(ContentError):
        load_content(base=data_dir)
    assert main(["--data", str(data_dir)]) == 1
    out = capsys.readouterr().out
    assert "could not be loaded" in out and "depth" in out


def test_invalid_json_is_a_schema_error(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (data_dir / "en" / "jar.json").write_text("[{", encoding="utf-8")
    assert main(["--data", str(data_dir)]) == 1
    assert "jar.json" in capsys.readouterr().out


def test_duplicate_id_in_files_fails_main(data_dir: Path) -> None:
    def clash(items: list[dict[str, Any]]) -> None:
        items[1]["id"] = items[0]["id"]

    edit_json(data_dir / "en" / "gestures.json", clash)
    assert main(["--data", str(data_dir)]) == 1


# --- Duplicate ids ----------------------------------------------------------------------------


def test_duplicate_id_across_banks(real: Content) -> None:
    taken = real.questions[0].id
    content = modified(
        real, jar=[*real.jar, JarItem(taken, "What would you cook for me, and why?")]
    )
    report = check(content)
    assert report.rules() == {"duplicate-id"}
    assert ids_flagged(report, "duplicate-id") == {taken}


def test_duplicate_id_within_a_support_list(real: Content) -> None:
    first = real.warm_responses[0]
    content = modified(real, warm_responses=[*real.warm_responses, Line(first.id, "Me too")])
    report = check(content)
    assert report.rules() == {"duplicate-id"}
    assert ids_flagged(report, "duplicate-id") == {first.id}


def test_support_id_clashing_with_a_gesture(real: Content) -> None:
    taken = real.gestures[0].id
    content = modified(real, stuck_messages=[*real.stuck_messages, Line(taken, "Take a breath.")])
    assert ids_flagged(check(content), "duplicate-id") == {taken}


# --- Duplicate and near-duplicate texts -------------------------------------------------------


def test_rephrased_daily_question_is_a_near_duplicate(real: Content) -> None:
    original = next(q for q in real.questions if q.text.startswith("What small thing made"))
    twin = daily("What little thing made you smile today that I may have missed?", "play")
    report = check(modified(real, questions=[*real.questions, twin]))
    assert report.rules() == {"near-duplicate"}
    assert ids_flagged(report, "near-duplicate") == {original.id, twin.id}


def test_near_duplicate_between_daily_and_jar(real: Content) -> None:
    original = next(q for q in real.questions if q.text.startswith("Which song, jingle"))
    twin = JarItem(
        "jar-twin",
        "Which song has been stuck in your head lately, and where do you think it came from?",
    )
    report = check(modified(real, jar=[*real.jar, twin]))
    assert report.rules() == {"near-duplicate"}
    assert ids_flagged(report, "near-duplicate") == {original.id, twin.id}


def test_exact_duplicate_gesture_text(real: Content) -> None:
    original = real.gestures[0]
    twin = Gesture("gesture-twin", "time", original.distance, original.text)
    report = check(modified(real, gestures=[*real.gestures, twin]))
    assert report.rules() == {"duplicate-text"}
    assert ids_flagged(report, "duplicate-text") == {original.id, twin.id}


def test_activity_differing_only_in_case_and_punctuation(real: Content) -> None:
    original = real.activities[0]
    twin = dataclasses.replace(original, id="activity-twin", text=original.text.upper() + "!!")
    report = check(modified(real, activities=[*real.activities, twin]))
    assert report.rules() == {"duplicate-text"}
    assert ids_flagged(report, "duplicate-text") == {original.id, twin.id}


def test_duplicate_text_without_content_words(real: Content) -> None:
    twins = [daily("What would you do?", id="q-a"), daily("What would YOU do?", id="q-b")]
    report = check(modified(real, questions=[*real.questions, *twins]))
    assert report.rules() == {"duplicate-text"}
    assert ids_flagged(report, "duplicate-text") == {"q-a", "q-b"}


def test_near_duplicate_activity(real: Content) -> None:
    original = next(a for a in real.activities if a.text.startswith("Book an escape room"))
    twin = dataclasses.replace(
        original, id="activity-twin", text="Book an escape room together and try to break out."
    )
    report = check(modified(real, activities=[*real.activities, twin]))
    assert report.rules() == {"near-duplicate"}
    assert ids_flagged(report, "near-duplicate") == {original.id, twin.id}


def test_similarity_threshold_separates_rephrasings_from_different_questions(
    real: Content,
) -> None:
    model = TfIdf(question_texts(real), EN)
    rephrasings = [
        (
            "What small thing made you smile today that I might have missed?",
            "What little thing made you smile today that I may have missed?",
        ),
        (
            "What was the best bite of food you had this week, and what made it so good?",
            "What was the best bite of food you had this week, and why was it so good?",
        ),
        # A twin the first edition shipped, daily question against jar prompt.
        (
            "If you could swap lives with any animal for a day, which would you choose and "
            "what would you do first?",
            "If you could swap lives with a pet for a day, which animal would you pick and "
            "what would you do?",
        ),
    ]
    for a, b in rephrasings:
        assert model.similarity(a, b) >= SIMILARITY_THRESHOLD
    different = [
        (
            "When do you feel most proud of me, and what does it stir in you?",
            "When did you feel most proud of us, and what was happening?",
        ),
        (
            "When have you felt ashamed or proud about money, and what did that moment show you?",
            "Tell me about a moment you felt ashamed. What did you need then that you didn't get?",
        ),
    ]
    for a, b in different:
        assert model.similarity(a, b) < SIMILARITY_THRESHOLD


def test_rare_shared_words_weigh_more_than_common_ones(real: Content) -> None:
    model = TfIdf(question_texts(real), EN)
    base = "What would you name a lighthouse, and why?"
    rare = "What would you name a lighthouse keeper's cat?"
    common = "What would you name a feeling you had today, and why?"
    assert model.similarity(base, rare) > model.similarity(base, common)
    assert model.similarity(base, base) == pytest.approx(1.0)
    assert model.similarity("What, and why?", base) == 0.0


def test_tokens_drop_stop_words_and_stem_lightly() -> None:
    assert tokens("What are your favourite memories of walking home?", EN) == [
        "favourite", "memory", "walk", "home"
    ]  # fmt: skip
    assert stem("stories") == "story" and stem("glass") == "glass" and stem("sing") == "sing"


class Tokenising:
    """Counts the checker's work instead of timing it (a shared machine's clock proves
    nothing): how many texts the near-duplicate search was given, and how many times a text
    was split into tokens."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.texts = 0
        self.tokenised = 0
        real_tokens, real_pairs = similarity.tokens, similarity.similar_pairs

        def counting_tokens(text: str, rules: Any) -> list[str]:
            self.tokenised += 1
            return real_tokens(text, rules)

        def counting_pairs(entries: Any, rules: Any) -> Any:
            self.texts += len(entries)
            return real_pairs(entries, rules)

        monkeypatch.setattr(similarity, "tokens", counting_tokens)
        monkeypatch.setattr(texts_module, "similar_pairs", counting_pairs)
        # The pairwise method tokenises both texts again: all-pairs through it is quadratic.
        monkeypatch.setattr(similarity.TfIdf, "similarity", None)


def test_the_checker_is_fast(real: Content, monkeypatch: pytest.MonkeyPatch) -> None:
    work = Tokenising(monkeypatch)
    check(real)
    # Each text is tokenised once, and pairs are found through the index, never compared
    # one by one (that took seconds for the full bank).
    assert work.texts > 300
    assert work.tokenised == work.texts


def test_distance_alternative_repeating_another_gesture(real: Content) -> None:
    other = next(g for g in real.gestures if g.distance)
    apart = next(g for g in real.gestures if not g.distance)
    twin = dataclasses.replace(apart, distance_alt="Quickly " + other.text)
    gestures = [twin if g.id == apart.id else g for g in real.gestures]
    report = check(modified(real, gestures=gestures))
    assert report.rules() == {"near-duplicate"}
    assert ids_flagged(report, "near-duplicate") == {other.id, apart.id}


def test_distance_alternative_may_echo_its_own_gesture(real: Content) -> None:
    apart = next(g for g in real.gestures if not g.distance)
    echo = dataclasses.replace(apart, distance_alt=apart.text)
    gestures = [echo if g.id == apart.id else g for g in real.gestures]
    assert check(modified(real, gestures=gestures)).ok


# --- Closed questions -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Do you like tea?", "starts with an auxiliary verb"),
        ("do you like tea?", "starts with an auxiliary verb"),
        ("Have you ever been to Lisbon?", "starts with an auxiliary verb"),
        ("Would you rather fly or be invisible?", "'would you rather'"),
        ("Should we take a trip this summer or not?", "starts with an auxiliary verb"),
        ("Thinking about this summer, a trip together or not?", "ends with 'or not?'"),
        ("Tell me about your favourite teacher.", "does not end with '?'"),
    ],
)
def test_closed_daily_question(real: Content, text: str, reason: str) -> None:
    report = check(modified(real, questions=[*real.questions, daily(text)]))
    assert report.rules() == {"closed-question"}
    assert ids_flagged(report, "closed-question") == {"test-q"}
    assert reason in problems(report, "closed-question")[0]


def test_closed_jar_question(real: Content) -> None:
    report = check(
        modified(real, jar=[*real.jar, JarItem("jar-closed", "Is pizza a sandwich, and why?")])
    )
    assert report.rules() == {"closed-question"}
    assert ids_flagged(report, "closed-question") == {"jar-closed"}


def test_open_questions_are_not_flagged() -> None:
    assert closed_question("What do you like about tea?") is None
    assert closed_question("Which would you rather keep, and why?") is None
    assert closed_question("Isabel's question: what now?") is None


# --- Lengths ----------------------------------------------------------------------------------


def test_over_long_question(real: Content) -> None:
    text = "What " + "really " * 40 + "matters?"
    assert len(text) > MAX_QUESTION
    report = check(modified(real, questions=[*real.questions, daily(text)]))
    assert report.rules() == {"too-long"}
    assert ids_flagged(report, "too-long") == {"test-q"}


def test_over_long_warm_response(real: Content) -> None:
    text = "x" * (MAX_WARM_RESPONSE + 1)
    content = modified(real, warm_responses=[*real.warm_responses, Line("warm-long", text)])
    report = check(content)
    assert report.rules() == {"too-long"}
    assert ids_flagged(report, "too-long") == {"warm-long"}


def test_texts_at_the_limit_pass(real: Content) -> None:
    text = "Why " + "a" * (MAX_QUESTION - 5) + "?"
    assert len(text) == MAX_QUESTION
    assert check(modified(real, questions=[*real.questions, daily(text)])).ok


# --- Counts and shares ------------------------------------------------------------------------


def test_theme_below_its_minimum(real: Content) -> None:
    keep = 20
    questions = [q for q in real.questions if q.theme != "play"]
    questions += [q for q in real.questions if q.theme == "play"][:keep]
    assert keep < MIN_THEME_QUESTIONS
    report = check(modified(real, questions=questions))
    assert report.rules() == {"too-few"}
    messages = problems(report, "too-few")
    assert f"{keep} daily questions in theme 'play', need" in "\n".join(messages)
    assert all("'play'" in message for message in messages)


def test_theme_below_its_minimum_fails_main(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def shrink(items: list[dict[str, Any]]) -> None:
        del items[20:]

    edit_json(data_dir / "en" / "questions" / "play.json", shrink)
    assert main(["--data", str(data_dir)]) == 1
    out = capsys.readouterr().out
    assert "[too-few] 20 daily questions in theme 'play'" in out and "content OK" not in out


def test_a_new_theme_needs_every_depth(real: Content) -> None:
    # Still 40 money questions, but none left at depth 3.
    questions = [
        dataclasses.replace(q, depth=2, sensitive=False)
        if q.theme == "money" and q.depth == 3
        else q
        for q in real.questions
    ]
    report = check(modified(real, questions=questions))
    assert report.rules() == {"too-few"}
    messages = problems(report, "too-few")
    assert "0 daily questions in theme 'money' at depth 3, need at least 8" in messages


def test_first_edition_themes_keep_their_floor(real: Content) -> None:
    # Drop first-edition questions, a few per theme and depth, until under 400 in all.
    by_cell: dict[tuple[str, int], int] = {}
    questions = []
    for q in real.questions:
        by_cell[q.theme, q.depth] = by_cell.get((q.theme, q.depth), 0) + 1
        if q.theme in THEMES[:8] and by_cell[q.theme, q.depth] > 15:
            continue
        questions.append(q)
    report = check(modified(real, questions=questions))
    assert report.rules() == {"too-few"}
    (message,) = problems(report, "too-few")
    assert "first-edition themes" in message


def test_every_theme_and_depth_keeps_questions_for_couples_living_apart(real: Content) -> None:
    questions = [
        dataclasses.replace(q, lives_together=True) if q.theme == "home" and q.depth == 2 else q
        for q in real.questions
    ]
    report = check(modified(real, questions=questions))
    assert report.rules() == {"too-few"}
    (message,) = problems(report, "too-few")
    assert "living apart in theme 'home' at depth 2" in message
    assert f"need at least {MIN_THEME_DEPTH_APART}" in message


def test_too_few_stuck_messages(real: Content) -> None:
    report = check(modified(real, stuck_messages=real.stuck_messages[: MIN_STUCK_MESSAGES - 1]))
    assert report.rules() == {"too-few"}
    assert "stuck messages" in problems(report, "too-few")[0]


def test_too_few_recap_lines_for_a_mood(real: Content) -> None:
    lines = [line for line in real.recap_lines if line.mood != "quiet"]
    report = check(modified(real, recap_lines=lines))
    assert report.rules() == {"too-few"}
    assert "'quiet'" in problems(report, "too-few")[0]


def test_gestures_at_a_distance_share(real: Content) -> None:
    gestures = [
        dataclasses.replace(g, distance=False, distance_alt=g.distance_alt or g.text)
        for g in real.gestures
    ]
    report = check(modified(real, gestures=gestures))
    assert report.rules() == {"share"}
    assert "distance" in problems(report, "share")[0]


def test_empty_content_reports_every_count(real: Content) -> None:
    empty = Content([], [], [], [], [], [], [], [])
    report = check(empty)
    assert {"too-few", "share", "safety-lines"} == report.rules()


# --- Second edition: flags, opt-in themes, distance alternatives, jar stories, safety ---------


def test_shipped_second_edition_banks(real: Content) -> None:
    for theme in ("repair", "money", "home", "stress", *OPT_IN_THEMES):
        assert sum(q.theme == theme for q in real.questions) >= MIN_THEME_QUESTIONS
    assert any(q.lives_together for q in real.questions)
    assert any(j.lives_together for j in real.jar)
    assert all(q.depth == 3 for q in real.questions if q.sensitive)
    assert any(q.sensitive for q in real.questions)
    assert all(g.distance_alt for g in real.gestures if not g.distance)
    assert 2 <= len(real.safety_lines) <= 3


def test_loader_reads_the_optional_fields(data_dir: Path) -> None:
    def flag(items: list[dict[str, Any]]) -> None:
        items[0]["lives_together"] = True

    edit_json(data_dir / "en" / "jar.json", flag)
    content = load_content(base=data_dir)
    assert content.jar[0].lives_together and not content.jar[1].lives_together
    plain = next(q for q in content.questions if not q.sensitive and not q.lives_together)
    assert plain.sensitive is False and plain.lives_together is False
    assert all(isinstance(g.distance_alt, str) for g in content.gestures)
    assert next(g for g in content.gestures if g.distance).distance_alt == ""


@pytest.mark.parametrize("field", ["lives_together", "sensitive"])
def test_non_boolean_flag_is_a_schema_error(data_dir: Path, field: str) -> None:
    def spoil(items: list[dict[str, Any]]) -> None:
        items[0][field] = "yes"

    edit_json(data_dir / "en" / "questions" / "home.json", spoil)
    with pytest.raises(ContentError, match=field):
        load_content(base=data_dir)


def test_sensitive_question_below_depth_3(real: Content) -> None:
    question = daily(
        "Which part of growing up do you find hard to talk about, and why?",
        depth=2,
        sensitive=True,
    )
    report = check(modified(real, questions=[*real.questions, question]))
    assert report.rules() == {"sensitive-depth"}
    assert ids_flagged(report, "sensitive-depth") == {"test-q"}


def test_sensitive_question_at_depth_3_passes(real: Content) -> None:
    question = daily(
        "Which part of growing up do you find hard to talk about, and why?",
        depth=3,
        sensitive=True,
    )
    assert check(modified(real, questions=[*real.questions, question])).ok


def test_gesture_needing_company_without_a_distance_alternative(real: Content) -> None:
    apart = next(g for g in real.gestures if not g.distance)
    gestures = [dataclasses.replace(g, distance_alt="") if g is apart else g for g in real.gestures]
    report = check(modified(real, gestures=gestures))
    assert report.rules() == {"distance-alt"}
    assert ids_flagged(report, "distance-alt") == {apart.id}


def test_missing_distance_alt_in_the_file_fails_main(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def drop(items: list[dict[str, Any]]) -> None:
        item = next(i for i in items if not i["distance"])
        del item["distance_alt"]

    edit_json(data_dir / "en" / "gestures.json", drop)
    assert main(["--data", str(data_dir)]) == 1
    assert "[distance-alt]" in capsys.readouterr().out


def test_over_long_distance_alternative(real: Content) -> None:
    apart = next(g for g in real.gestures if not g.distance)
    long = dataclasses.replace(apart, distance_alt="Call them and " + "really " * 40 + "listen.")
    gestures = [long if g is apart else g for g in real.gestures]
    report = check(modified(real, gestures=gestures))
    assert report.rules() == {"too-long"}
    assert ids_flagged(report, "too-long") == {apart.id}


@pytest.mark.parametrize(
    "text",
    [
        "What's your favourite colour?",
        "Which city would you most like to visit?",
        "What is the strangest dream you can still remember?",
    ],
)
def test_jar_prompt_answerable_in_a_word(real: Content, text: str) -> None:
    report = check(modified(real, jar=[*real.jar, JarItem("jar-short", text)]))
    assert report.rules() == {"jar-one-word"}
    assert ids_flagged(report, "jar-one-word") == {"jar-short"}


def test_what_asks_for_a_story_or_a_reason() -> None:
    assert not asks_for_story("What's your favourite colour?")
    assert asks_for_story("Which colour do you reach for, and what does it remind you of?")
    assert asks_for_story("Which city would you visit first, and why?")
    assert asks_for_story("What's the story behind your oldest scar?")
    assert asks_for_story("How did you learn to swim?")
    assert asks_for_story("What would your ideal rainy day look like?")


def test_safety_lines_are_loaded(data_dir: Path) -> None:
    content = load_content(base=data_dir)
    assert [line.id for line in content.safety_lines] == [
        line.id for line in load_content().safety_lines
    ]

    def drop(support: dict[str, Any]) -> None:
        del support["safety_lines"]

    edit_json(data_dir / "en" / "support.json", drop)
    with pytest.raises(ContentError, match="safety_lines"):
        load_content(base=data_dir)


@pytest.mark.parametrize("count", [1, 4])
def test_safety_lines_count(real: Content, count: int) -> None:
    lines = [Line(f"safety-x{n}", "You deserve to feel safe at home.") for n in range(count)]
    report = check(modified(real, safety_lines=lines))
    assert "safety-lines" in report.rules()
    assert any(f"{count} safety lines" in message for message in problems(report, "safety-lines"))


@pytest.mark.parametrize(
    "text",
    [
        "You deserve to be safe. Call 0800 123 456 any time.",
        "You deserve to be safe, and the Harbour Helpline can talk it through with you.",
        "You deserve to be safe: www.example.org has people who can help.",
    ],
)
def test_safety_line_naming_a_service(real: Content, text: str) -> None:
    lines = [*real.safety_lines[:2], Line("safety-named", text)]
    report = check(modified(real, safety_lines=lines))
    assert report.rules() == {"safety-lines"}
    assert ids_flagged(report, "safety-lines") == {"safety-named"}


def test_safety_line_id_clashing_with_a_stuck_message(real: Content) -> None:
    taken = real.stuck_messages[0].id
    lines = [*real.safety_lines[:2], Line(taken, "You deserve to feel safe.")]
    assert ids_flagged(check(modified(real, safety_lines=lines)), "duplicate-id") == {taken}


def test_safety_line_in_plain_words_names_no_service(real: Content) -> None:
    assert not names_a_service(
        "If you feel unsafe, you deserve help. I hope a local support line or a friend can help."
    )
    for line in real.safety_lines:
        assert not names_a_service(line.text)


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("Ты заслуживаешь безопасности. Местная линия поддержки может помочь.", False),
        ("Ты заслуживаешь безопасности. Позвони на Телефон доверия.", True),
        ("Ты не одна… Местная линия поддержки рядом.", False),
        ("«Тебе страшно дома?» Это не твоя вина.", False),
        ("Mereces estar a salvo. ¿Hay alguien de confianza cerca?", False),
        ("Mereces estar a salvo; la Línea Violeta puede ayudarte.", True),
        ("Você merece se sentir segura.\nUma linha de apoio local pode ajudar.", False),
    ],
)
def test_safety_line_names_in_other_scripts(text: str, named: bool) -> None:
    # Cyrillic and Latin scripts both have case; sentences may start after …, ?» or a line break.
    assert names_a_service(text) is named


def test_tokens_keep_accented_and_cyrillic_words_whole() -> None:
    assert tokens("Café, résumé — когда-нибудь!", EN) == ["café", "résumé", "когда", "нибудь"]
    assert tokens("cafe\u0301", EN) == ["café"]  # a combining accent is one word with its letter


# --- Translations -----------------------------------------------------------------------------
# "xx" is a made-up language: a small overlay written over a copy of the shipped data, with no
# rules module unless a test registers one. None of this relies on the real translations.

XX_MIND = [
    {"id": "mind-001", "text": "Quelle petite chose t'a fait sourire aujourd'hui ?"},
    {"id": "mind-003", "text": "Quel a été le meilleur morceau de la semaine, et pourquoi ?"},
]
XX_TO_ENGLISH = str.maketrans("éó", "eo")


def _xx_closed_question(text: str) -> str | None:
    # Also a rule English texts break, so a test sees whether they are (wrongly) checked too.
    if text.startswith("Est-ce que"):
        return "opens with «Est-ce que», a yes/no question"
    return None if text.endswith(" ?") else "does not end with « ?»"


def xx_module(
    stop_words: frozenset[str] = frozenset(("le", "la", "de", "tu", "que")),
    stem: Any = str.lower,
    closed_question: Any = _xx_closed_question,
    asks_for_story: Any = lambda text: True,
) -> types.ModuleType:
    """A rules module for "xx", as a translator would write bot/tools/lang_rules/xx.py."""
    module = types.ModuleType("bot.tools.lang_rules.xx")
    vars(module).update(
        STOP_WORDS=stop_words,
        stem=stem,
        closed_question=closed_question,
        asks_for_story=asks_for_story,
    )
    return module


@pytest.fixture
def xx_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    """Register the "xx" rules module for this test only."""
    monkeypatch.setitem(sys.modules, "bot.tools.lang_rules.xx", xx_module())


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")


@pytest.fixture
def xx_dir(data_dir: Path) -> Path:
    """The shipped data plus data/xx/: two daily questions, a gesture, a safety line translated."""
    root = data_dir / "xx"
    write_json(root / "questions" / "mind.json", XX_MIND)
    gesture = {
        "id": "gesture-003",
        "text": "Quand tu le vois aujourd'hui, dis-lui une qualité que tu admires.",
        "distance_alt": "Envoie-lui un message sur une qualité que tu admires.",
    }
    write_json(root / "gestures.json", [gesture])
    line = {"id": "safety-01", "text": "Tu mérites d'être en sécurité chez toi."}
    write_json(root / "support.json", {"safety_lines": [line]})
    return data_dir


def test_overlay_replaces_texts_and_keeps_english_tags(xx_dir: Path) -> None:
    english, xx = load_content("en", xx_dir), load_content("xx", xx_dir)
    assert (english.lang, xx.lang) == ("en", "xx")
    question = xx.by_id["mind-001"]
    assert question.text == XX_MIND[0]["text"]
    assert question == dataclasses.replace(english.by_id["mind-001"], text=question.text)
    gesture = xx.by_id["gesture-003"]
    assert gesture.text.startswith("Quand tu") and gesture.distance_alt.startswith("Envoie")
    assert (gesture.kind, gesture.distance) == (english.by_id["gesture-003"].kind, False)
    assert xx.safety_lines[0].text == "Tu mérites d'être en sécurité chez toi."
    assert len(xx.questions) == len(english.questions) and len(xx.jar) == len(english.jar)
    # English is read again, not changed in place.
    assert load_content("en", xx_dir).by_id["mind-001"].text == english.by_id["mind-001"].text


def test_every_shipped_language_loads_once(xx_dir: Path) -> None:
    assert shipped_languages(xx_dir) == ("en", "xx")
    contents = load_all(xx_dir)
    assert list(contents) == ["en", "xx"]
    assert contents["xx"].by_id["mind-001"].text == XX_MIND[0]["text"]
    # A text the translation lacks is English's.
    assert contents["xx"].by_id["mind-002"].text == contents["en"].by_id["mind-002"].text
    assert SHIPPED_LANGUAGES[0] == "en"


def test_missing_translation_falls_back_to_english_and_is_reported(
    xx_dir: Path, xx_rules: None, capsys: pytest.CaptureFixture[str]
) -> None:
    english, xx = load_content("en", xx_dir), load_content("xx", xx_dir)
    assert xx.by_id["mind-002"].text == english.by_id["mind-002"].text
    assert xx.by_id["gesture-008"].distance_alt == english.by_id["gesture-008"].distance_alt
    report = check(xx, english)
    # Only reported missing: the English stand-ins are not held to the language's own rules.
    assert report.rules() == {"untranslated"}
    by_bank = {p.message.split()[1]: p for p in report.problems}
    assert set(by_bank) == {
        "daily", "jar", "gestures", "distance_alt", "activities", "warm_responses",
        "listening_tips", "recap_lines", "stuck_messages", "safety_lines",
        "love_maps", "checkin", "date_questions", "date_gestures",
    }  # fmt: skip
    daily_gap = by_bank["daily"]
    assert "mind-002" in daily_gap.ids and "mind-001" not in daily_gap.ids
    assert len(daily_gap.ids) == len(english.questions) - len(XX_MIND)
    assert daily_gap.message.endswith(f"and {len(daily_gap.ids) - 5} more")
    assert by_bank["safety_lines"].ids == ("safety-02", "safety-03")
    assert main(["--data", str(xx_dir)]) == 1
    out = capsys.readouterr().out
    assert out.index("=== en ===") < out.index("en: content OK") < out.index("=== xx ===")
    assert "[untranslated]" in out and out.rstrip().endswith("problems in xx (of en, xx)")


def test_blank_translation_falls_back_and_is_reported(xx_dir: Path, xx_rules: None) -> None:
    write_json(xx_dir / "xx" / "jar.json", [{"id": "jar-001", "text": "  "}])
    english, xx = load_content("en", xx_dir), load_content("xx", xx_dir)
    assert xx.by_id["jar-001"].text == english.by_id["jar-001"].text
    report = check(xx, english)
    assert [p.ids for p in report.problems if p.rule == "empty-text"] == [("jar-001",)]
    assert "jar-001" not in ids_flagged(report, "untranslated")


@pytest.mark.parametrize(
    ("where", "items", "error"),
    [
        ("questions/mind.json", [{"id": "mind-999", "text": "Quoi ?"}], "mind-999"),
        ("jar.json", [{"id": "mind-002", "text": "Quoi ?"}], "no English jar item"),
        (
            "gestures.json",
            [{"id": "gesture-001", "text": "Écris-lui.", "distance_alt": "Écris-lui."}],
            "gesture-001 has no distance_alt",
        ),
        ("jar.json", [{"id": "jar-001", "text": "Quoi ?", "theme": "mind"}], "theme"),
        ("jar.json", [{"id": "jar-001", "text": "Quoi ?"}] * 2, "translated twice"),
        ("jar.json", [{"id": "jar-001", "text": 3}], "must be str"),
    ],
)
def test_translation_not_matching_english_is_a_schema_error(
    xx_dir: Path, where: str, items: list[dict[str, Any]], error: str
) -> None:
    write_json(xx_dir / "xx" / where, items)
    with pytest.raises(ContentError, match=error):
        load_content("xx", xx_dir)
    assert main(["--data", str(xx_dir)]) == 1


def test_a_schema_error_in_one_language_leaves_the_others_checked(
    xx_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_json(xx_dir / "xx" / "jar.json", [{"id": "jar-999", "text": "Quoi ?"}])
    assert main(["--data", str(xx_dir)]) == 1
    out = capsys.readouterr().out
    assert "en: content OK" in out and "could not be loaded (schema error): xx/jar.json" in out


def test_closed_question_in_the_language_own_terms(xx_dir: Path, xx_rules: None) -> None:
    closed = {"id": "mind-001", "text": "Est-ce que tu aimes le thé ?"}
    # English rules would flag this one; the language's own module does not.
    english_closed = {"id": "mind-003", "text": "Do you like tea, and why ?"}
    write_json(xx_dir / "xx" / "questions" / "mind.json", [closed, english_closed])
    report = check(load_content("xx", xx_dir), load_content("en", xx_dir))
    assert ids_flagged(report, "closed-question") == {"mind-001"}
    assert "«Est-ce que»" in problems(report, "closed-question")[0]


def test_text_identical_to_english_is_reported(xx_dir: Path, xx_rules: None) -> None:
    def shorten(support: dict[str, Any]) -> None:
        support["warm_responses"][0]["text"] = "Merci 💛"  # two words may read alike in both

    edit_json(xx_dir / "en" / "support.json", shorten)
    english = load_content("en", xx_dir)
    copied = {"id": "mind-002", "text": english.by_id["mind-002"].text}
    write_json(xx_dir / "xx" / "questions" / "mind.json", [*XX_MIND, copied])
    warm = {"id": "warm-01", "text": "merci ! 💛"}
    edit_json(xx_dir / "xx" / "support.json", lambda support: support.update(warm_responses=[warm]))
    report = check(load_content("xx", xx_dir), english)
    assert ids_flagged(report, "same-as-english") == {"mind-002"}
    assert "is the same as its English text" in problems(report, "same-as-english")[0]


def test_missing_rules_module_is_reported(xx_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = check(load_content("xx", xx_dir), load_content("en", xx_dir))
    (message,) = problems(report, "lang-rules")
    assert "no rules module bot/tools/lang_rules/xx.py" in message
    assert main(["--data", str(xx_dir), "--lang", "xx"]) == 1
    out = capsys.readouterr().out
    assert "[lang-rules] no rules module bot/tools/lang_rules/xx.py" in out
    assert "=== en ===" not in out


def test_incomplete_rules_module_is_reported(xx_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    module = xx_module()
    del module.asks_for_story
    monkeypatch.setitem(sys.modules, "bot.tools.lang_rules.xx", module)
    report = check(load_content("xx", xx_dir), load_content("en", xx_dir))
    assert problems(report, "lang-rules") == [
        "bot/tools/lang_rules/xx.py lacks asks_for_story; "
        "near-duplicates, closed questions and jar stories unchecked"
    ]


# A complete "translation": every English text with its e and o accented (same length, other
# words), and a rules module that reads it back as English, so every rule has real work to do.
ACCENTED = str.maketrans("eo", "éó")


def write_accented_translation(data_dir: Path, lang: str) -> None:
    """data/<lang>/ holding every English text accented, ids and texts only."""
    for source in (data_dir / "en").rglob("*.json"):
        data = json.loads(source.read_text(encoding="utf-8"))
        lists = data if isinstance(data, dict) else {"": data}
        overlay = {
            key: [
                {field: value.translate(ACCENTED) if field != "id" else value
                 for field, value in item.items() if field in ("id", "text", "distance_alt")}
                for item in items
            ]
            for key, items in lists.items()
        }  # fmt: skip
        target = data_dir / lang / source.relative_to(data_dir / "en")
        write_json(target, overlay if isinstance(data, dict) else overlay[""])


def accented_rules_module(lang: str) -> types.ModuleType:
    """English rules for accented English: each text or word is read back before the rule."""
    en = load_rules("en")

    def back(text: str) -> str:
        return text.translate(XX_TO_ENGLISH)

    module = xx_module(
        stop_words=frozenset(word.translate(ACCENTED) for word in en.stop_words),
        stem=lambda word: en.stem(back(word)),
        closed_question=lambda text: en.closed_question(back(text)),
        asks_for_story=lambda text: en.asks_for_story(back(text)),
    )
    module.__name__ = f"bot.tools.lang_rules.{lang}"
    return module


def test_a_complete_translation_passes(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_accented_translation(data_dir, "xx")
    monkeypatch.setitem(sys.modules, "bot.tools.lang_rules.xx", accented_rules_module("xx"))
    english, xx = load_content("en", data_dir), load_content("xx", data_dir)
    assert xx.untranslated == ()
    assert xx.by_id["mind-001"].text == english.by_id["mind-001"].text.translate(ACCENTED)
    report = check(xx, english)
    assert report.ok, "\n".join(f"[{p.rule}] {p.message}" for p in report.problems)
    assert main(["--data", str(data_dir)]) == 0


def test_checking_a_translation_needs_its_english(xx_dir: Path) -> None:
    with pytest.raises(ValueError, match="English"):
        check(load_content("xx", xx_dir))


def test_checking_four_languages_is_fast(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for lang in ("ru", "es", "pt_BR"):
        write_accented_translation(data_dir, lang)
        module = accented_rules_module(lang)
        monkeypatch.setitem(sys.modules, module.__name__, module)
    contents = load_all(data_dir)
    work = Tokenising(monkeypatch)
    reports = [check(content, contents["en"]) for content in contents.values()]
    assert list(contents) == ["en", "es", "pt_BR", "ru"]
    assert all(report.ok for report in reports)
    assert work.texts > 4 * 300
    assert work.tokenised == work.texts
