"""Content checker: schema, duplicate ids and texts, near-duplicates, closed questions and more.

Beyond the schema it checks exact and TF-IDF near-duplicate texts, closed questions, jar prompts
that ask for a story or a reason, sensitive questions kept at depth 3, an at-a-distance
alternative for every gesture that needs the partners together, safety lines that name no
service, lengths, and how each bank is spread over its themes, depths and tags.
Run it with `python -m bot check-content [--lang en] [--data DIR]`; it prints how each bank is
spread over its tags, then every problem found, and exits 1 when there is any.
"""

from __future__ import annotations

import argparse
import math
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
    OPT_IN_THEMES,
    PLACES,
    THEMES,
    Activity,
    Content,
    ContentError,
    load_content,
)

# --- Near-duplicate texts -------------------------------------------------------------------
# Texts are lowercased, stripped of punctuation and of the stop-words below, lightly stemmed
# (a final "s" or "ing" goes), then compared as TF-IDF vectors: each token weighs
# log((1 + N) / (1 + df)) + 1 times its count, N the texts compared together and df how many of
# them use the token, and a pair's cosine similarity >= the threshold is flagged. Rare words
# weigh most, so two questions sharing "swap lives with an animal" score high while two sharing
# only "moment" and "feel" do not, which plain word overlap (the first edition's Jaccard check)
# could not tell apart. Measured on data/en, second edition (680 daily and 170 jar questions
# compared together, 190 gestures with their 98 at-a-distance alternatives, 170 activities; well
# under 0.1 s for all of it):
#   * the highest honest pairs score 0.56 and below, questions that share a rare word but ask
#     different things: "When have you felt ashamed or proud about money, and what did that
#     moment show you?" / "Tell me about a moment you felt ashamed. What did you need then that
#     you didn't get?" (0.56), "What do you need from me when we disagree, so that you feel
#     heard?" / "How can we tell a problem that needs solving from a feeling that just needs to
#     be heard?" (0.56); the highest gesture pair (an alternative against another gesture)
#     scores 0.55, the highest activity pair 0.44;
#   * rephrasings score above it:
#       "What small thing made you smile today that I might have missed?" with "little" for
#       "small" and "may" for "might"                                               -> 0.89
#       "Which song, jingle, or tune has been stuck in your head lately, ...?" without
#       "jingle, or tune"                                                            -> 0.78
#       "... the best bite of food you had this week, and what made it so good?" ending
#       "and why was it so good?"                                                    -> 0.94
#       and two twins the first edition shipped, daily against jar: "If you could swap lives
#       with any animal for a day, ...?" / "If you could swap lives with a pet for a day,
#       ...?" (0.63), "If you could shrink to the size of a mouse for an afternoon, where would
#       you go exploring?" / "If you could shrink down for one afternoon, ...?" (0.66)
# so 0.6 sits just under the looser twins and above every honest pair. Rewording most of a
# question still slips under it ("... the best thing you ate this week ..." scores 0.49): the
# check catches copy-edits and pasted twins; ideas asked twice in other words were hunted once
# with a sentence-embedding model while writing the second edition, not at every run.
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

# --- Jar prompts ask for a story or a reason --------------------------------------------------
# A jar prompt is drawn for an evening's talk, so "What's your favourite colour?" (one word and
# done) is out. The checker cannot read, so it asks for a visible sign: a why/how/story word, or
# a follow-up question joined by "and"/"or" ("Which colour do you reach for, and what does it
# remind you of?"). Every shipped prompt was written to show one.
STORY_WORDS = re.compile(
    r"\b(why|how|story|stories|tell|describe|happened|remind\w*|because|look like|"
    r"what made|what makes)\b"
)
FOLLOW_UP = re.compile(r"\b(and|or)\s+(what|why|how|where|who|whom|which|when)\b")

# --- Safety lines name no service ----------------------------------------------------------
# Services differ by country and change their numbers, so these lines point to "a local support
# line" in words. A digit (a phone number), a web or mail address, or a capitalised word inside
# a sentence (a name) is taken as naming one.
SERVICE_SIGNS = re.compile(r"\d|https?:|www\.|@|\.(?:org|com|net)\b", re.IGNORECASE)
SAFETY_LINES = (2, 3)

# --- Length limits (characters) -------------------------------------------------------------
MAX_QUESTION = 200
MAX_GESTURE = 200
MAX_ACTIVITY = 200
MAX_WARM_RESPONSE = 32
MAX_LISTENING_TIP = 160
MAX_RECAP_LINE = 200
MAX_STUCK_MESSAGE = 500
MAX_SAFETY_LINE = 200  # appended to a stuck note, so it stays one or two sentences

# --- Minimum counts -------------------------------------------------------------------------
# The first edition's eight themes keep their floor of 400; each theme added later needs 40.
FIRST_EDITION_THEMES = THEMES[:8]
MIN_DAILY = 400
MIN_THEME_QUESTIONS = 40
# Each theme at each depth: enough for a couple to go months without running a cell dry...
MIN_THEME_DEPTH = 8
# ... and enough of those that work for a couple living apart (no shared home assumed).
MIN_THEME_DEPTH_APART = 5
MIN_JAR = 150
MIN_GESTURES = 150
MIN_ACTIVITIES = 150
MIN_WARM_RESPONSES = 6
MIN_LISTENING_TIPS = 10
MIN_RECAP_LINES_PER_MOOD = 5
MIN_STUCK_MESSAGES = 3

# --- Minimum shares (fractions of the bank) -------------------------------------------------
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


def stem(word: str) -> str:
    """A light stem: "memories" -> "memory", "stories" -> "story", "walking" -> "walk"."""
    if len(word) > 5 and word.endswith("ing"):
        return word[:-3]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def tokens(text: str) -> list[str]:
    """The stemmed lowercase words of `text`, punctuation stripped, without stop-words."""
    words = re.findall(r"[a-z0-9]+", re.sub(r"['’]", "", text.lower()))
    return [stem(word) for word in words if word not in STOP_WORDS]


class TfIdf:
    """TF-IDF weighting learnt from a set of texts: tokens rare among them weigh the most."""

    def __init__(self, texts: Iterable[str]) -> None:
        docs = [Counter(tokens(text)) for text in texts]
        frequency = Counter(token for doc in docs for token in doc)
        self._size = len(docs)
        self._idf = {token: self._weight(count) for token, count in frequency.items()}
        self.vectors = [self._normalised(doc) for doc in docs]

    def _weight(self, document_frequency: int) -> float:
        return math.log((1 + self._size) / (1 + document_frequency)) + 1

    def _normalised(self, counts: Counter[str]) -> dict[str, float]:
        # A token none of the texts used weighs like the rarest possible one.
        unseen = self._weight(0)
        raw = {token: n * self._idf.get(token, unseen) for token, n in counts.items()}
        norm = math.sqrt(sum(w * w for w in raw.values()))
        return {token: w / norm for token, w in raw.items()} if norm else {}

    def vector(self, text: str) -> dict[str, float]:
        """The unit-length TF-IDF vector of any text, weighted by the texts learnt from."""
        return self._normalised(Counter(tokens(text)))

    def similarity(self, a: str, b: str) -> float:
        """Cosine similarity of two texts' vectors (0 when either has no content word)."""
        va, vb = self.vector(a), self.vector(b)
        return sum(w * vb.get(token, 0.0) for token, w in va.items())


def _exact_key(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", "", text.lower()).split())


def similar_pairs(
    entries: Sequence[Entry], threshold: float = SIMILARITY_THRESHOLD
) -> list[tuple[Entry, Entry, float]]:
    """Pairs of entries whose TF-IDF cosine is >= threshold, found through an inverted index."""
    vectors = TfIdf(text for _, _, text in entries).vectors
    # Only pairs sharing a token have a non-zero dot product: add them up token by token.
    index: dict[str, list[tuple[int, float]]] = defaultdict(list)
    pairs = []
    for n, mine in enumerate(vectors):
        dots: defaultdict[int, float] = defaultdict(float)
        for token, weight in mine.items():
            for m, other in index[token]:
                dots[m] += weight * other
        pairs += [(entries[m], entries[n], dot) for m, dot in dots.items() if dot >= threshold]
        for token, weight in mine.items():
            index[token].append((n, weight))
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
        ("safety_lines", (line.id for line in content.safety_lines)),
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


def question_entries(content: Content) -> list[Entry]:
    """Daily and jar questions as one list of entries: both are asked of a couple alike."""
    return [("daily", q.id, q.text) for q in content.questions] + [
        ("jar", j.id, j.text) for j in content.jar
    ]


def _check_texts(content: Content, report: Report) -> None:
    groups: list[list[Entry]] = [
        # Daily questions across all themes, jar questions, and daily against jar.
        question_entries(content),
        # Gestures and their at-a-distance alternatives: an alternative may echo its own gesture
        # (it is shown instead of it) but must not repeat another one.
        [("gestures", g.id, g.text) for g in content.gestures]
        + [("distance_alt", g.id, g.distance_alt) for g in content.gestures if g.distance_alt],
        [("activities", a.id, a.text) for a in content.activities],
    ]
    for entries in groups:
        first_with: dict[str, Entry] = {}
        for entry in entries:
            bank, content_id, text = entry
            key = _exact_key(text)
            if key in first_with and first_with[key][1] != content_id:
                bank_a, id_a, _ = first_with[key]
                report.add(
                    "duplicate-text",
                    f"{bank_a} {id_a} and {bank} {content_id} have the same text: {text!r}",
                    [id_a, content_id],
                )
            else:
                first_with[key] = entry
        for (bank_a, id_a, text_a), (bank_b, id_b, text_b), score in similar_pairs(entries):
            if id_a != id_b and _exact_key(text_a) != _exact_key(text_b):
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
    for bank, content_id, text in question_entries(content):
        rule = closed_question_rule(text)
        if rule:
            report.add(
                rule, f"{bank} {content_id} {_CLOSED_MESSAGES[rule]}: {text!r}", [content_id]
            )


def asks_for_story(text: str) -> bool:
    """True when a prompt visibly asks for a story, a reason or a description."""
    lowered = text.lower()
    return bool(STORY_WORDS.search(lowered) or FOLLOW_UP.search(lowered))


def _check_jar_stories(content: Content, report: Report) -> None:
    for item in content.jar:
        if not asks_for_story(item.text):
            report.add(
                "jar-one-word",
                f"jar {item.id} can be answered in a word; ask for a story or a reason too: "
                f"{item.text!r}",
                [item.id],
            )


def _check_flags(content: Content, report: Report) -> None:
    # The bot adds "skipping this one is fine" to a sensitive question; lighter days stay light.
    for q in content.questions:
        if q.sensitive and q.depth != 3:
            report.add(
                "sensitive-depth",
                f"daily {q.id} is sensitive at depth {q.depth}: sensitive questions are depth 3",
                [q.id],
            )
    for g in content.gestures:
        if not g.distance and not g.distance_alt.strip():
            report.add(
                "distance-alt",
                f"gesture {g.id} needs the partners together but has no distance_alt",
                [g.id],
            )


def names_a_service(text: str) -> bool:
    """True when a line looks like it names a service: a number, an address or a proper name."""
    if SERVICE_SIGNS.search(text):
        return True
    for sentence in re.split(r"(?<=[.!?:;])\s+", text.strip()):
        words = re.findall(r"[\w’']+", sentence)
        if any(w[:1].isupper() and w != "I" and not w.startswith("I’") for w in words[1:]):
            return True
    return False


def _check_safety_lines(content: Content, report: Report) -> None:
    low, high = SAFETY_LINES
    count = len(content.safety_lines)
    if not low <= count <= high:
        report.add("safety-lines", f"{count} safety lines, need {low} to {high}")
    for line in content.safety_lines:
        if names_a_service(line.text):
            report.add(
                "safety-lines",
                f"safety line {line.id} seems to name a service or organisation: {line.text!r}",
                [line.id],
            )


def _check_lengths(content: Content, report: Report) -> None:
    banks: list[tuple[str, int, Iterable[tuple[str, str]]]] = [
        ("daily", MAX_QUESTION, ((q.id, q.text) for q in content.questions)),
        ("jar", MAX_QUESTION, ((j.id, j.text) for j in content.jar)),
        ("gestures", MAX_GESTURE, ((g.id, g.text) for g in content.gestures)),
        ("distance_alt", MAX_GESTURE, ((g.id, g.distance_alt) for g in content.gestures)),
        ("activities", MAX_ACTIVITY, ((a.id, a.text) for a in content.activities)),
        ("warm_responses", MAX_WARM_RESPONSE, ((x.id, x.text) for x in content.warm_responses)),
        ("listening_tips", MAX_LISTENING_TIP, ((x.id, x.text) for x in content.listening_tips)),
        ("recap_lines", MAX_RECAP_LINE, ((x.id, x.text) for x in content.recap_lines)),
        ("stuck_messages", MAX_STUCK_MESSAGE, ((x.id, x.text) for x in content.stuck_messages)),
        ("safety_lines", MAX_SAFETY_LINE, ((x.id, x.text) for x in content.safety_lines)),
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
    first_edition = sum(q.theme in FIRST_EDITION_THEMES for q in content.questions)
    counts = [
        ("daily questions in the first-edition themes", first_edition, MIN_DAILY),
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
    themes = Counter(q.theme for q in content.questions)
    counts += [(f"daily questions in theme {t!r}", themes[t], MIN_THEME_QUESTIONS) for t in THEMES]
    cells = Counter((q.theme, q.depth) for q in content.questions)
    apart = Counter((q.theme, q.depth) for q in content.questions if not q.lives_together)
    for theme in THEMES:
        for depth in DEPTHS:
            where = f"theme {theme!r} at depth {depth}"
            counts.append((f"daily questions in {where}", cells[theme, depth], MIN_THEME_DEPTH))
            counts.append(
                (
                    f"daily questions for couples living apart in {where}",
                    apart[theme, depth],
                    MIN_THEME_DEPTH_APART,
                )
            )
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
    _check_jar_stories(content, report)
    _check_flags(content, report)
    _check_safety_lines(content, report)
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
    """The bank tables: daily theme x depth, jar and support lists, gestures, activities."""
    questions = content.questions
    grid = Counter((q.theme, q.depth) for q in questions)
    by_theme = Counter(q.theme for q in questions)
    by_depth = Counter(q.depth for q in questions)
    together = Counter(q.theme for q in questions if q.lives_together)
    sensitive = Counter(q.theme for q in questions if q.sensitive)
    rows: list[list[object]] = [
        [
            theme,
            *(grid[theme, depth] for depth in DEPTHS),
            by_theme[theme],
            together[theme],
            sensitive[theme],
        ]
        for theme in THEMES
    ]
    rows.append(
        [
            "total",
            *(by_depth[depth] for depth in DEPTHS),
            len(questions),
            sum(together.values()),
            sum(sensitive.values()),
        ]
    )
    headers = ["theme", *(f"depth {depth}" for depth in DEPTHS), "total", "together", "sensitive"]
    out = [f"Daily questions by theme and depth ({len(questions)})"]
    out += format_table(headers, rows)
    out.append(
        f"(opt-in themes: {', '.join(OPT_IN_THEMES)}; together = assumes a shared home; "
        "sensitive = depth 3, shown with a note that skipping is fine)"
    )

    moods = Counter(line.mood for line in content.recap_lines)
    lists: list[list[object]] = [
        ["jar questions", len(content.jar)],
        ["  assuming a shared home", sum(j.lives_together for j in content.jar)],
        ["warm responses", len(content.warm_responses)],
        ["listening tips", len(content.listening_tips)],
        *(
            [f"recap lines ({mood})", moods[mood]]
            for mood in MOODS  # one row per mood: the recap needs each
        ),
        ["stuck messages", len(content.stuck_messages)],
        ["safety lines", len(content.safety_lines)],
    ]
    out += ["", "Jar and support texts"]
    out += format_table(["bank", "count"], lists)

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
