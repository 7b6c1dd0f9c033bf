"""Rules on structure: ids, flags, counts and shares of each bank's tags.

Tags live in data/en only, so a translation has English's structure; it is checked all the same,
since a translation is shipped (and loaded) on its own.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

from bot.core.content import (
    CHECKIN_PARTS,
    COSTS,
    ENERGIES,
    GESTURE_KINDS,
    MOODS,
    PLACES,
    THEMES,
    Content,
    ritual_lists,
    support_lists,
)
from bot.tools.content_check.report import Report

DEPTHS = (1, 2, 3)
SAFETY_LINES = (2, 3)  # one ends each stuck note; a few keep the notes from reading the same

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
# The rituals: a love map a week for most of a year, a check-in that varies, dates in plenty.
MIN_LOVE_MAPS = 40
MIN_CHECKIN_PER_PART = 4
MIN_DATE_QUESTIONS = 12
MIN_DATE_GESTURES = 20

# --- Minimum shares (fractions of the bank) -------------------------------------------------
MIN_DEPTH_SHARE = 0.20
MIN_GESTURE_KIND_SHARE = 0.12
MIN_GESTURE_DISTANCE_SHARE = 0.20
MIN_ACTIVITY_TAG_SHARE = 0.10
MIN_ACTIVITY_DISTANCE_SHARE = 0.10


def share(count: int, total: int) -> float:
    """`count` as a fraction of `total` (0 for an empty bank)."""
    return count / total if total else 0.0


def _check_ids(content: Content, report: Report) -> None:
    banks: list[tuple[str, Sequence[str]]] = [
        ("daily", [q.id for q in content.questions]),
        ("jar", [j.id for j in content.jar]),
        ("gestures", [g.id for g in content.gestures]),
        ("activities", [a.id for a in content.activities]),
        *((bank, [line.id for line in lines]) for bank, lines in support_lists(content).items()),
        *((bank, [item.id for item in items]) for bank, items in ritual_lists(content).items()),
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
    low, high = SAFETY_LINES
    count = len(content.safety_lines)
    if not low <= count <= high:
        report.add("safety-lines", f"{count} safety lines, need {low} to {high}")


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
        ("love-map questions", len(content.love_maps), MIN_LOVE_MAPS),
        ("questions for important days", len(content.date_questions), MIN_DATE_QUESTIONS),
        ("ideas to prepare important days", len(content.date_gestures), MIN_DATE_GESTURES),
    ]
    parts = Counter(item.part for item in content.checkin)
    counts += [
        (f"check-in prompts for part {part!r}", parts[part], MIN_CHECKIN_PER_PART)
        for part in CHECKIN_PARTS
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


def _check_shares(content: Content, report: Report) -> None:
    def spread(
        what: str, values: Sequence[object], allowed: Sequence[object], minimum: float
    ) -> None:
        counts = Counter(values)
        for value in allowed:
            fraction = share(counts[value], len(values))
            if fraction < minimum:
                report.add(
                    "share",
                    f"{what} {value!r}: {counts[value]} of {len(values)} ({fraction:.0%}), "
                    f"need at least {minimum:.0%}",
                )

    def at_least(what: str, count: int, total: int, minimum: float) -> None:
        fraction = share(count, total)
        if fraction < minimum:
            report.add(
                "share",
                f"{what}: {count} of {total} ({fraction:.0%}), need at least {minimum:.0%}",
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


def check_structure(content: Content, report: Report) -> None:
    """Run the structure rules: unique ids, flags, floors per bank, theme and depth, shares."""
    _check_ids(content, report)
    _check_flags(content, report)
    _check_counts(content, report)
    _check_shares(content, report)
