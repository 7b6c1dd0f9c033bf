"""Near-duplicate texts: TF-IDF vectors of each language's stemmed words, compared by cosine."""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

from bot.core.content import TextEntry
from bot.tools.lang_rules import LangRules

# Texts are lowercased, stripped of punctuation and of their language's stop words, stemmed by
# their language's rules (English: a final "s" or "ing" goes), then compared as TF-IDF vectors:
# each token weighs log((1 + N) / (1 + df)) + 1 times its count, N the texts compared together
# and df how many of them use the token, and a pair's cosine similarity >= the threshold is
# flagged. Rare words weigh most, so two questions sharing "swap lives with an animal" score
# high while two sharing only "moment" and "feel" do not, which plain word overlap (the first
# edition's Jaccard check) could not tell apart. Measured on data/en, second edition (680 daily
# and 170 jar questions compared together, 190 gestures with their 98 at-a-distance
# alternatives, 170 activities; well under 0.1 s for all of it):
#   * the highest honest pairs score 0.56 and below, questions that share a rare word but ask
#     different things: "When have you felt ashamed or proud about money, and what did that
#     moment show you?" / "Tell me about a moment you felt ashamed. What did you need then that
#     you didn't get?" (0.56), "What do you need from me when we disagree, so that you feel
#     heard?" / "How can we tell a problem that needs solving from a feeling that just needs to
#     be heard?" (0.56); the highest gesture pair (an alternative against another gesture)
#     scores 0.55, the highest activity pair 0.44;
#   * rephrasings score above it:
#       "What small thing made you smile today that I might have missed?" with "little" for
#       "small" and "may" for "might"                                               -> 0.89
#       "Which song, jingle, or tune has been stuck in your head lately, ...?" without
#       "jingle, or tune"                                                            -> 0.78
#       "... the best bite of food you had this week, and what made it so good?" ending
#       "and why was it so good?"                                                    -> 0.94
#       and two twins the first edition shipped, daily against jar: "If you could swap lives
#       with any animal for a day, ...?" / "If you could swap lives with a pet for a day,
#       ...?" (0.63), "If you could shrink to the size of a mouse for an afternoon, where would
#       you go exploring?" / "If you could shrink down for one afternoon, ...?" (0.66)
# so 0.6 sits just under the looser twins and above every honest pair. Rewording most of a
# question still slips under it ("... the best thing you ate this week ..." scores 0.49): the
# check catches copy-edits and pasted twins; ideas asked twice in other words were hunted once
# with a sentence-embedding model while writing the second edition, not at every run.
#
# Translations use the same threshold. A translation of two distinct English questions differs
# about as much as they do, and where a light stemmer leaves inflected forms apart (Russian
# cases, Spanish and Portuguese verb endings) a rephrasing scores lower, not higher. On the
# first drafts of the ru, es and pt_BR questions (850 daily and jar each, with their own rules
# modules) the highest pairs scored 0.55 (es), 0.598 (pt_BR) and 0.63 (ru, one pair English
# scores 0.36, sharing «представляешь», «больше» and «надежд-»): the range of English's honest
# pairs, so one threshold holds. A language gets its own only once its finished bank has been
# measured like the English one above.
SIMILARITY_THRESHOLD = 0.6
# Runs of Unicode letters and digits, so Cyrillic and accented words stay whole; hyphens split
# words ("self-conscious", "когда-нибудь"), as the English check always did.
WORD = re.compile(r"[^\W_]+")


def tokens(text: str, rules: LangRules) -> list[str]:
    """The stemmed lowercase words of `text`, punctuation stripped, without stop words."""
    # NFC first: an accent typed as a combining mark would otherwise split its word in two.
    lowered = unicodedata.normalize("NFC", text).lower()
    words = WORD.findall(re.sub(r"['’]", "", lowered))
    return [rules.stem(word) for word in words if word not in rules.stop_words]


class TfIdf:
    """TF-IDF weighting learnt from a set of texts: tokens rare among them weigh the most."""

    def __init__(self, texts: Iterable[str], rules: LangRules) -> None:
        self._rules = rules
        docs = [Counter(tokens(text, rules)) for text in texts]
        frequency = Counter(token for doc in docs for token in doc)
        self._size = len(docs)
        self._idf = {token: self._weight(count) for token, count in frequency.items()}
        self.vectors = [self._normalised(doc) for doc in docs]

    def _weight(self, document_frequency: int) -> float:
        return math.log((1 + self._size) / (1 + document_frequency)) + 1

    def _normalised(self, counts: Counter[str]) -> dict[str, float]:
        # A token none of the texts used weighs like the rarest possible one.
        unseen = self._weight(0)
        raw = {token: n * self._idf.get(token, unseen) for token, n in counts.items()}
        norm = math.sqrt(sum(w * w for w in raw.values()))
        return {token: w / norm for token, w in raw.items()} if norm else {}

    def vector(self, text: str) -> dict[str, float]:
        """The unit-length TF-IDF vector of any text, weighted by the texts learnt from."""
        return self._normalised(Counter(tokens(text, self._rules)))

    def similarity(self, a: str, b: str) -> float:
        """Cosine similarity of two texts' vectors (0 when either has no content word)."""
        va, vb = self.vector(a), self.vector(b)
        return sum(w * vb.get(token, 0.0) for token, w in va.items())


def similar_pairs(
    entries: Sequence[TextEntry], rules: LangRules, threshold: float = SIMILARITY_THRESHOLD
) -> list[tuple[TextEntry, TextEntry, float]]:
    """Pairs of entries whose TF-IDF cosine is >= threshold, found through an inverted index."""
    vectors = TfIdf((text for _, _, text in entries), rules).vectors
    # Only pairs sharing a token have a non-zero dot product: add them up token by token.
    index: dict[str, list[tuple[int, float]]] = defaultdict(list)
    pairs = []
    for n, mine in enumerate(vectors):
        dots: defaultdict[int, float] = defaultdict(float)
        for token, weight in mine.items():
            for m, other in index[token]:
                dots[m] += weight * other
        pairs += [(entries[m], entries[n], dot) for m, dot in dots.items() if dot >= threshold]
        for token, weight in mine.items():
            index[token].append((n, weight))
    return pairs
