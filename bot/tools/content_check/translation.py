"""Rules on a translation against English: texts missing, left blank, or still in English.

The optional banks (the rituals', newer than the translations) are not reported missing or
blank: they show in English until translated. A text translated there is checked like any other.
"""

from __future__ import annotations

from collections import defaultdict

from bot.core.content import Content, text_entries
from bot.tools.content_check.report import Report
from bot.tools.content_check.texts import exact_key

# A text this short may rightly read the same in both languages (a name, "OK", "Ciao!").
SAME_TEXT_MAX_WORDS = 2
LISTED_IDS = 5  # a message names this many ids; the problem carries them all


def _some(ids: list[str]) -> str:
    more = len(ids) - LISTED_IDS
    return ", ".join(ids[:LISTED_IDS]) + (f" and {more} more" if more > 0 else "")


def check_translation(content: Content, english: Content, report: Report) -> None:
    """Report, bank by bank, the texts `content` lacks or left blank, and those still English."""
    missing: dict[str, list[str]] = defaultdict(list)
    blank: dict[str, list[str]] = defaultdict(list)
    for gap in content.untranslated:
        (blank if gap.blank else missing)[gap.bank].append(gap.id)
    for bank, ids in missing.items():
        report.add(
            "untranslated",
            f"{len(ids)} {bank} text(s) have no translation (English is shown): {_some(ids)}",
            ids,
        )
    for bank, ids in blank.items():
        report.add(
            "empty-text",
            f"{len(ids)} {bank} text(s) are empty or whitespace (English is shown): {_some(ids)}",
            ids,
        )
    # A text copied over and never translated looks translated to every other rule.
    english_texts = {(bank, content_id): text for bank, content_id, text in text_entries(english)}
    stand_ins = {(gap.bank, gap.id) for gap in content.untranslated}
    for bank, content_id, text in text_entries(content):
        original = english_texts.get((bank, content_id), "")
        if (
            (bank, content_id) not in stand_ins
            and len(original.split()) > SAME_TEXT_MAX_WORDS
            and exact_key(text) == exact_key(original)
        ):
            report.add(
                "same-as-english",
                f"{bank} {content_id} is the same as its English text: {text!r}",
                [content_id],
            )
