"""The kinds of prompt (prompts.kind): asked in the group, or privately in parts.

Group prompts (the evening question, a jar draw, an important day's question) are answered by
a reply to their message or privately through their button, and revealed when both answered.
Parts of a round (a love map, a check-in) are only ever asked and answered privately, one after
the other; their round is revealed once both partners answered every part.
"""

from __future__ import annotations

from bot.core.content import CHECKIN_PARTS

QUESTION = "question"
JAR = "jar"
DATE = "date"
LOVE_MAP = ("map", "map_guess")  # a light question about yourself, then a guess about the other
CHECKIN = tuple(f"checkin_{part}" for part in CHECKIN_PARTS)
IN_PARTS = frozenset(LOVE_MAP + CHECKIN)
ASKED_IN_GROUP = frozenset({QUESTION, JAR, DATE})
