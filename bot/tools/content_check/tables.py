"""The printed tables: how each bank spreads over its tags, and how much of it is translated."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

from bot.core.content import (
    CHECKIN_PARTS,
    COSTS,
    ENERGIES,
    GESTURE_KINDS,
    MOODS,
    OPT_IN_THEMES,
    PLACES,
    THEMES,
    Activity,
    Content,
    text_entries,
)
from bot.tools.content_check.structure import DEPTHS, share


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
    return f"{share(count, total):.0%}"


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

    parts = Counter(item.part for item in content.checkin)
    rituals: list[list[object]] = [
        ["love-map questions", len(content.love_maps)],
        *([f"check-in prompts ({part})", parts[part]] for part in CHECKIN_PARTS),
        ["questions for important days", len(content.date_questions)],
        ["ideas to prepare important days", len(content.date_gestures)],
    ]
    out += ["", "Ritual texts"]
    out += format_table(["bank", "count"], rituals)

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


def render_coverage(content: Content) -> list[str]:
    """A translation's table: per bank, its texts, how many are translated, how many not yet."""
    texts = Counter(bank for bank, _, _ in text_entries(content))
    gaps = Counter(gap.bank for gap in content.untranslated)
    rows: list[list[object]] = [
        [bank, count, count - gaps[bank], _percent(count - gaps[bank], count), gaps[bank]]
        for bank, count in texts.items()
    ]
    total, missing = sum(texts.values()), sum(gaps.values())
    rows.append(["total", total, total - missing, _percent(total - missing, total), missing])
    out = [f"Translation {content.lang} over en, bank by bank"]
    out += format_table(["bank", "texts", "translated", "share", "English"], rows)
    out.append(
        "(themes, depths, tags and counts are English's: see --lang en; "
        "English = shown in English until translated)"
    )
    return out
