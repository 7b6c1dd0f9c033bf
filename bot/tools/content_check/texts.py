"""Rules on wording: duplicate and near-duplicate texts, closed questions, jar prompts that ask
for a story, safety lines that name no service, and lengths.

A translation is checked on the texts it translated; those it lacks are English stand-ins, which
the English check covers and the translation check reports as missing.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict

from bot.core.content import Content, TextEntry, text_entries
from bot.tools.content_check.report import Report
from bot.tools.content_check.similarity import similar_pairs
from bot.tools.lang_rules import LangRules

# --- Length limits (characters, the same in every language) ---------------------------------
MAX_QUESTION = 200
MAX_GESTURE = 200
MAX_ACTIVITY = 200
MAX_WARM_RESPONSE = 32
MAX_LISTENING_TIP = 160
MAX_RECAP_LINE = 200
MAX_STUCK_MESSAGE = 500
MAX_SAFETY_LINE = 200  # appended to a stuck note, so it stays one or two sentences
LIMITS = {
    "daily": MAX_QUESTION,
    "jar": MAX_QUESTION,
    "gestures": MAX_GESTURE,
    "distance_alt": MAX_GESTURE,
    "activities": MAX_ACTIVITY,
    "warm_responses": MAX_WARM_RESPONSE,
    "listening_tips": MAX_LISTENING_TIP,
    "recap_lines": MAX_RECAP_LINE,
    "stuck_messages": MAX_STUCK_MESSAGE,
    "safety_lines": MAX_SAFETY_LINE,
    "love_maps": MAX_QUESTION,
    "checkin": MAX_QUESTION,
    "date_questions": MAX_QUESTION,
    "date_gestures": MAX_GESTURE,
}

# --- Safety lines name no service ----------------------------------------------------------
# Services differ by country and change their numbers, so these lines point to "a local support
# line" in words. A digit (a phone number), a web or mail address, or a capitalised word inside
# a sentence (a name) is taken as naming one. The capital test holds in every shipped language:
# Cyrillic and Latin scripts both have case, and Russian, Spanish and Portuguese capitalise
# names but not "you" (the bot says «ты», «tú», «você»; a polite capital «Вы» mid-sentence would
# be flagged). A sentence ends at . ! ? : ; or …, also before a closing quote or bracket
# ("…поддержки.» Ты"), or at a line break; a Spanish one may open with ¿ or ¡. None of these
# marks counts as a word, so the first word after them may be capitalised. A language written
# without case (Chinese, Arabic) would need another sign: this test could not fire there.
SERVICE_SIGNS = re.compile(r"\d|https?:|www\.|@|\.(?:org|com|net)\b", re.IGNORECASE)
SENTENCE_END = re.compile(r"[.!?:;…][»”“\"’')\]]*\s+|\s*\n\s*")

# Banks whose texts are questions a couple answers (compared together for near-duplicates).
QUESTION_BANKS = ("daily", "jar", "love_maps", "checkin", "date_questions")


def exact_key(text: str) -> str:
    """`text` lowercased, without punctuation and extra spaces: equal keys read the same."""
    return " ".join(re.sub(r"[^\w\s]", "", unicodedata.normalize("NFC", text).lower()).split())


def names_a_service(text: str) -> bool:
    """True when a line looks like it names a service: a number, an address or a proper name."""
    if SERVICE_SIGNS.search(text):
        return True
    for sentence in SENTENCE_END.split(text.strip()):
        words = re.findall(r"[\w’']+", sentence)
        if any(w[:1].isupper() and w != "I" and not w.startswith("I’") for w in words[1:]):
            return True
    return False


def _check_duplicates(
    groups: list[list[TextEntry]], rules: LangRules | None, report: Report
) -> None:
    for entries in groups:
        first_with: dict[str, TextEntry] = {}
        for entry in entries:
            bank, content_id, text = entry
            key = exact_key(text)
            if key in first_with and first_with[key][1] != content_id:
                bank_a, id_a, _ = first_with[key]
                report.add(
                    "duplicate-text",
                    f"{bank_a} {id_a} and {bank} {content_id} have the same text: {text!r}",
                    [id_a, content_id],
                )
            else:
                first_with[key] = entry
        if rules is None:
            continue  # without the language's stop words and stems, scores would mean little
        for (bank_a, id_a, text_a), (bank_b, id_b, text_b), score in similar_pairs(entries, rules):
            if id_a != id_b and exact_key(text_a) != exact_key(text_b):
                report.add(
                    "near-duplicate",
                    f"{bank_a} {id_a} and {bank_b} {id_b} are {score:.2f} similar: "
                    f"{text_a!r} / {text_b!r}",
                    [id_a, id_b],
                )


def check_texts(content: Content, rules: LangRules | None, report: Report) -> None:
    """Run the wording rules on the texts of `content` in its own language.

    Without `rules` (the language has no rules module, itself reported) the rules that need
    them are skipped: near-duplicates, closed questions and jar prompts that ask for a story.
    """
    stand_ins = {(gap.bank, gap.id) for gap in content.untranslated}
    banks: dict[str, list[TextEntry]] = defaultdict(list)
    for entry in text_entries(content):
        if entry[:2] not in stand_ins:
            banks[entry[0]].append(entry)
    questions = [entry for bank in QUESTION_BANKS for entry in banks[bank]]
    _check_duplicates(
        [
            # Daily questions across all themes, jar questions, and daily against jar.
            questions,
            # Gestures and their at-a-distance alternatives: an alternative may echo its own
            # gesture (it is shown instead of it) but must not repeat another one.
            banks["gestures"] + banks["distance_alt"] + banks["date_gestures"],
            banks["activities"],
        ],
        rules,
        report,
    )
    if rules is not None:
        for bank, content_id, text in questions:
            reason = rules.closed_question(text)
            if reason:
                report.add(
                    "closed-question", f"{bank} {content_id} {reason}: {text!r}", [content_id]
                )
        for _, content_id, text in banks["jar"]:
            if not rules.asks_for_story(text):
                report.add(
                    "jar-one-word",
                    f"jar {content_id} can be answered in a word; ask for a story or a reason "
                    f"too: {text!r}",
                    [content_id],
                )
    for _, content_id, text in banks["safety_lines"]:
        if names_a_service(text):
            report.add(
                "safety-lines",
                f"safety line {content_id} seems to name a service or organisation: {text!r}",
                [content_id],
            )
    for bank, entries in banks.items():
        for _, content_id, text in entries:
            if len(text) > LIMITS[bank]:
                report.add(
                    "too-long",
                    f"{bank} {content_id} is {len(text)} characters (limit {LIMITS[bank]})",
                    [content_id],
                )
