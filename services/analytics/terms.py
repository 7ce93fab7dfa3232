"""Search terms of the library of practice: one normal form for kk, ru and en words.

A word is case-folded, written in Latin letters (Kazakh and Russian Cyrillic transliterated,
so `жер`, `Жер` and `zher` meet), and lightly stemmed by cutting the longest known ending of
Kazakh, Russian or English inflection while a stem of at least four letters stays (so
`жерді`, `жерлер`, `земли`, `земля` and `lands` reach `zher`, `zem` and `land`). The same
function reads the notes and the queries, so a query finds what the index holds; it is not a
full morphology (a word whose stem changes, such as `ребёнок`/`дети`, is two terms).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping

CYRILLIC = {
    "а": "a", "ә": "a", "б": "b", "в": "v", "г": "g", "ғ": "g", "д": "d", "е": "e",
    "ё": "e", "ж": "zh", "з": "z", "и": "i", "й": "i", "і": "i", "к": "k", "қ": "k",
    "л": "l", "м": "m", "н": "n", "ң": "n", "о": "o", "ө": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ұ": "u", "ү": "u", "ф": "f", "х": "h", "һ": "h",
    "ц": "ts", "ч": "ch", "ш": "sh", "щ": "sh", "ъ": "", "ы": "y", "ь": "", "э": "e",
    "ю": "iu", "я": "ia",
}  # fmt: skip
# Latin spellings of Kazakh that differ from the table's (2021 alphabet, informal habits).
LATIN = {"ä": "a", "ö": "o", "ü": "u", "ū": "u", "ğ": "g", "ñ": "n", "ş": "sh", "ı": "i",
         "j": "zh", "q": "k", "x": "h", "c": "ts", "w": "v", "y": "i"}  # fmt: skip
# Endings after transliteration, longest first; Kazakh plural and case endings, Russian
# noun/adjective/verb endings, English plural and verb endings.
ENDINGS = sorted(
    {
        # Kazakh
        "larimizdin", "lerimizdin", "larinin", "lerinin", "larina", "lerine", "larda",
        "lerde", "larga", "lerge", "lardan", "lerden", "lardi", "lerdi", "lar", "ler",
        "dar", "der", "tar", "ter", "nin", "din", "tin", "ga", "ge", "ka", "ke", "na",
        "ne", "da", "de", "ta", "te", "nan", "nen", "dan", "den", "tan", "ten", "ni",
        "di", "ti", "men", "ben", "pen", "si", "i",
        # Russian
        "iiami", "iami", "ami", "iakh", "akh", "iam", "am", "ov", "ev", "ei", "oi", "om",
        "em", "ogo", "ego", "omu", "emu", "imi", "ykh", "ikh", "aia", "iaia", "oe", "ee",
        "ye", "ie", "ia", "iu", "ui", "yi", "ii", "a", "e", "o", "u", "y",
        "ovat", "irovat", "ili", "ila", "ilo", "il", "at", "et", "it", "ut", "iut",
        "enie", "eniia", "eniiu", "anie", "aniia",
        # English
        "ations", "ation", "ings", "ing", "ness", "ment", "ments", "edly", "ed", "es",
        "s", "ly",
    },
    key=len,
    reverse=True,
)  # fmt: skip
MIN_STEM = 4
WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
STOP = frozenset(
    {
        "the", "and", "for", "with", "that", "this", "from", "was", "were", "are", "not",
        "but", "into", "after", "they", "their", "them", "then", "when", "what",
        "eto", "kak", "chto", "ili", "dlia", "pri", "bylo", "byli", "ego", "oni", "ikh",
        "zhane", "men", "bul", "osy", "sol", "biraq", "ushin", "olar", "edi",
    }
)  # fmt: skip


def latin(word: str) -> str:
    """The word case-folded and in plain Latin letters (Cyrillic and Kazakh Latin alike)."""
    folded = word.casefold()
    out = []
    for ch in folded:
        ch = CYRILLIC.get(ch, ch)
        ch = "".join(LATIN.get(c, c) for c in ch)
        out.append(ch)
    plain = unicodedata.normalize("NFKD", "".join(out))
    return "".join(c for c in plain if c.isascii() and c.isalpha())


def stem(word: str) -> str:
    """Cut the longest known ending while at least MIN_STEM letters stay."""
    for ending in ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= MIN_STEM:
            return word[: -len(ending)]
    return word


def terms(text: str) -> list[str]:
    """The text's search terms, in order (repeats kept): words of 2+ letters, no stop words."""
    found = []
    for match in WORD.finditer(text):
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
