"""Content-checker rules for Russian."""

from __future__ import annotations

import re

# --- Near-duplicate comparison ----------------------------------------------------------------
# Words nearly every question shares (pronouns, prepositions, conjunctions, particles, question
# words, "быть"/"мочь" and the like). Left in, they would make any two questions look alike;
# taken out, the comparison weighs the words that carry a question's idea.
# fmt: off
STOP_WORDS: frozenset[str] = frozenset((
    # conjunctions, particles
    "и", "а", "но", "или", "либо", "да", "же", "ли", "бы", "б", "не", "ни", "то", "ведь",
    "вот", "вон", "уж", "ещё", "еще", "уже", "лишь", "только", "даже", "если", "чтобы", "чтоб",
    "что", "чем", "чём", "как", "так", "также", "тоже", "потому", "поэтому", "хоть", "хотя",
    "пусть", "будто", "словно", "ну", "этот", "эта", "эти", "это", "этого", "этой",
    "этом", "этому", "этим", "этих", "эту", "тот", "та", "те", "того", "той", "тому", "том",
    "тем", "тех", "ту", "такой", "такая", "такое", "такие", "такую", "таком", "такого",
    # prepositions
    "в", "во", "на", "с", "со", "к", "ко", "по", "о", "об", "обо", "от", "ото", "из", "изо",
    "у", "за", "для", "до", "без", "над", "под", "при", "про", "через", "между", "перед",
    "после", "около", "вокруг", "среди", "ради",
    # personal and possessive pronouns
    "я", "меня", "мне", "мной", "мною", "ты", "тебя", "тебе", "тобой", "тобою", "он", "его",
    "него", "ему", "нему", "им", "ним", "нём", "нем", "она", "её", "ее", "неё", "нее", "ей",
    "ней", "оно", "мы", "нас", "нам", "нами", "вы", "вас", "вам", "вами", "они", "их", "них",
    "ими", "ними", "себя", "себе", "собой", "мой", "моя", "моё", "мое", "мои", "моего", "моей",
    "моему", "моим", "моих", "мою", "моём", "моем", "твой", "твоя", "твоё", "твое", "твои",
    "твоего", "твоей", "твоему", "твоим", "твоих", "твою", "твоём", "твоем", "наш", "наша",
    "наше", "наши", "нашего", "нашей", "нашему", "нашим", "наших", "нашу", "нашем", "ваш",
    "ваша", "ваше", "ваши", "свой", "своя", "своё", "свое", "свои", "своего", "своей",
    "своему", "своим", "своих", "свою", "своём", "своем",
    # "друг друга" (each other) is in half the couple texts; as "friend" the word is rarer
    "друг", "друга", "другу", "другом", "друге",
    # question words: every question has one, so they tell questions apart poorly
    "кто", "кого", "кому", "кем", "ком", "чего", "чему", "какой", "какая", "какое", "какие",
    "какого", "какую", "каком", "какому", "каким", "какими", "каких", "которые", "который",
    "которая", "которое", "которую", "котором", "которого", "которой", "когда", "где", "куда",
    "откуда", "почему", "зачем", "сколько",
    # "to be", "can" and the scaffolding of "the most ... ever"
    "быть", "был", "была", "было", "были", "будет", "будут", "есть", "мочь", "может", "можешь",
    "можно", "самый", "самая", "самое", "самые", "самого", "самой", "самым", "самых", "самую",
    "всё", "все", "всего", "всех", "весь", "вся", "всю", "всем", "когда-нибудь", "когда-то",
    "сейчас", "тогда", "там", "тут", "здесь",
))
# fmt: on

# Inflectional endings, longest first so "-ами" goes before "-и". Russian inflects nouns,
# adjectives and verbs by ending, so cutting these lets "воспоминание" and "воспоминания" or
# "тёплый" and "тёплая" count as the same word in the comparison.
# fmt: off
_ENDINGS: tuple[str, ...] = tuple(sorted((
    "иями", "ями", "ами", "ого", "его", "ому", "ему", "ыми", "ими", "ой", "ей", "ый", "ий",
    "ая", "яя", "ое", "ее", "ые", "ие", "ую", "юю", "ом", "ем", "ам", "ям", "ах", "ях", "ых",
    "их", "ов", "ев", "ия", "ью", "ться", "тся", "ешь", "ишь", "ете", "ите", "ет",
    "ит", "ут", "ют", "ат", "ят", "им", "ть", "ти", "ся", "сь", "ла", "ло", "ли", "а",
    "я", "о", "е", "ы", "и", "у", "ю", "ь", "й",
), key=len, reverse=True))
# fmt: on
_MIN_STEM = 3


def stem(word: str) -> str:
    """A light stem: the longest listed ending cut off, as long as 3 letters stay."""
    word = word.lower().replace("ё", "е")
    for ending in _ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= _MIN_STEM:
            return word[: -len(ending)]
    return word


# --- Closed questions -------------------------------------------------------------------------
# Openings that make a Russian question a yes/no one: "have you ever", "is there", "can you",
# "would you like", and the "would you rather" forms ("что бы ты выбрал(а): …").
_CLOSED_OPENINGS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(?:а\s+)?ты\s+когда-нибудь\b"), "opens with «Ты когда-нибудь…», a yes/no"),
    (re.compile(r"^когда-нибудь\b"), "opens with «Когда-нибудь…», a yes/no"),
    (re.compile(r"^(?:есть|был|была|было|были|будет)\s+ли\b"), "«Есть ли…» asks yes or no"),
    (re.compile(r"^(?:можешь|можно|могу|сможешь)\s+ли\b"), "«Можешь ли…» asks yes or no"),
    (
        re.compile(r"^(?:ты\s+)?(?:хотел|хотела|хотел\(а\)|хотелось)\s+бы\b"),
        "«Хотел(а) бы…» asks yes or no",
    ),
    (
        re.compile(r"\b(?:что|кого|какой|какую|какое)\s+бы\s+ты\s+(?:выбрал|предпоч[её]л)"),
        "a «что бы ты выбрал(а)» question is a 'would you rather'",
    ),
    (re.compile(r"\bты\s+бы\s+(?:предпоч[её]л|выбрал)"), "a «ты бы предпочёл» question"),
    (re.compile(r"^(?:что|кого)\s+(?:ты\s+)?выберешь\b"), "«Что ты выберешь…» offers a choice"),
    (re.compile(r"^что\s+лучше\s*:"), "«Что лучше: … или …?» offers a choice"),
)
# A question whose first sentence has a verb or noun followed by "ли" ("Любишь ли ты…?",
# "Помнишь ли…?") is yes/no unless a question word came first ("Как понять, нужен ли…?").
_LI_PARTICLE = re.compile(r"^\s*(?:\w+[\s,]+){0,2}ли\b")
# Words that make a sentence an open question or a request for a story; any of them means the
# question can be answered with more than "да" or "нет".
_QUESTION_WORD = re.compile(
    r"\b(?:что|чего|чему|чем|чём|кто|кого|кому|кем|ком|как|какой|какая|какое|какие|какого|"
    r"какую|каком|какому|каким|какими|каких|каков\w*|когда|где|куда|откуда|почему|зачем|"
    r"сколько|чей|чья|чьё|чьи|чьих|чьим|чью|чьей|которы\w*|котор\w+|расскажи|вспомни|опиши|"
    r"назови|поделись|представь|объясни)\b"
)
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


def _normalise(text: str) -> str:
    # Lowercase, one space between words, and «ё» as «е» so either spelling matches the rules.
    return " ".join(text.lower().replace("ё", "е").split())


def closed_question(text: str) -> str | None:
    """Why `text` reads as a closed (yes/no) question or not a question at all, else None."""
    lowered = _normalise(text)
    if not lowered.endswith("?"):
        return "does not end with «?»"
    if re.search(r"\bили\s+нет\s*\?$", lowered):
        return "ends with «…или нет?», a yes/no question"
    sentences = [s for s in _SENTENCE_END.split(lowered) if s]
    for sentence in sentences:
        # A leading dash or quote should not hide the opening from the patterns below.
        opening = sentence.lstrip("—–-«\"' ")
        for pattern, reason in _CLOSED_OPENINGS:
            if pattern.search(opening):
                return reason
    before_li = _LI_PARTICLE.match(sentences[-1])
    if before_li and not _QUESTION_WORD.search(before_li.group(0)):
        return "a «…ли» question asks yes or no"
    # An invitation before the question («Вспомни…. Что тогда…?») opens it up as well.
    if not any(_QUESTION_WORD.search(s) for s in sentences):
        return "has no question word, so it reads as a yes/no question"
    return None


# --- Jar prompts ask for a story or a reason ------------------------------------------------
# A jar prompt fills an evening, so "Какой твой любимый цвет?" (one word and done) is out.
# The checker cannot read, so it looks for a visible sign: a why/how/story word, or a second
# question joined to the first ("…, и почему?", "…, и что ты…?").
_STORY_WORDS = re.compile(
    r"\b(?:почему|зачем|как|каким\s+образом|чем|расскажи|вспомни|опиши|объясни|представь|"
    r"истори\w*|случил\w*|произошл\w*|напомина\w*|потому|откуда|что\s+в\s+н\w+|"
    r"что\s+(?:тебя|тебе)\s+в)\b"
)
_FOLLOW_UP = re.compile(
    r"(?:,\s*|—\s*|\s)(?:и|или|а)\s+(?:(?:для|с|со|о|об|за|про|в|во|на|к|у|от|из|по)\s+)?(?:что|кто|кого|кому|где|куда|когда|какой|какая|какое|"
    r"какие|какую|каким|какими|каких|каком|какого|чем|чему|чего|сколько|насколько|каков\w*)\b"
)


def asks_for_story(text: str) -> bool:
    """True when a jar prompt visibly asks for a story, a reason or a description."""
    lowered = _normalise(text)
    if _STORY_WORDS.search(lowered):
        return True
    # Two questions in one prompt ("Что…, и кто…?") ask for more than one word.
    questions = [s for s in re.split(r"(?<=\?)\s+", lowered) if s.endswith("?")]
    return len(questions) > 1 or bool(_FOLLOW_UP.search(lowered))
