"""Content-checker rules for English."""

from __future__ import annotations

import re

# --- Near-duplicate texts -------------------------------------------------------------------
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


def stem(word: str) -> str:
    """A light stem: "memories" -> "memory", "stories" -> "story", "walking" -> "walk"."""
    if len(word) > 5 and word.endswith("ing"):
        return word[:-3]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


# --- Closed questions -----------------------------------------------------------------------
# A question starting with one of these reads as a yes/no question ("Do you like tea?").
# fmt: off
AUXILIARY_VERBS = frozenset((
    "do", "does", "did", "are", "is", "was", "were", "have", "has", "had", "can", "could",
    "would", "will", "should", "shall", "may", "might", "must", "am",
))
# fmt: on


def closed_question(text: str) -> str | None:
    """Why `text` reads as a closed question or is not a question at all, else None."""
    words = text.split()
    first = re.sub(r"[^\w]", "", words[0].lower()) if words else ""
    lowered = " ".join(text.lower().split())
    if lowered.startswith("would you rather"):
        return "is a 'would you rather' question"
    if first in AUXILIARY_VERBS:
        return "starts with an auxiliary verb, so it reads as a yes/no question"
    if lowered.endswith("or not?"):
        return "ends with 'or not?', so it reads as a yes/no question"
    if not lowered.endswith("?"):
        return "does not end with '?'"
    return None


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


def asks_for_story(text: str) -> bool:
    """True when a prompt visibly asks for a story, a reason or a description."""
    lowered = text.lower()
    return bool(STORY_WORDS.search(lowered) or FOLLOW_UP.search(lowered))
