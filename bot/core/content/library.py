"""Every language's content in one object that reads as the language being spoken.

Items keep English's ids, tags and order in every language, so what is picked (by id, from
English's structure) is the same item whatever the language; only the words differ. Code
asks `content.by_id[...]`, `content.warm_responses` and so on, and gets the words of the
language `bot.i18n` is speaking at that moment.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, cast

from bot.core.content.banks import Content, ContentError
from bot.core.content.loading import DATA_DIR, translate
from bot.i18n import LANGUAGES, SOURCE, current

log = logging.getLogger(__name__)
# Translations laid over an English content, by its identity: building a Simulation (tests)
# with the same content again costs nothing.
_laid: dict[int, tuple[Content, dict[str, Content]]] = {}


class Library:
    """The contents of every language Hearth speaks, read in the one being spoken."""

    def __init__(self, contents: dict[str, Content]) -> None:
        """`contents` holds English and its translations, by language."""
        self.contents = contents

    def of(self, language: str) -> Content:
        """One language's content (English for one without its own)."""
        return self.contents.get(language) or self.contents[SOURCE]

    def __getattr__(self, name: str) -> Any:
        """Any attribute of the content of the language being spoken."""
        return getattr(self.of(current()), name)


def library(english: Content, base: Path = DATA_DIR) -> Content:
    """English and every translation of it under `base`, as one content in the language being
    spoken (typed as Content: it answers everything a Content does)."""
    if id(english) not in _laid:
        contents = {SOURCE: english}
        for language in LANGUAGES:
            if language == SOURCE or not (base / language).is_dir():
                continue
            try:
                contents[language] = translate(english, language, base)
            except ContentError as error:
                # Content trimmed for a test, say: this language shows English's words.
                log.warning("no %s content over this English: %s", language, error)
        _laid[id(english)] = (english, contents)
    return cast(Content, Library(_laid[id(english)][1]))
