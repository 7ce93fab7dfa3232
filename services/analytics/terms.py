"""Search terms of the library of practice: one normal form for kk, ru and en words.

A word is reduced to its key by `kelisim.names.word_key` (case folded, Kazakh and Russian
Cyrillic and every Kazakh Latin spelling onto one Latin form, so `жер`, `Жер`, `zher` and
`jer` meet), and lightly stemmed by cutting the longest ending of its text's language
(Kazakh endings again, as they stack), while a stem of at least three letters stays (so
`жерді`, `жерлерді`,
`земли`, `земля` and `lands` reach `jer`, `zeml` and `land`). A query's language is not
known, so each of its words stands for its stems in all three languages. Not a full
morphology: a word whose stem changes, such as `ребёнок`/`дети`, is two terms.
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
RUSSIAN = frozenset(
    {
        "iami", "ami", "iah", "ah", "iam", "am", "ov", "ev", "ei", "oi", "om", "em", "ogo",
        "ego", "omu", "emu", "imi", "ih", "aia", "oe", "ee", "ie", "ia", "iu", "ui", "a",
        "e", "o", "u", "ovat", "irovat", "ili", "ila", "ilo", "il", "at", "et", "it", "ut",
        "iut", "enie", "enia", "eniu", "eniem", "eni", "anie", "ania", "aniu", "aniem", "ani",
    }
)  # fmt: skip
ENGLISH = frozenset(
    {
        "ations", "ation", "ings", "ing", "nes", "ment", "ments", "edly", "ed", "es", "s",
        "ly", "e",
    }
)  # fmt: skip
# Each language's text is stemmed by its own endings (a Kazakh "-ге" is not an English "-ge").
ENDINGS = {
    lang: sorted(endings, key=len, reverse=True)
    for lang, endings in (("kk", KAZAKH), ("ru", RUSSIAN), ("en", ENGLISH))
}
LANGUAGES = tuple(ENDINGS)
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


def stem(word: str, lang: str) -> str:
    """Cut the longest ending of `lang` while MIN_STEM letters stay; Kazakh ones stack."""
    for _ in range(STACKED if lang == "kk" else 1):
        cut = next(
            (e for e in ENDINGS[lang] if word.endswith(e) and len(word) - len(e) >= MIN_STEM),
            None,
        )
        if cut is None:
            break
        word = word[: -len(cut)]
    return word[:80]  # the index column's width


def words(text: str) -> list[str]:
    """The text's words as keys, in order: 2+ letters, no stop words."""
    keys = (latin(match.group()) for match in WORD_RE.finditer(text))
    return [key for key in keys if len(key) >= 2 and key not in STOP]


def terms(text: str, lang: str) -> list[str]:
    """The search terms of a text written in `lang`, in order (repeats kept)."""
    return [stem(word, lang) for word in words(text)]


def query_terms(text: str) -> list[frozenset[str]]:
    """Per word of a query (of unknown language): its terms as each language would stem it."""
    return [frozenset(stem(word, lang) for lang in LANGUAGES) for word in words(text)]


def counts(texts: Iterable[tuple[str, str]]) -> Counter[str]:
    """How often each term occurs in the (language, text) pairs together."""
    tally: Counter[str] = Counter()
    for lang, text in texts:
        tally.update(terms(text, lang))
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
