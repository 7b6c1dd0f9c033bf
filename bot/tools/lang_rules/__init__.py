"""Per-language rules of the content checker: one module per data/<lang>/ folder, named alike.

Each module (en.py, ru.py, es.py, pt_BR.py...) defines exactly this, and the checker needs
nothing else from it:

    STOP_WORDS: frozenset[str]                     words the near-duplicate comparison ignores
    def stem(word: str) -> str: ...                light stemming for that comparison
    def closed_question(text: str) -> str | None:  why `text` reads as a yes/no or closed
                                                   question (or no question at all), else None
    def asks_for_story(text: str) -> bool: ...     a jar prompt asks for a story, a reason or a
                                                   description, not a one-word answer
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

INTERFACE = ("STOP_WORDS", "stem", "closed_question", "asks_for_story")


class RulesError(Exception):
    """A language has no rules module, or its module lacks part of the interface."""


@dataclass(frozen=True)
class LangRules:
    """One language's checker rules, as its module defines them."""

    lang: str
    stop_words: frozenset[str]
    stem: Callable[[str], str]
    closed_question: Callable[[str], str | None]
    asks_for_story: Callable[[str], bool]


def load_rules(lang: str) -> LangRules:
    """The rules module of `lang`, checked against the interface; RulesError if it falls short."""
    if not lang.isidentifier():
        raise RulesError(f"no rules module can be named {lang!r}: name the folder like pt_BR")
    path = f"bot/tools/lang_rules/{lang}.py"
    name = f"{__name__}.{lang}"
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name != name:
            raise  # the module exists but imports something missing: show that error
        raise RulesError(f"no rules module {path} (defines {', '.join(INTERFACE)})") from None
    missing = [attribute for attribute in INTERFACE if not hasattr(module, attribute)]
    if missing:
        raise RulesError(f"{path} lacks {', '.join(missing)}")
    stop_words = module.STOP_WORDS
    if not isinstance(stop_words, frozenset) or not all(isinstance(w, str) for w in stop_words):
        raise RulesError(f"{path}: STOP_WORDS must be a frozenset of strings")
    functions = (module.stem, module.closed_question, module.asks_for_story)
    if not all(callable(function) for function in functions):
        raise RulesError(f"{path}: stem, closed_question and asks_for_story must be functions")
    return LangRules(
        lang=lang,
        stop_words=stop_words,
        # A bank repeats the same words thousands of times: stem each one once.
        stem=lru_cache(maxsize=None)(module.stem),
        closed_question=module.closed_question,
        asks_for_story=module.asks_for_story,
    )
