"""The content checker: the shipped banks pass, and each rule catches what it is for."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from bot.core.content import (
    DATA_DIR,
    GESTURE_KINDS,
    THEMES,
    Content,
    ContentError,
    Gesture,
    JarItem,
    Line,
    Question,
    load_content,
)
from bot.tools.content_check import (
    MAX_QUESTION,
    MAX_WARM_RESPONSE,
    MIN_STUCK_MESSAGES,
    MIN_THEME_SHARE,
    SIMILARITY_THRESHOLD,
    Report,
    check,
    closed_question_rule,
    main,
    similarity,
)


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


def daily(text: str, theme: str = "mind", depth: int = 1, id: str = "test-q") -> Question:
    return Question(id=id, theme=theme, depth=depth, text=text)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A writable copy of the shipped data root."""
    shutil.copytree(DATA_DIR, tmp_path / "data")
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
    header = next(line for line in lines if line.startswith("theme"))
    assert header.split() == ["theme", "depth", "1", "depth", "2", "depth", "3", "total"]
    for theme in THEMES:
        row = next(line for line in lines if line.split()[:1] == [theme])
        counts = [int(cell) for cell in row.split()[1:]]
        assert len(counts) == 4 and sum(counts[:3]) == counts[3]
    total = next(line for line in lines if line.startswith("total"))
    assert total.split()[-1] == str(len(load_content().questions))
    # Columns line up: every cell of the table ends where its header ends.
    assert len({len(line) for line in lines[lines.index(header) : lines.index(total) + 1]}) == 1
    assert "Gestures by kind" in out and "Activities by tag" in out
    for kind in GESTURE_KINDS:
        assert any(line.split()[:1] == [kind] for line in lines)
    assert lines[-1] == "content OK"


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
    content = modified(real, jar=[*real.jar, JarItem(taken, "What would you cook for me?")])
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


def test_similarity_threshold_separates_rephrasings_from_different_questions() -> None:
    rephrasings = [
        (
            "What small thing made you smile today that I might have missed?",
            "What little thing made you smile today that I may have missed?",
        ),
        (
            "What was the best bite of food you had this week, and what made it so good?",
            "What was the best bite of food you had this week, and why was it so good?",
        ),
    ]
    for a, b in rephrasings:
        assert similarity(a, b) >= SIMILARITY_THRESHOLD
    different = (
        "When do you feel most proud of me, and what does it stir in you?",
        "When did you feel most proud of us, and what was happening?",
    )
    assert similarity(*different) < SIMILARITY_THRESHOLD


# --- Closed questions -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("Do you like tea?", "closed-question"),
        ("do you like tea?", "closed-question"),
        ("Have you ever been to Lisbon?", "closed-question"),
        ("Would you rather fly or be invisible?", "would-you-rather"),
        ("Should we take a trip this summer or not?", "closed-question"),
        ("Thinking about this summer, a trip together or not?", "or-not"),
        ("Tell me about your favourite teacher.", "no-question-mark"),
    ],
)
def test_closed_daily_question(real: Content, text: str, rule: str) -> None:
    report = check(modified(real, questions=[*real.questions, daily(text)]))
    assert report.rules() == {rule}
    assert ids_flagged(report, rule) == {"test-q"}


def test_closed_jar_question(real: Content) -> None:
    report = check(modified(real, jar=[*real.jar, JarItem("jar-closed", "Is pizza a sandwich?")]))
    assert report.rules() == {"closed-question"}
    assert ids_flagged(report, "closed-question") == {"jar-closed"}


def test_open_questions_are_not_flagged() -> None:
    assert closed_question_rule("What do you like about tea?") is None
    assert closed_question_rule("Which would you rather keep, and why?") is None
    assert closed_question_rule("Isabel's question: what now?") is None


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


def test_theme_below_its_share(real: Content) -> None:
    keep = 20
    questions = [q for q in real.questions if q.theme != "play"]
    questions += [q for q in real.questions if q.theme == "play"][:keep]
    assert keep / len(questions) < MIN_THEME_SHARE
    report = check(modified(real, questions=questions))
    assert report.rules() == {"share"}
    (message,) = problems(report, "share")
    assert "theme 'play'" in message


def test_theme_below_its_share_fails_main(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def shrink(items: list[dict[str, Any]]) -> None:
        del items[20:]

    edit_json(data_dir / "en" / "questions" / "play.json", shrink)
    assert main(["--data", str(data_dir)]) == 1
    out = capsys.readouterr().out
    assert "[share] daily theme 'play'" in out and "content OK" not in out
    assert main(["--data", str(data_dir)]) == 1


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
    gestures = [dataclasses.replace(g, distance=False) for g in real.gestures]
    report = check(modified(real, gestures=gestures))
    assert report.rules() == {"share"}
    assert "distance" in problems(report, "share")[0]


def test_empty_content_reports_every_count(real: Content) -> None:
    empty = Content([], [], [], [], [], [], [], [])
    report = check(empty)
    assert {"too-few", "share"} == report.rules()
