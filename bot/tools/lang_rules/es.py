"""Content-checker rules for Spanish."""

from __future__ import annotations

import re
import unicodedata


def _fold(text: str) -> str:
    """Lower-case `text` and drop its accents and diaeresis, keeping «ñ»."""
    # «ñ» is a letter of its own («año» is not «ano»), so only the combining tilde survives.
    decomposed = unicodedata.normalize("NFD", text.lower())
    kept = "".join(c for c in decomposed if not unicodedata.combining(c) or c == "\u0303")
    return unicodedata.normalize("NFC", kept)


# --- Near-duplicate texts -------------------------------------------------------------------
# Articles, prepositions, pronouns, conjunctions, common auxiliaries and the question words
# nearly every prompt shares: they say nothing about what a text asks, so two questions that
# differ only in them are the same question. Writers and keyboards drop accents unevenly
# («que»/«qué», «tu»/«tú»), so each word is listed as written and with its accents stripped.
# fmt: off
_STOP_WORDS_WRITTEN = (
    # Articles and contractions.
    "el", "la", "los", "las", "un", "una", "unos", "unas", "lo", "al", "del",
    # Prepositions.
    "a", "ante", "bajo", "con", "contra", "de", "desde", "durante", "en", "entre", "hacia",
    "hasta", "mediante", "para", "por", "según", "sin", "sobre", "tras",
    # Conjunctions.
    "y", "e", "o", "u", "ni", "pero", "sino", "que", "si", "aunque", "porque", "pues",
    "como", "cuando", "donde", "mientras", "entonces",
    # Personal pronouns and possessives.
    "yo", "me", "mí", "conmigo", "tú", "te", "ti", "contigo", "él", "ella", "ellos", "ellas",
    "le", "les", "se", "sí", "consigo", "nos", "nosotros", "nosotras", "usted", "ustedes",
    "mi", "mis", "tu", "tus", "su", "sus", "nuestro", "nuestra", "nuestros", "nuestras",
    "mío", "mía", "míos", "mías", "tuyo", "tuya", "tuyos", "tuyas", "suyo", "suya",
    # Demonstratives.
    "este", "esta", "estos", "estas", "esto", "ese", "esa", "esos", "esas", "eso",
    "aquel", "aquella", "aquello",
    # Question words.
    "qué", "cómo", "cuál", "cuáles", "cuándo", "dónde", "adónde", "quién", "quiénes",
    "cuánto", "cuánta", "cuántos", "cuántas",
    # Auxiliaries and the forms of «ser», «estar», «haber» questions lean on.
    "es", "son", "era", "fue", "fuera", "sería", "ser", "sea", "está", "están", "estar",
    "estás", "estaba", "eres", "soy", "somos", "ha", "has", "he", "han", "hemos", "hay",
    "había", "habría", "haber", "hubo", "puedes", "podrías", "puede", "podría",
    # Scaffolding most prompts share («lo más … que alguna vez …»).
    "más", "muy", "ya", "también", "alguna", "algún", "alguno", "algo", "vez", "veces",
    "no", "solo", "tan", "tanto", "todo", "toda", "todos", "todas",
)
# fmt: on
STOP_WORDS: frozenset[str] = frozenset(
    _STOP_WORDS_WRITTEN + tuple(_fold(word) for word in _STOP_WORDS_WRITTEN)
)

# Derivational and gerund endings, longest first so «-aciones» wins over «-ciones».
# fmt: off
_SUFFIXES = (
    "amientos", "imientos", "amiento", "imiento", "aciones", "iciones", "ciones", "siones",
    "acion", "icion", "cion", "sion", "idades", "idad", "mente", "iendo", "yendo", "ando",
    "ismos", "ismo", "istas", "ista", "ables", "able", "ibles", "ible",
)
# fmt: on
# «-es» is a plural only after a consonant a Spanish word can end in («flores», «paredes»);
# after anything else («padres», «clases») just the «-s» goes.
_PLURAL_ES_AFTER = frozenset("lrndzjy")
_MIN_STEM = 3


def stem(word: str) -> str:
    """A light stem: lower-cased, unaccented, without plural, gender vowel or common ending."""
    folded = _fold(word)
    for suffix in _SUFFIXES:
        if folded.endswith(suffix) and len(folded) - len(suffix) >= _MIN_STEM:
            return folded[: -len(suffix)]
    if folded.endswith("es") and len(folded) - 2 >= _MIN_STEM and folded[-3] in _PLURAL_ES_AFTER:
        folded = folded[:-2]
    elif folded.endswith("s") and len(folded) - 1 >= _MIN_STEM:
        folded = folded[:-1]
    # A final -o/-a/-e is mostly gender or the singular of an «-es» plural («amigo»/«amiga»,
    # «padre»/«padres»): dropping it lets those forms meet.
    if folded[-1:] in ("a", "o", "e") and len(folded) - 1 >= _MIN_STEM:
        folded = folded[:-1]
    return folded


# --- Closed questions -----------------------------------------------------------------------
# An open Spanish question opens on a question word, perhaps after «y» or a preposition
# («¿Con quién…?», «¿Por qué…?»). Anything else after «¿» («¿Alguna vez…?», «¿Has…?», «¿Te
# gustaría…?», «¿Es…?», «¿Hay…?») is answered with «sí» or «no». Only the first «¿…?» counts:
# an open question may be followed by a yes/no one as a nudge, and a clause before «¿» («Si
# pudieras…, ¿qué…?», «Cuéntame…: ¿qué pasó?») is part of the prompt, not the question.
# fmt: off
QUESTION_WORDS = frozenset((
    "qué", "cómo", "cuál", "cuáles", "cuándo", "dónde", "adónde", "quién", "quiénes",
    "cuánto", "cuánta", "cuántos", "cuántas",
))
_LEAD_INS = frozenset((
    "y", "e", "pero", "entonces", "a", "ante", "con", "contra", "de", "desde", "en", "entre",
    "hacia", "hasta", "para", "por", "según", "sobre", "tras", "bajo",
))
# fmt: on
_MAX_LEAD_INS = 2
_FOLDED_QUESTION_WORDS = frozenset(_fold(word) for word in QUESTION_WORDS)
# The openers writers reach for most, with the name a reason shows them.
_CLOSED_OPENERS = (
    ("alguna vez", "«¿Alguna vez…?»"),
    ("te gustaría", "«¿Te gustaría…?»"),
    ("has ", "«¿Has…?»"),
    ("puedes", "«¿Puedes…?»"),
    ("es ", "«¿Es…?»"),
    ("hay ", "«¿Hay…?»"),
)
# «¿Qué prefieres: A o B?» picks one of two given answers: a "would you rather".
_WOULD_YOU_RATHER = re.compile(r"\b(?:prefieres|preferirías|prefieras)\b.*\b[ou]\b")
_WORD = re.compile(r"[^\W\d_]+")


def closed_question(text: str) -> str | None:
    """A short reason if `text` reads as a yes/no or closed question, else None."""
    lowered = " ".join(text.lower().split())
    if not lowered.endswith("?"):
        return "no termina con «?»"
    if "¿" not in lowered:
        return "no abre la pregunta con «¿»"
    if lowered.endswith(("o no?", "¿no?", "¿verdad?", "¿sí?")):
        return "termina pidiendo un sí o un no («o no?», «¿verdad?»)"
    question = lowered.split("¿", 1)[1].split("?", 1)[0]
    if _WOULD_YOU_RATHER.search(question):
        return "hace elegir entre dos opciones («¿Qué prefieres: … o …?»)"
    for opener, name in _CLOSED_OPENERS:
        if question.startswith(opener):
            return f"abre con {name}: se contesta con sí o no"
    words = _WORD.findall(question)
    for position, word in enumerate(words[: _MAX_LEAD_INS + 1]):
        if word in QUESTION_WORDS:
            return None
        if _fold(word) in _FOLDED_QUESTION_WORDS:
            # «¿Que…?» without its accent is «that», not «what»: the writer meant «¿Qué…?».
            return f"abre con «{word}» sin tilde: escribe «{word}» con su acento"
        if word not in _LEAD_INS or position == _MAX_LEAD_INS:
            break
    first = words[0] if words else ""
    return f"abre con «{first}», no con qué, cómo, cuál…: se contesta con sí o no"


# --- Jar prompts ask for a story or a reason --------------------------------------------------
# A jar prompt is drawn for an evening's talk, so «¿Cuál es tu color favorito?» (one word and
# done) is out even though it opens on «cuál». The checker cannot read, so it looks for a
# visible sign: a why/how/story word, or a second question («…, y qué…?», another «¿…?») that
# turns a one-word answer into a reason.
STORY_WORDS = re.compile(
    r"\b(?:por qué|porque|cómo|cuéntame|cuéntanos|cuenta|cuéntale|describe|descríbeme|"
    r"historia|historias|anécdota|pasó|ocurrió|sucedió|recuerd\w*|te hizo|te hace|"
    r"hace que|hizo que|para qué|qué significa|qué significó|qué sentiste|qué sientes)\b"
)
FOLLOW_UP = re.compile(
    r"(?:,|\b[ye])\s+(?:\w+\s+)?(?:qué|cuál|cuáles|cuándo|dónde|adónde|quién|quiénes|cómo|"
    r"cuánto|cuánta|cuántos|cuántas)\b"
)


def asks_for_story(text: str) -> bool:
    """True when a prompt asks for a story, a reason or a description, not a single word."""
    lowered = " ".join(text.lower().split())
    if STORY_WORDS.search(lowered) or FOLLOW_UP.search(lowered):
        return True
    # Two questions in one prompt («¿Cuál…? ¿Y qué…?») ask for more than a word.
    return lowered.count("¿") >= 2
