"""Content checker: every shipped language, its schema, structure, wording and translation.

Per language it checks the schema (as loaded), unique ids, sensitive questions kept at depth 3,
an at-a-distance alternative for every gesture that needs the partners together, the floors of
each bank, theme and depth, and the shares of their tags (structure.py); exact and TF-IDF
near-duplicate texts, closed questions, jar prompts that ask for a story or a reason, safety
lines that name no service, and lengths (texts.py, with the language's rules from
bot/tools/lang_rules/, itself a problem when missing); and for a translation, English texts it
lacks, leaves blank or copies unchanged (translation.py).
Run it with `python -m bot check-content [--lang xx] [--data DIR]`: every language, English
first, or only `--lang`; it prints each language's tables, then every problem found, and exits 1
when any language has one.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.core.content import (
    DATA_DIR,
    Content,
    ContentError,
    load_content,
    shipped_languages,
    translate,
)
from bot.tools.content_check.report import Problem, Report
from bot.tools.content_check.structure import check_structure
from bot.tools.content_check.tables import render_coverage, render_tables
from bot.tools.content_check.texts import check_texts
from bot.tools.content_check.translation import check_translation
from bot.tools.lang_rules import LangRules, RulesError, load_rules

__all__ = ["Problem", "Report", "check", "main"]


def check(content: Content, english: Content | None = None) -> Report:
    """Run every rule on loaded content and return the problems found (prints nothing).

    A translation is also checked against `english`, the English content it was laid over.
    """
    report = Report()
    rules: LangRules | None = None
    try:
        rules = load_rules(content.lang)
    except RulesError as error:
        report.add(
            "lang-rules", f"{error}; near-duplicates, closed questions and jar stories unchecked"
        )
    if content.lang != "en":
        if english is None:
            raise ValueError(f"checking {content.lang!r} needs the English content it overlays")
        check_translation(content, english, report)
    check_structure(content, report)
    check_texts(content, rules, report)
    return report


def _check_language(lang: str, english: Content, base: Path) -> bool:
    """Print one language's tables and problems; True when it has none."""
    try:
        content = translate(english, lang, base)
    except ContentError as error:
        print(f"content could not be loaded (schema error): {error}")
        return False
    print("\n".join(render_tables(content) if lang == "en" else render_coverage(content)))
    report = check(content, english)
    print()
    if report.ok:
        print(f"{lang}: content OK")
        return True
    print(f"{lang}: {len(report.problems)} problem(s):")
    for problem in report.problems:
        print(f"  [{problem.rule}] {problem.message}")
    return False


def main(argv: list[str] | None = None) -> int:
    """Load, check and print every shipped language (or `--lang`); 0 when clean, 1 otherwise."""
    parser = argparse.ArgumentParser(
        prog="python -m bot check-content", description="Check Hearth's content banks."
    )
    parser.add_argument("--lang", help="check only this language folder (default: all of them)")
    parser.add_argument(
        "--data", type=Path, default=DATA_DIR, help=f"content root (default: {DATA_DIR})"
    )
    args = parser.parse_args(argv)
    languages = [args.lang] if args.lang else list(shipped_languages(args.data))
    try:
        # Every translation is laid over English: read it once for all of them.
        english = load_content("en", args.data)
    except ContentError as error:
        print(f"content could not be loaded (schema error): {error}")
        return 1
    failed = []
    for n, lang in enumerate(languages):
        print(("\n" if n else "") + f"=== {lang} ===")
        if not _check_language(lang, english, args.data):
            failed.append(lang)
    print()
    if failed:
        print(f"problems in {', '.join(failed)} (of {', '.join(languages)})")
        return 1
    print(f"content OK ({', '.join(languages)})")
    return 0
