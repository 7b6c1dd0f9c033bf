"""Content-checker rules for Brazilian Portuguese."""

from __future__ import annotations

import re
import unicodedata


def _strip_accents(text: str) -> str:
    """The text without diacritics: "você" -> "voce", "ação" -> "acao"."""
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")


# Function words every question shares, so the near-duplicate comparison weighs content words.
# Texts are written with accents, but a tokenizer may strip them first: both forms are listed.
# fmt: off
_STOP_WORDS_ACCENTED = (
    # Articles and contractions of prepositions with articles or pronouns.
    "o", "a", "os", "as", "um", "uma", "uns", "umas", "de", "do", "da", "dos", "das", "dum",
    "duma", "em", "no", "na", "nos", "nas", "num", "numa", "ao", "aos", "à", "às", "pelo",
    "pela", "pelos", "pelas", "dele", "dela", "deles", "delas", "nele", "nela", "disso",
    "nisso", "disto", "nisto", "daquilo", "naquilo", "desse", "dessa", "nesse", "nessa",
    "deste", "desta", "neste", "nesta", "daquele", "daquela", "naquele", "naquela",
    # Prepositions and conjunctions, with the spoken "pra"/"pro" forms.
    "por", "para", "pra", "pro", "pras", "pros", "com", "sem", "sobre", "entre", "até",
    "desde", "após", "contra", "e", "ou", "mas", "nem", "se", "que", "porque", "quando",
    "como", "onde", "quanto", "quanta", "quantos", "quantas", "qual", "quais", "quem",
    "então", "também", "já", "ainda", "só", "mais", "menos", "muito", "muita", "muitos",
    "muitas", "bem", "tão", "tanto", "tanta",
    # Pronouns: "você" for the partner, "a gente"/"nós" for the couple.
    "eu", "me", "mim", "comigo", "meu", "minha", "meus", "minhas", "você", "vocês", "te",
    "ti", "contigo", "seu", "sua", "seus", "suas", "teu", "tua", "ele", "ela", "eles",
    "elas", "lhe", "lhes", "nós", "gente", "nosso", "nossa", "nossos", "nossas", "conosco",
    "isso", "isto", "aquilo", "esse", "essa", "esses", "essas", "este", "esta", "estes",
    "estas", "aquele", "aquela", "aqueles", "aquelas", "algo", "alguém", "algum", "alguma",
    "alguns", "algumas", "cada", "outro", "outra", "outros", "outras",
    # Common auxiliaries in the forms questions use.
    "é", "são", "era", "eram", "foi", "foram", "ser", "sido", "está", "estão", "estava",
    "estar", "esteve", "tem", "têm", "tinha", "ter", "teve", "tido", "há", "houve", "vai",
    "vou", "vamos", "ir", "faz", "fez", "fazer", "seria", "teria", "pode", "poderia",
    "deve", "deveria", "sente", "sentiu",
    # Question scaffolding almost every prompt shares ("o que mais…", "por quê").
    "quê", "porquê", "mais", "vez", "hoje", "agora",
)
# fmt: on
STOP_WORDS: frozenset[str] = frozenset(
    _STOP_WORDS_ACCENTED + tuple(_strip_accents(word) for word in _STOP_WORDS_ACCENTED)
)

# Plural endings, tried first so "lugares" and "lugar" meet before the other endings go.
# fmt: off
_PLURALS = (
    ("coes", "cao"), ("oes", "ao"), ("aes", "ao"),  # "relações" -> "relação"
    ("res", "r"), ("zes", "z"), ("ses", "s"), ("is", "l"),  # "lugares", "vezes", "papéis"
    ("s", ""),  # "coisas" -> "coisa"
)
# Then one common ending, longest first: adverbs, -ção nouns, gerunds, participles,
# infinitives. Verbs and nouns of one root then share a stem ("lembrar", "lembrando").
_ENDINGS = (
    "mente",  # "realmente" -> "real"
    "cao",  # "relação" -> "rela", after the plural step turned "-ções" into "-ção"
    "ando", "endo", "indo",  # "lembrando" -> "lembr"
    "ado", "ada", "ido", "ida",  # "cansado", "cansada" -> "cans"
    "ar", "er", "ir",  # "lembrar" -> "lembr"
)
# fmt: on
# A stem keeps at least this many letters, so short words ("mês", "paz") stay whole.
_MIN_STEM = 3


def _cut(word: str, suffix: str, replacement: str = "") -> str | None:
    """`word` with `suffix` replaced, if it ends so and enough letters stay, else None."""
    if word.endswith(suffix) and len(word) - len(suffix) >= _MIN_STEM:
        return word[: -len(suffix)] + replacement
    return None


def stem(word: str) -> str:
    """A light stem: lower-cased, accents stripped, plural and one common ending cut."""
    base = _strip_accents(word.lower())
    for suffix, replacement in _PLURALS:
        cut = _cut(base, suffix, replacement)
        if cut is not None:
            base = cut
            break
    for suffix in _ENDINGS:
        cut = _cut(base, suffix)
        if cut is not None:
            return cut
    return base


# --- Closed questions -----------------------------------------------------------------------
# Openings that invite "sim" or "não": a verb first ("Você já…?", "Tem…?", "É…?"), a "would you
# rather" ("O que você prefere: …?"), or a choice between two. Matched on the lower-cased text
# with its accents, because "É…?" (is it) asks yes/no while "E…?" (and) does not; letters that
# writers sometimes leave unaccented accept both forms ("voce", "ja").
_CLOSED_OPENINGS = re.compile(
    r"^(?:"
    r"(?:e\s+)?voc[eê]\s+(?:j[aá]|ainda|gostaria|pode|poderia|quer|queria|acha|sente|costuma|"
    r"tem|é|est[aá]|sabe|lembra|conhece|curte|consegue|deveria|acredita|concorda)\b"
    r"|(?:é|era|ser[aá]|seria|foi|tem|tinha|teria|existe|existia|h[aá]|havia|pode|poderia|"
    r"devemos|dever[ií]amos|vamos|podemos|poder[ií]amos|sabe|quer|gostaria|j[aá])(?!\w)"
    r"|a\s+gente\s+(?:j[aá]|pode|poderia|deveria|devia|tem)\b"
    r")"
)
# "O que você prefere: …?" and "Você prefere … ou …?" are the Portuguese "would you rather".
_RATHER = re.compile(r"prefere\s*:|^(?:voc[eê]\s+)?prefere\b")
# "…, ou não?" turns any question into a yes/no one.
_OR_NOT = re.compile(r"\bou\s+n[aã]o\s*\?\s*$")


def closed_question(text: str) -> str | None:
    """A short reason when the text reads as a yes/no or closed question, else None."""
    lowered = " ".join(text.lower().split())
    # An opening quote or bracket does not change how the question reads.
    start = lowered.lstrip("«\"'“(¿ ")
    if _RATHER.search(start):
        return "reads as 'would you rather' (prefere …)"
    if _CLOSED_OPENINGS.match(start):
        return "starts like a yes/no question"
    if _OR_NOT.search(lowered):
        return "ends with 'ou não?', so it reads as yes/no"
    if not lowered.endswith("?"):
        return "does not end with '?'"
    return None


# --- Jar prompts ask for a story or a reason --------------------------------------------------
# A jar prompt is drawn for an evening's talk, so it must show a why/how/story word or a
# follow-up question ("…, e o que isso te lembra?"); one word must not be enough to answer it.
_STORY_WORDS = re.compile(
    r"\b(?:"
    r"por\s+que|porque|por\s+qu[eê]|como|o\s+que|conta|conte|contar|descreve|descreva|"
    r"hist[oó]ria|hist[oó]rias|aconteceu|lembra|lembrar|lembran[cç]a|explica|explique|"
    r"qual\s+foi\s+o\s+motivo|o\s+que\s+fez|o\s+que\s+te\s+fez|de\s+que\s+jeito|"
    r"em\s+que\s+sentido|pra\s+qu[eê]|para\s+qu[eê]"
    r")\b",
    re.IGNORECASE,
)
# "…, e qual…?" / "…, e de onde…?" / "…, e que nome…?": a second question, maybe behind a
# preposition, asks for more than the first word ("and what", "and where from" in English).
_FOLLOW_UP = re.compile(
    r"\b(?:e|ou)\s+(?:(?:de|da|do|com|pra|pro|para|a|em|no|na|por)\s+)?"
    r"(?:qual|quais|quem|onde|aonde|quando|quanto|quanta|quantos|quantas|quão|que|como)\b",
    re.IGNORECASE,
)


def asks_for_story(text: str) -> bool:
    """True when a jar prompt asks for a story, a reason or a description, not one word."""
    return bool(_STORY_WORDS.search(text) or _FOLLOW_UP.search(text))
