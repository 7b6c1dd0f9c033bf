"""Content checker: schema, duplicate ids and texts, closed questions, lengths and balance.

Run it with `python -m bot.content_check [--lang en] [--data DIR]`; it prints how each bank is
spread over its tags, then every problem found, and exits 1 when there is any.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.core.content import (
    COSTS,
    DATA_DIR,
    ENERGIES,
    GESTURE_KINDS,
    MOODS,
    PLACES,
    THEMES,
    Activity,
    Content,
    ContentError,
    load_content,
)

# --- Near-duplicate texts -------------------------------------------------------------------
# Texts are lowercased, stripped of punctuation and of the stop-words below, then compared as
# token sets; a pair with Jaccard similarity (shared tokens / all tokens) >= the threshold is
# flagged. Measured with this normalisation on data/en (440 daily + 170 jar questions compared
# together, 175 gestures, 170 activities; about 0.1 s for all of it):
#   * the highest pairs among the shipped texts score 0.50, five question pairs that ask
#     different things, e.g. "When do you feel most proud of me, and what does it stir in
#     you?" / "When did you feel most proud of us, and what was happening?"; the highest
#     gesture pair scores 0.33, the highest activity pair 0.33;
#   * close rephrasings of a shipped question score well above 0.6:
#       "What small thing made you smile today that I might have missed?" with "little" for
#       "small" and "may" for "might"                                               -> 0.71
#       "Which song, jingle, or tune has been stuck in your head lately, ...?" without
#       "jingle, or tune"                                                            -> 0.75
#       "... the best bite of food you had this week, and what made it so good?" ending
#       "and why was it so good?"                                                    -> 0.83
# so 0.6 sits between the two with room on each side. Rewording most of a question still
# slips under it ("... the best thing you ate this week ..." scores 0.50, a full paraphrase
# 0.15): the check catches copy-edits and pasted twins, not ideas asked twice.
SIMILARITY_THRESHOLD = 0.6
# fmt: off
STOP_WORDS = frozenset((
    # Articles, conjunctions, prepositions, pronouns, auxiliaries, question words, the
    # contractions they form once the apostrophe is gone, and superlative scaffolding
    # ("the most ... you've ever ...") that nearly every question shares.
    "a", "an", "the", "and", "or", "but", "nor", "of", "to", "in", "on", "at", "for", "with",
    "about", "from", "by", "as", "into", "than", "then", "if", "so", "this", "that", "these",
    "those", "there", "it", "its", "i", "me", "my", "mine", "we", "us", "our", "ours", "you",
    "your", "yours", "they", "them", "their", "he", "she", "his", "her", "am", "is", "are",
    "was", "were", "be", "been", "being", "do", "does", "did", "have", "has", "had", "will",
    "would", "can", "could", "should", "shall", "may", "might", "must", "what", "which", "who",
    "whom", "whose", "when", "where", "why", "how", "im", "ive", "id", "youre", "youve",
    "youd", "youll", "weve", "theyre", "whats", "thats", "theres", "dont", "didnt", "lets",
    "most", "ever", "just",
))
# fmt: on

# --- Closed questions -----------------------------------------------------------------------
# A question starting with one of these reads as a yes/no question ("Do you like tea?").
# fmt: off
AUXILIARY_VERBS = frozenset((
    "do", "does", "did", "are", "is", "was", "were", "have", "has", "had", "can", "could",
    "would", "will", "should", "shall", "may", "might", "must", "am",
))
# fmt: on

# --- Length limits (characters) -------------------------------------------------------------
MAX_QUESTION = 200
MAX_GESTURE = 200
MAX_ACTIVITY = 200
MAX_WARM_RESPONSE = 32
MAX_LISTENING_TIP = 160
MAX_RECAP_LINE = 200
MAX_STUCK_MESSAGE = 500

# --- Minimum counts -------------------------------------------------------------------------
MIN_DAILY = 400
MIN_JAR = 150
MIN_GESTURES = 150
MIN_ACTIVITIES = 150
MIN_WARM_RESPONSES = 6
MIN_LISTENING_TIPS = 10
MIN_RECAP_LINES_PER_MOOD = 5
MIN_STUCK_MESSAGES = 3

# --- Minimum shares (fractions of the bank) -------------------------------------------------
MIN_THEME_SHARE = 0.08
MIN_DEPTH_SHARE = 0.20
MIN_GESTURE_KIND_SHARE = 0.12
MIN_GESTURE_DISTANCE_SHARE = 0.20
MIN_ACTIVITY_TAG_SHARE = 0.10
MIN_ACTIVITY_DISTANCE_SHARE = 0.10

DEPTHS = (1, 2, 3)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the content: a rule name, a readable message and the ids involved."""

    rule: str
    message: str
    ids: tuple[str, ...] = ()


@dataclass
class Report:
    """Every problem `check` found, in the order the rules run."""

    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no rule found a problem."""
        return not self.problems

    def rules(self) -> set[str]:
        """The names of the rules that found at least one problem."""
        return {problem.rule for problem in self.problems}

    def add(self, rule: str, message: str, ids: Iterable[str] = ()) -> None:
        """Record one problem."""
        self.problems.append(Problem(rule, message, tuple(ids)))


# A text to compare: (bank name, id, text).
Entry = tuple[str, str, str]


def tokens(text: str) -> frozenset[str]:
    """The lowercase words of `text`, punctuation stripped, without stop-words."""
    words = re.findall(r"[a-z0-9]+", re.sub(r"['’]", "", text.lower()))
    return frozenset(word for word in words if word not in STOP_WORDS)


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of the normalised token sets of two texts (0 when both are empty)."""
    ta, tb = tokens(a), tokens(b)
    union = len(ta | tb)
    return len(ta & tb) / union if union else 0.0


def _exact_key(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", "", text.lower()).split())


def similar_pairs(
    entries: Sequence[Entry], threshold: float = SIMILARITY_THRESHOLD
) -> list[tuple[Entry, Entry, float]]:
    """Pairs of entries whose similarity is >= threshold, found through an inverted token index."""
    token_sets = [tokens(text) for _, _, text in entries]
    index: dict[str, list[int]] = defaultdict(list)
    pairs = []
    for n, mine in enumerate(token_sets):
        shared: Counter[int] = Counter()
        for token in mine:
            shared.update(index[token])
        for m, common in shared.items():
            score = common / len(mine | token_sets[m])
            if score >= threshold:
                pairs.append((entries[m], entries[n], score))
        for token in mine:
            index[token].append(n)
    return pairs


def _check_ids(content: Content, report: Report) -> None:
    banks: list[tuple[str, Iterable[str]]] = [
        ("daily", (q.id for q in content.questions)),
        ("jar", (j.id for j in content.jar)),
        ("gestures", (g.id for g in content.gestures)),
        ("activities", (a.id for a in content.activities)),
        ("warm_responses", (line.id for line in content.warm_responses)),
        ("listening_tips", (line.id for line in content.listening_tips)),
        ("recap_lines", (line.id for line in content.recap_lines)),
        ("stuck_messages", (line.id for line in content.stuck_messages)),
    ]
    where: dict[str, list[str]] = defaultdict(list)
    for bank, ids in banks:
        for content_id in ids:
            where[content_id].append(bank)
    for content_id, seen_in in where.items():
        if len(seen_in) > 1:
            report.add(
                "duplicate-id",
                f"id {content_id!r} is used {len(seen_in)} times ({', '.join(seen_in)})",
                [content_id],
            )


def _check_texts(content: Content, report: Report) -> None:
    groups: list[list[Entry]] = [
        # Daily questions across all themes, jar questions, and daily against jar.
        [("daily", q.id, q.text) for q in content.questions]
        + [("jar", j.id, j.text) for j in content.jar],
        [("gestures", g.id, g.text) for g in content.gestures],
        [("activities", a.id, a.text) for a in content.activities],
    ]
    for entries in groups:
        first_with: dict[str, Entry] = {}
        for entry in entries:
            bank, content_id, text = entry
            key = _exact_key(text)
            if key in first_with:
                bank_a, id_a, _ = first_with[key]
                report.add(
                    "duplicate-text",
                    f"{bank_a} {id_a} and {bank} {content_id} have the same text: {text!r}",
                    [id_a, content_id],
                )
            else:
                first_with[key] = entry
        for (bank_a, id_a, text_a), (bank_b, id_b, text_b), score in similar_pairs(entries):
            if _exact_key(text_a) != _exact_key(text_b):
                report.add(
                    "near-duplicate",
                    f"{bank_a} {id_a} and {bank_b} {id_b} are {score:.2f} similar: "
                    f"{text_a!r} / {text_b!r}",
                    [id_a, id_b],
                )


def closed_question_rule(text: str) -> str | None:
    """The rule a question text breaks by reading as closed or not being a question, if any."""
    words = text.split()
    first = re.sub(r"[^\w]", "", words[0].lower()) if words else ""
    lowered = " ".join(text.lower().split())
    if lowered.startswith("would you rather"):
        return "would-you-rather"
    if first in AUXILIARY_VERBS:
        return "closed-question"
    if lowered.endswith("or not?"):
        return "or-not"
    if not lowered.endswith("?"):
        return "no-question-mark"
    return None


_CLOSED_MESSAGES = {
    "would-you-rather": "is a 'would you rather' question",
    "closed-question": "starts with an auxiliary verb, so it reads as a yes/no question",
    "or-not": "ends with 'or not?', so it reads as a yes/no question",
    "no-question-mark": "does not end with '?'",
}


def _check_questions(content: Content, report: Report) -> None:
    entries = [("daily", q.id, q.text) for q in content.questions]
    entries += [("jar", j.id, j.text) for j in content.jar]
    for bank, content_id, text in entries:
        rule = closed_question_rule(text)
        if rule:
            report.add(
                rule, f"{bank} {content_id} {_CLOSED_MESSAGES[rule]}: {text!r}", [content_id]
            )


def _check_lengths(content: Content, report: Report) -> None:
    banks: list[tuple[str, int, Iterable[tuple[str, str]]]] = [
        ("daily", MAX_QUESTION, ((q.id, q.text) for q in content.questions)),
        ("jar", MAX_QUESTION, ((j.id, j.text) for j in content.jar)),
        ("gestures", MAX_GESTURE, ((g.id, g.text) for g in content.gestures)),
        ("activities", MAX_ACTIVITY, ((a.id, a.text) for a in content.activities)),
        ("warm_responses", MAX_WARM_RESPONSE, ((x.id, x.text) for x in content.warm_responses)),
        ("listening_tips", MAX_LISTENING_TIP, ((x.id, x.text) for x in content.listening_tips)),
        ("recap_lines", MAX_RECAP_LINE, ((x.id, x.text) for x in content.recap_lines)),
        ("stuck_messages", MAX_STUCK_MESSAGE, ((x.id, x.text) for x in content.stuck_messages)),
    ]
    for bank, limit, items in banks:
        for content_id, text in items:
            if len(text) > limit:
                report.add(
                    "too-long",
                    f"{bank} {content_id} is {len(text)} characters (limit {limit})",
                    [content_id],
                )


def _check_counts(content: Content, report: Report) -> None:
    counts = [
        ("daily questions", len(content.questions), MIN_DAILY),
        ("jar questions", len(content.jar), MIN_JAR),
        ("gestures", len(content.gestures), MIN_GESTURES),
        ("activities", len(content.activities), MIN_ACTIVITIES),
        ("warm responses", len(content.warm_responses), MIN_WARM_RESPONSES),
        ("listening tips", len(content.listening_tips), MIN_LISTENING_TIPS),
        ("stuck messages", len(content.stuck_messages), MIN_STUCK_MESSAGES),
    ]
    moods = Counter(line.mood for line in content.recap_lines)
    counts += [
        (f"recap lines for mood {mood!r}", moods[mood], MIN_RECAP_LINES_PER_MOOD) for mood in MOODS
    ]
    # Three buttons go under each answer: each tone needs at least three that fit it.
    tones = Counter(line.tone for line in content.warm_responses)
    counts += [
        (f"warm responses fitting {tone!r} answers", tones[tone] + tones["any"], 3)
        for tone in ("light", "deep")
    ]
    for what, count, minimum in counts:
        if count < minimum:
            report.add("too-few", f"{count} {what}, need at least {minimum}")


def _share(count: int, total: int) -> float:
    return count / total if total else 0.0


def _check_shares(content: Content, report: Report) -> None:
    def spread(
        what: str, values: Sequence[object], allowed: Sequence[object], minimum: float
    ) -> None:
        counts = Counter(values)
        for value in allowed:
            share = _share(counts[value], len(values))
            if share < minimum:
                report.add(
                    "share",
                    f"{what} {value!r}: {counts[value]} of {len(values)} ({share:.0%}), "
                    f"need at least {minimum:.0%}",
                )

    def at_least(what: str, count: int, total: int, minimum: float) -> None:
        share = _share(count, total)
        if share < minimum:
            report.add(
                "share",
                f"{what}: {count} of {total} ({share:.0%}), need at least {minimum:.0%}",
            )

    questions, gestures, activities = content.questions, content.gestures, content.activities
    spread("daily theme", [q.theme for q in questions], THEMES, MIN_THEME_SHARE)
    spread("daily depth", [q.depth for q in questions], DEPTHS, MIN_DEPTH_SHARE)
    spread("gesture kind", [g.kind for g in gestures], GESTURE_KINDS, MIN_GESTURE_KIND_SHARE)
    at_least(
        "gestures doable at a distance",
        sum(g.distance for g in gestures),
        len(gestures),
        MIN_GESTURE_DISTANCE_SHARE,
    )
    spread("activity cost", [a.cost for a in activities], COSTS, MIN_ACTIVITY_TAG_SHARE)
    spread("activity place", [a.place for a in activities], PLACES, MIN_ACTIVITY_TAG_SHARE)
    spread("activity energy", [a.energy for a in activities], ENERGIES, MIN_ACTIVITY_TAG_SHARE)
    at_least(
        "activities doable at a distance",
        sum(a.distance for a in activities),
        len(activities),
        MIN_ACTIVITY_DISTANCE_SHARE,
    )


def check(content: Content) -> Report:
    """Run every rule on loaded content and return the problems found (prints nothing)."""
    report = Report()
    _check_ids(content, report)
    _check_texts(content, report)
    _check_questions(content, report)
    _check_lengths(content, report)
    _check_counts(content, report)
    _check_shares(content, report)
    return report


# --- Tables ---------------------------------------------------------------------------------


def format_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    """Plain-text table lines: first column left-aligned, the others right-aligned."""
    cells = [[str(cell) for cell in row] for row in [headers, *rows]]
    widths = [max(len(row[n]) for row in cells) for n in range(len(headers))]

    def line(row: list[str]) -> str:
        first = row[0].ljust(widths[0])
        rest = (cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True))
        return "  ".join([first, *rest]).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return [line(cells[0]), rule, *(line(row) for row in cells[1:])]


def _percent(count: int, total: int) -> str:
    return f"{_share(count, total):.0%}"


def _tag_rows(
    items: Sequence[Activity], tag: Callable[[Activity], object], values: Sequence[object]
) -> list[list[object]]:
    counts = Counter(tag(item) for item in items)
    return [[value, counts[value], _percent(counts[value], len(items))] for value in values]


def render_tables(content: Content) -> list[str]:
    """The bank tables: daily theme x depth, gestures by kind, activities by each tag."""
    questions = content.questions
    grid = Counter((q.theme, q.depth) for q in questions)
    by_theme = Counter(q.theme for q in questions)
    by_depth = Counter(q.depth for q in questions)
    rows: list[list[object]] = [
        [theme, *(grid[theme, depth] for depth in DEPTHS), by_theme[theme]] for theme in THEMES
    ]
    rows.append(["total", *(by_depth[depth] for depth in DEPTHS), len(questions)])
    headers = ["theme", *(f"depth {depth}" for depth in DEPTHS), "total"]
    out = [f"Daily questions by theme and depth ({len(questions)})"]
    out += format_table(headers, rows)

    gestures = content.gestures
    kinds = Counter(g.kind for g in gestures)
    far = Counter(g.kind for g in gestures if g.distance)
    gesture_rows: list[list[object]] = [
        [kind, kinds[kind], _percent(kinds[kind], len(gestures)), far[kind]]
        for kind in GESTURE_KINDS
    ]
    gesture_rows.append(
        ["total", len(gestures), _percent(len(gestures), len(gestures)), sum(far.values())]
    )
    out += ["", f"Gestures by kind ({len(gestures)})"]
    out += format_table(["kind", "count", "share", "at a distance"], gesture_rows)

    activities = content.activities
    tags: list[tuple[str, Callable[[Activity], object], Sequence[object]]] = [
        ("cost", lambda a: a.cost, COSTS),
        ("place", lambda a: a.place, PLACES),
        ("energy", lambda a: a.energy, ENERGIES),
        ("distance", lambda a: "yes" if a.distance else "no", ("yes", "no")),
    ]
    out += ["", f"Activities by tag ({len(activities)})"]
    for name, tag, values in tags:
        out += ["", *format_table([name, "count", "share"], _tag_rows(activities, tag, values))]
    return out


def main(argv: list[str] | None = None) -> int:
    """Load, check and print a content language; 0 when clean, 1 on any problem."""
    parser = argparse.ArgumentParser(
        prog="python -m bot.content_check", description="Check Hearth's content banks."
    )
    parser.add_argument("--lang", default="en", help="language folder to check (default: en)")
    parser.add_argument(
        "--data", type=Path, default=DATA_DIR, help=f"content root (default: {DATA_DIR})"
    )
    args = parser.parse_args(argv)
    try:
        content = load_content(args.lang, args.data)
    except ContentError as error:
        print(f"content could not be loaded (schema error): {error}")
        return 1
    print("\n".join(render_tables(content)))
    report = check(content)
    print()
    if report.ok:
        print("content OK")
        return 0
    print(f"{len(report.problems)} problem(s):")
    for problem in report.problems:
        print(f"  [{problem.rule}] {problem.message}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
