"""Matching people's names across spellings: Kazakh and Russian Cyrillic, Kazakh Latin, passports.

One name reaches us in many spellings: Жанар / Janar / Zhanar, Әсел / Äsel / Asel / Assel / Асель,
Қайрат / Qairat / Kairat / Qayrat, Нұрлан / Nūrlan / Nurlan. `name_key` maps every spelling of a
word onto one comparable *key* (lowercase ASCII), so two spellings are the same name exactly when
their keys are equal. The key is lossy on purpose — Ы/И/Й/І all become `i`, doubled letters
collapse, Ә/А become `a` — because for search and for anonymity a rare false match costs less
than a missed one.

The key is built in four steps:
1. case folding and the letters of every Kazakh Latin alphabet (2021: ä ö ü ū ğ q ñ ş ç ı i̇;
   2018 acutes: á ó ú ý ǵ ń; 2017 apostrophes: a' s' c' ...; scholarly ž š č), and Kazakh and
   Russian Cyrillic,
   are written out in plain Latin letters and digraphs (ж → zh, ш → sh, х → kh, ю → yu, ...);
2. digraphs and letters that passports and alphabets spell differently fold into one symbol:
   zh/j/dzh → j, sh/sch/shch → w, kh/h → h, ch → c, q/c → k, x → ks, y → i, w → u;
3. a leading `ie` (Ye-rlan, Ye-vgeniy), and `ie` after a vowel (Zhumaba-ye-v), become `e`;
4. runs of one letter collapse (Assel → asel, Dmitrii → dmitri).

`NameMatcher` recognises, in running text, any spelling of a name *and* its inflected forms: the
stem plus a Kazakh case/plural ending (Жанарға, Нұрланның, Qairatpen) or a Russian one
(Жанара, Нұрланом, Асели, Анной). Both sides go through the key, so an ending written in Latin
on a name declared in Cyrillic still matches.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

# Step 1a: letters with their own meaning in a Kazakh Latin alphabet, before accents are stripped
# (ý is У in the 2018 alphabet; ş/ç are Ш/Ч in 2021; i̇ decomposes to i + a combining dot).
_LATIN_LETTERS: dict[str, str] = {
    "ä": "a", "ö": "o", "ü": "u", "ū": "u", "ğ": "g", "ǵ": "g", "ñ": "n", "ń": "n",
    "ş": "sh", "ș": "sh", "ç": "ch", "ž": "zh", "š": "sh", "č": "ch", "ı": "i",
    "á": "a", "ó": "o", "ú": "u", "ý": "u",
}  # fmt: skip

# Step 1b: Kazakh and Russian Cyrillic in a passport-style Latin (the fold below evens it out).
_CYRILLIC: dict[str, str] = {
    "а": "a", "ә": "a", "б": "b", "в": "v", "г": "g", "ғ": "g", "д": "d", "е": "e", "ё": "e",
    "ж": "zh", "з": "z", "и": "i", "й": "y", "і": "i", "к": "k", "қ": "q", "л": "l", "м": "m",
    "н": "n", "ң": "n", "о": "o", "ө": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u",
    "ұ": "u", "ү": "u", "ф": "f", "х": "kh", "һ": "h", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
}  # fmt: skip

# 2017 Kazakh Latin wrote the special letters with an apostrophe (S'olpan, A'sel, C'ingis).
_APOSTROPHE_LETTERS: dict[str, str] = {
    "a'": "a", "g'": "g", "i'": "i", "n'": "n", "o'": "o", "u'": "u", "y'": "u",
    "c'": "ch", "s'": "sh",
}  # fmt: skip

# Step 2: one symbol per sound whatever the spelling; longest alternatives first, one pass.
_FOLD: dict[str, str] = {
    "shch": "w", "sch": "w", "dzh": "j", "sh": "w", "zh": "j", "dj": "j", "kh": "h",
    "gh": "g", "ch": "c", "c": "k", "q": "k", "x": "ks", "y": "i", "w": "u",
}  # fmt: skip

_APOSTROPHES = "'’ʼ`"
_APOSTROPHE_RE = re.compile(
    "|".join(re.escape(k[0]) + f"[{_APOSTROPHES}]" for k in _APOSTROPHE_LETTERS)
)
_FOLD_RE = re.compile("|".join(sorted(_FOLD, key=len, reverse=True)))
_NOT_KEY = re.compile(r"[^a-z]+")
_RUNS = re.compile(r"(.)\1+")
_VOWELS = frozenset("aeiou")
# Е after a vowel is 'ye' in passports and 'e' elsewhere: Zhumabayev / Жұмабаев.
_IOTATED_E = re.compile(r"([aeou])ie")

# A word of running text: letters (with combining marks such as the dot of i̇), and inner
# apostrophes so that 2017-alphabet spellings stay one word.
_LETTER = r"(?:[^\W\d_]|[\u0300-\u036f])"
WORD_RE = re.compile(rf"{_LETTER}+(?:[{_APOSTROPHES}]{_LETTER}+)*")

# Kazakh endings after a name: case (dative, genitive, accusative, locative, ablative,
# instrumental), plural, -дағы and possessive-plus-case chains, in all their vowel-harmony and
# consonant-assimilation variants. Russian endings: the noun cases of male and female names and
# of -ов/-ев/-ин surnames. Keys of these endings are what is compared.
KAZAKH_ENDINGS: tuple[str, ...] = (
    "ға", "ге", "қа", "ке", "а", "е", "на", "не",
    "ның", "нің", "дың", "дің", "тың", "тің", "ың", "ің",
    "ны", "ні", "ды", "ді", "ты", "ті", "ын", "ін", "н",
    "да", "де", "та", "те", "нда", "нде",
    "нан", "нен", "дан", "ден", "тан", "тен", "ан", "ен",
    "мен", "бен", "пен", "менен", "бенен", "пенен",
    "дағы", "дегі", "тағы", "тегі",
    "лар", "лер", "дар", "дер", "тар", "тер",
    "ларға", "лерге", "дарға", "дерге", "тарға", "терге",
    "лардың", "лердің", "дардың", "дердің", "тардың", "тердің",
    "ларды", "лерді", "дарды", "дерді", "тарды", "терді",
    "лармен", "лермен", "дармен", "дермен", "тармен", "термен",
    "ша", "ше", "шы", "ші", "жан", "ым", "ім", "ыма", "іме",
)  # fmt: skip
RUSSIAN_ENDINGS: tuple[str, ...] = (
    "а", "я", "у", "ю", "е", "и", "ы", "ом", "ем", "ём", "ым", "им", "ой", "ей", "ою", "ею",
    "ов", "ев", "ова", "ева", "ову", "еву", "овой", "евой", "овым", "евым", "ове", "еве",
    "ин", "ина", "ину", "иной", "иным", "ине", "ых", "их", "ам", "ами", "ах",
)  # fmt: skip


def _spell_out(word: str) -> str:
    """Step 1: a word in lowercase plain Latin letters and digraphs (accents and marks dropped)."""
    text = unicodedata.normalize("NFC", word).casefold()
    text = _APOSTROPHE_RE.sub(lambda m: _APOSTROPHE_LETTERS[m.group(0)[0] + "'"], text)
    text = "".join(_CYRILLIC.get(ch, _LATIN_LETTERS.get(ch, ch)) for ch in text)
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def _collapse(key: str) -> str:
    """Step 4: runs of one letter become one letter."""
    return _RUNS.sub(r"\1", key)


@functools.lru_cache(maxsize=4096)
def word_key(word: str) -> str:
    """The comparable key of one word (a single name), e.g. 'Жанар' and 'Zhanar' -> 'janar'.

    Kept for the 4,096 words last asked: a text's check asks for each of its words several
    times (names by form, bare names, street words), and texts share most of their words.
    """
    folded = _FOLD_RE.sub(lambda m: _FOLD[m.group(0)], _spell_out(word))
    key = _NOT_KEY.sub("", folded)
    if key.startswith("ie") and len(key) > 2:
        key = key[1:]
    return _collapse(_IOTATED_E.sub(r"\1e", key))


def name_words(name: str) -> list[str]:
    """The words of a (full) name or of a text, in order: 'Жанар Әлиева-Серік' -> 3 words."""
    return WORD_RE.findall(name)


def name_key(name: str) -> str:
    """The comparable key of a full name: the keys of its words joined by one space."""
    return " ".join(k for k in (word_key(w) for w in name_words(name)) if k)


def _ending_keys(endings: Iterable[str]) -> frozenset[str]:
    # The keys of the endings themselves; 'ie' at the start of an ending is not a leading Ye.
    return frozenset(
        _collapse(_NOT_KEY.sub("", _FOLD_RE.sub(lambda m: _FOLD[m.group(0)], _spell_out(e))))
        for e in endings
    )


ENDING_KEYS: frozenset[str] = _ending_keys(KAZAKH_ENDINGS + RUSSIAN_ENDINGS) - {""}

# Words shorter than this (as keys) are initials or particles, not names to look for.
MIN_KEY_LENGTH = 3


def _stems(key: str) -> set[str]:
    # Russian declension drops a final vowel (Анна -> Анну, Мария -> Марии); keep both stems.
    stems = {key}
    if len(key) >= MIN_KEY_LENGTH and key[-1] in _VOWELS:
        stems.add(key[:-1])
        if key[-2] == "i" and len(key) > MIN_KEY_LENGTH:  # -ия / -ya: Мария -> Мари-ей
            stems.add(key[:-2])
    return stems


@functools.lru_cache(maxsize=256)
def inflected_keys(word: str) -> frozenset[str]:
    """The keys of a name word and of every inflected form of it (name + a known ending).

    Kept for the 256 words last asked (about 200 forms, 21 KB, each: 5 MB at most): every
    escalation and practice note of a case checks the same parties' names, and building the
    forms was a tenth of the cases service's CPU on an escalation (issue 13, py-spy).
    """
    key = word_key(word)
    if len(key) < MIN_KEY_LENGTH:
        return frozenset()
    forms = {key}
    for stem in _stems(key):
        # `_collapse(stem + ending)`: a key has no runs, nor has a stem cut from it or an
        # ending's key, so the only run is of two letters where they meet.
        last = stem[-1]
        forms.update(stem + (e[1:] if e[0] == last else e) for e in ENDING_KEYS)
    return frozenset(forms)


def is_name_form(word: str, name: str) -> bool:
    """Whether one word of text is a spelling or an inflected form of a word of `name`."""
    key = word_key(word)
    return any(key in inflected_keys(part) for part in name_words(name))


@dataclass(frozen=True)
class NameHit:
    """A word of text that is a form of a known name."""

    start: int
    end: int
    word: str
    name: str


class NameMatcher:
    """Finds every spelling and inflected form of some names in running text, fast."""

    def __init__(self, names: Iterable[str]) -> None:
        # Each word's forms as `inflected_keys` keeps them, in the order declared: a text asks
        # about a few dozen words, so merging a few hundred forms per word into one dict first
        # cost more than it saved (an escalation's check builds a matcher for one summary).
        self._forms: list[tuple[frozenset[str], str]] = [
            (forms, name)
            for name in names
            for part in name_words(name)
            if (forms := inflected_keys(part))
        ]

    def match(self, word: str) -> str | None:
        """The declared name this word is a form of (the first declared), or None."""
        key = word_key(word)
        for forms, name in self._forms:
            if key in forms:
                return name
        return None

    def find(self, text: str) -> Iterator[NameHit]:
        """Every word of `text` that is a form of one of the names, with its position."""
        for m in WORD_RE.finditer(text):
            name = self.match(m.group(0))
            if name is not None:
                yield NameHit(m.start(), m.end(), m.group(0), name)


def name_matches(query: str, name: str) -> bool:
    """Whether every word of a search query is a spelling, inflection or prefix of a name's word.

    For search boxes: 'zhanar' finds 'Жанар Әлиева', 'Әлиевой' and 'Али' find it too.
    """
    query_keys = [word_key(w) for w in name_words(query)]
    parts = name_words(name)
    if not query_keys or not parts:
        return False
    part_keys = [word_key(p) for p in parts]
    part_forms = [inflected_keys(p) for p in parts]
    return all(
        any(
            q and (k.startswith(q) or q in forms)
            for k, forms in zip(part_keys, part_forms, strict=True)
        )
        for q in query_keys
    )
