"""Search terms of the library of practice: one normal form for kk, ru and en words.

A word is reduced to its key by `kelisim.names.word_key` (case folded, Kazakh and Russian
Cyrillic and every Kazakh Latin spelling onto one Latin form, so `жер`, `Жер`, `zher` and
`jer` meet), and lightly stemmed by cutting the longest known ending of
Kazakh, Russian or English inflection, again for stacked Kazakh endings, while a stem of at
least three letters stays (so
`жерді`, `жерлер`, `земли`, `земля` and `lands` reach `jer`, `zeml` and `land`). The same
function reads the notes and the queries, so a query finds what the index holds; it is not a
full morphology (a word whose stem changes, such as `ребёнок`/`дети`, is two terms).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping

from kelisim.names import WORD_RE, word_key

# Endings as `word_key` spells them (runs of a letter collapsed), longest first: Kazakh plural,
# possessive and case endings, which stack; Russian noun, adjective and verb endings; English.
KAZAKH = frozenset(
    {
        "larimizdin", "lerimizdin", "larinin", "lerinin", "larina", "lerine", "larda",
        "lerde", "larga", "lerge", "lardan", "lerden", "lardi", "lerdi", "lar", "ler",
        "dar", "der", "tar", "ter", "nin", "din", "tin", "ga", "ge", "ka", "ke", "na",
        "ne", "da", "de", "ta", "te", "nan", "nen", "dan", "den", "tan", "ten", "ni",
        "di", "ti", "men", "ben", "pen", "si", "i",
    }
)  # fmt: skip
OTHERS = frozenset(
    {
        # Russian
        "iami", "ami", "iah", "ah", "iam", "am", "ov", "ev", "ei", "oi", "om", "em", "ogo",
        "ego", "omu", "emu", "imi", "ih", "aia", "oe", "ee", "ie", "ia", "iu", "ui", "a",
        "e", "o", "u", "ovat", "irovat", "ili", "ila", "ilo", "il", "at", "et", "it", "ut",
        "iut", "enie", "enia", "eniu", "eniem", "eni", "anie", "ania", "aniu", "aniem", "ani",
        # English
        "ations", "ation", "ings", "ing", "nes", "ment", "ments", "edly", "ed", "es", "s",
        "ly",
    }
)  # fmt: skip
ENDINGS = sorted(KAZAKH | OTHERS, key=len, reverse=True)
MIN_STEM = 3
STACKED = 3
STOP = frozenset(
    word_key(word)
    for word in (
        "the", "and", "for", "with", "that", "this", "from", "was", "were", "are", "not",
        "but", "into", "after", "they", "their", "them", "then", "when", "what", "это", "как",
        "что", "или", "для", "при", "было", "были", "его", "они", "их", "на", "по", "от", "до",
        "және", "мен", "бұл", "осы", "сол", "бірақ", "үшін", "олар", "еді", "да", "де",
    )
)  # fmt: skip


def latin(word: str) -> str:
    """The word's one key across spellings (kelisim.names: Cyrillic, Kazakh Latin, passports)."""
    return word_key(word)


def stem(word: str) -> str:
    """Cut the longest known ending while MIN_STEM letters stay; Kazakh ones up to STACKED."""
    for _ in range(STACKED):
        cut = next(
            (e for e in ENDINGS if word.endswith(e) and len(word) - len(e) >= MIN_STEM), None
        )
        if cut is None:
            break
        word = word[: -len(cut)]
        if cut not in KAZAKH:
            break  # Russian and English endings do not stack
    return word


def terms(text: str) -> list[str]:
    """The text's search terms, in order (repeats kept): words of 2+ letters, no stop words."""
    found = []
    for match in WORD_RE.finditer(text):
        word = latin(match.group())
        if len(word) < 2 or word in STOP:
            continue
        found.append(stem(word)[:80])  # the index column's width
    return found


def counts(texts: Iterable[str]) -> Counter[str]:
    """How often each term occurs in the texts together."""
    tally: Counter[str] = Counter()
    for text in texts:
        tally.update(terms(text))
    return tally


def cosine(left: Mapping[str, int], right: Mapping[str, int], idf: Mapping[str, float]) -> float:
    """TF-IDF cosine similarity of two term counts (0 when they share nothing)."""
    shared = left.keys() & right.keys()
    if not shared:
        return 0.0

    def weight(tf: int, term: str) -> float:
        return (1 + math.log(tf)) * idf.get(term, 0.0)

    dot = sum(weight(left[t], t) * weight(right[t], t) for t in shared)
    norm_l = math.sqrt(sum(weight(n, t) ** 2 for t, n in left.items()))
    norm_r = math.sqrt(sum(weight(n, t) ** 2 for t, n in right.items()))
    return dot / (norm_l * norm_r) if norm_l and norm_r else 0.0


def idf(document_frequency: Mapping[str, int], documents: int) -> dict[str, float]:
    """Smoothed inverse document frequency of each term."""
    return {t: math.log((1 + documents) / (1 + df)) + 1 for t, df in document_frequency.items()}
