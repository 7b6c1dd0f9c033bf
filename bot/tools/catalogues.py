"""The translation catalogues: extract the texts, update each language's `.po`, check that
every shipped language is complete, and compile the `.mo` files the bot reads.

    python -m bot.tools.catalogues extract     # bot/locale/hearth.pot from the sources
    python -m bot.tools.catalogues update      # merge the template into every .po
    python -m bot.tools.catalogues check [--lang ru]
    python -m bot.tools.catalogues compile     # .po -> .mo (scripts/setup.sh runs this)
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from bot.i18n import DOMAIN, LANGUAGES, LOCALE_DIR, SOURCE, compiled

ROOT = LOCALE_DIR.parent.parent
PACKAGES = ("bot", "handlers")
KEYWORDS = {"_": None, "ngettext": (1, 2)}
TEMPLATE = LOCALE_DIR / f"{DOMAIN}.pot"
PLACEHOLDER = re.compile(r"\{[a-z_]*\}")
TAG = re.compile(r"</?[a-z]+")


def po_path(language: str) -> Path:
    """Where a language's catalogue lives."""
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def template() -> Catalog:
    """Every translatable text in the sources, as a fresh catalogue."""
    catalog = Catalog(project="Hearth", domain=DOMAIN)
    method_map = [("**.py", "python")]
    for package in PACKAGES:
        for filename, lineno, message, comments, context in extract_from_dir(
            ROOT / package, method_map, keywords=KEYWORDS, strip_comment_tags=True
        ):
            catalog.add(
                message,
                locations=[(f"{package}/{filename}", lineno)],
                auto_comments=comments,
                context=context,
            )
    return catalog


def read(path: Path, language: str) -> Catalog:
    """A `.po` file as a catalogue."""
    with path.open("rb") as source:
        return read_po(source, locale=language)


def write(catalog: Catalog, path: Path) -> None:
    """Write a catalogue without source locations (they churn on every edit)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        write_po(out, catalog, width=100, no_location=True, omit_header=False, sort_output=True)


@dataclass
class Findings:
    """What is wrong with one language's catalogue."""

    language: str
    missing: list[str] = field(default_factory=list)
    fuzzy: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    mismatched: list[str] = field(default_factory=list)  # placeholders or tags differ

    @property
    def ok(self) -> bool:
        """Nothing to fix."""
        return not (self.missing or self.fuzzy or self.stale or self.mismatched)

    def lines(self) -> list[str]:
        """One line per problem, for people."""
        out = []
        for label, ids in (
            ("missing", self.missing),
            ("fuzzy", self.fuzzy),
            ("stale", self.stale),
            ("placeholders or tags differ", self.mismatched),
        ):
            out += [f"{self.language}: {label}: {_short(i)}" for i in ids]
        return out


def _short(msgid: str) -> str:
    flat = msgid.replace("\n", "⏎")
    return flat if len(flat) <= 90 else flat[:87] + "…"


def _shape(text: str) -> tuple[list[str], list[str]]:
    return sorted(PLACEHOLDER.findall(text)), sorted(TAG.findall(text))


def _texts(value: object) -> tuple[str, ...]:
    """A message's id or string as a tuple (one item, or one per plural form)."""
    if isinstance(value, str):
        return (value,)
    if isinstance(value, tuple | list):
        return tuple(str(v or "") for v in value)
    return ("",)


def check(language: str, source: Catalog, catalog: Catalog) -> Findings:
    """Compare one language's catalogue with the template extracted from the sources."""
    found = Findings(language)
    wanted = {_texts(m.id)[0] for m in source if m.id}
    for message in catalog.obsolete.values():
        found.stale.append(_texts(message.id)[0])
    for message in catalog:
        if not message.id:
            continue
        ids, strings = _texts(message.id), _texts(message.string)
        key = ids[0]
        if key not in wanted:
            found.stale.append(key)
        elif not all(s.strip() for s in strings):
            found.missing.append(key)
        elif message.fuzzy:
            found.fuzzy.append(key)
        elif not _same_shape(ids, strings):
            found.mismatched.append(key)
    present = {_texts(m.id)[0] for m in catalog if m.id}
    found.missing += sorted(wanted - present)
    return found


def _same_shape(ids: tuple[str, ...], strings: tuple[str, ...]) -> bool:
    """The translation keeps the placeholders and tags. A plural form may drop the number
    ("one question"), so it only needs placeholders the English forms have."""
    names = {name for text in ids for name in _shape(text)[0]}
    tags = _shape(ids[0])[1]
    for text in strings:
        their_names, their_tags = _shape(text)
        if their_tags != tags or not set(their_names) <= names:
            return False
    return len(ids) > 1 or set(_shape(strings[0])[0]) == names


def translations() -> tuple[str, ...]:
    """The shipped languages that have a catalogue (all but the source)."""
    return tuple(language for language in LANGUAGES if language != SOURCE)


def check_all(languages: Iterable[str]) -> list[Findings]:
    """Check every given language against the sources."""
    source = template()
    results = []
    for language in languages:
        path = po_path(language)
        if not path.exists():
            results.append(Findings(language, missing=[f"(no catalogue at {path})"]))
            continue
        results.append(check(language, source, read(path, language)))
    return results


def update(languages: Iterable[str]) -> None:
    """Merge the template into each `.po`: new texts appear empty, removed ones are dropped."""
    source = template()
    write(source, TEMPLATE)
    for language in languages:
        path = po_path(language)
        catalog = read(path, language) if path.exists() else Catalog(locale=language)
        catalog.update(source, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        catalog.project, catalog.domain, catalog.fuzzy = "Hearth", DOMAIN, False
        write(catalog, path)


def compile_all(languages: Iterable[str]) -> None:
    """Compile each `.po` into the `.mo` the bot reads."""
    for language in languages:
        path = po_path(language)
        if path.exists():
            path.with_suffix(".mo").write_bytes(compiled(path, language))


def main(argv: list[str] | None = None) -> int:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bot.tools.catalogues")
    parser.add_argument("action", choices=("extract", "update", "check", "compile"))
    parser.add_argument("--lang", action="append", choices=translations())
    args = parser.parse_args(argv)
    languages = args.lang or translations()
    if args.action == "extract":
        write(template(), TEMPLATE)
    elif args.action == "update":
        update(languages)
    elif args.action == "compile":
        compile_all(languages)
    else:
        results = check_all(languages)
        for result in results:
            print("\n".join(result.lines()) or f"{result.language}: complete")
        return 0 if all(r.ok for r in results) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
