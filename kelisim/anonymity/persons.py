"""A person's name told by how it is written, whoever's it is: with initials (А.Б. Жумабаев,
Жумабаев А.Б., Н. Назарбаев), with a patronymic (Иван Петрович, Асқар Нұрланұлы), with a
form of address (г-н Петров, Mr Ivanov, Жанар ханым), or bare, as a given name and a surname
(Иван Петров, Жанар Сейткали, Petrov Ivan, Ивана Петрова, Жанар Сейткалиевамен).

A text may name someone the source's facts do not list (a witness, an official, anyone in a
proposal, which comes from no case, or in a practice note's general text). The first three
forms are kept narrow on purpose: a place written with its abbreviation ("г. Алматы",
"Г. Петропавловск" at a sentence's start) is not a name.

A bare name is two words side by side, in either order, one of them a common given name
(`given_names`, compared by kelisim.names.word_key, so any spelling, transliteration or
Kazakh/Russian case form meets: Ивана, Асели, Zhanarga) and the other a
surname: a Russian-style one (-ов/-ев/-ин, -ова/-ева/-ина, -ский/-ская, -енко; Latin -ov,
-ova, ...), a Kazakh one (-ұлы/-қызы, or a father's name: -бай, -бек, -бол, -қали, -ғали,
-хан, -жан), each perhaps with a case ending (Петровқа, Нурлановой), or another given name as
listed (Айгүл Төлеген; "Серік Жанарға хат жазды" is a sentence). A register's order, the
surname, a comma and the given name as listed ("Петров, Иван", "Zhumabayev, Nurlan"), is a
name too; two given names parted by a comma ("Марат, Айгүл") are a list, and a blank line
parts any pair. Both words are capitalised (or upper-case); a pair with a word in lowercase
("иван петров", "асқар нұрланұлы", "жанар сейткали", "петров, иван") is asked of
kelisim.anonymity.lowercase, whose shape is narrower (a Russian-shaped surname or a Kazakh
patronymic that agrees with the given name in gender and case and is no common noun's plural,
or two given names as listed, one a Kazakh man's; no given name that is an ordinary word:
"роза ветров", "родительская любовь", "иван кредитов не брал" pass). Decisions, weighing a
leaked person against a refused sentence:
- a surname alone is never a name (проспект Назарбаева, Назарбаев Университет, судья Петров,
  Президент Тоқаев): it names streets, institutions and historic figures too often; nor is a
  given name alone (Марат Астанаға көшті);
- a name right after a street word (улица, проспект, пр., переулок, площадь, мкр, имени,
  памятник) or before a place or institution word (көшесі, даңғылы, ауданы, атындағы,
  мектебі, университеті, Street, University, ...) names a place, in every form above
  ("улица Шокана Валиханова", "Мағжан Жұмабаев ауданы", "Бауыржан Момышұлы даңғылы", "Л.Н.
  Гумилев атындағы университет"); so does a bare one after район / село / аул / город when
  its given name is inflected, as a place's name is ("район Магжана Жумабаева"; "аким района
  Иван Петров" is a person);
- the Head of State named with the office (Президент / Мемлекет басшысы / Глава государства
  Қасым-Жомарт Тоқаев) is public and passes, as a proposal quotes the annual address;
- a historic figure written in full with no such word ("Абай Құнанбаев өлеңдері") is found
  like anyone: the check cannot tell them from a party, and a writer names them by one word;
- given names that are also places, months, holidays or words (Жамбыл, Наурыз, Нұр: the
  list's `WORD_NAMES`) are a given name only beside a capitalised surname ("Наурыз Абенов",
  "Жамбыл Сатыбалдиев"), never beside another given name or another of them ("Алтай Дархан")
  nor in lowercase, so "Жамбыл облысы", "Наурыз мейрамы", "праздник Наурыз" pass, and "Жамбыл
  Жабаев атындағы", "улица Жамбыла Жабаева" by the place words above; a title (Аким) is in
  neither list, and a few cities shaped as surnames (Қонаев, Саратов, Берлин) are no surname;
- a capitalised word shaped as a surname beside a capitalised given name is a surname, though
  in lowercase it would be a noun's plural ("Иван Кредитов", "Иван Долгов"): Russian writes
  no common noun with a capital inside a sentence, so the writer has named someone;
- "Лев Толстой", "лев толстой" pass: Толстой has no surname's ending; a writer named in full
  with one ("Жамбыл Жабаевтың өлеңдері") is found, as any historic figure above.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

from kelisim.anonymity import lowercase
from kelisim.anonymity.given_names import GIVEN_NAMES, WORD_NAMES
from kelisim.anonymity.text import Finding
from kelisim.names import KAZAKH_ENDINGS, RUSSIAN_ENDINGS, word_key

_UPPER = "A-ZА-ЯЁӘҒҚҢӨҰҮҺІ"
_LOWER = "a-zа-яёәғқңөұүһі"
_WORD = rf"[{_UPPER}][{_LOWER}]+(?:-[{_UPPER}][{_LOWER}]+)?"
_INITIAL = rf"[{_UPPER}]\.\s?"
# A surname's ending, then perhaps a Russian or Kazakh case ending (Петрову, Ахметовым,
# Жумабаевқа, Сейітовтің): not any letters, or a word like "Ұсынысты" would end as a surname.
_CASE_ENDING = (
    "а|у|ым|ой|е|ых|ыми|ом|"
    "қа|ке|ға|ге|тың|тің|ның|нің|ты|ті|ны|ні|та|те|да|де|тан|тен|дан|ден|нан|нен|пен|бен|мен"
)
_SURNAME = (
    rf"[{_UPPER}][{_LOWER}]+(?:ов|ев|ёв|ин|ын|ский|ская|цкий|цкая|енко|ov|ev|in|yn|sky|skaya)"
    rf"(?:{_CASE_ENDING})?"
)
_PATRONYMIC = rf"[{_UPPER}][{_LOWER}]{{3,}}(?:ович|евич|овна|евна|ична|ұлы|улы|қызы|кызы|uly|kyzy)"
# Forms of address before a name (г-ну, госпоже: any case), and after one in Kazakh.
_ADDRESS_BEFORE = (
    r"[гГ]-н\w*|[гГ]-ж\w*|[гГ]осподин\w*|[гГ]оспож\w*|[мМ]истер\w*|[мМ]иссис|Mr|Mrs|Ms|Dr"
)
_WORD_END = rf"(?![{_LOWER}{_UPPER}\-])"
_WORD_START = rf"(?<![{_LOWER}{_UPPER}.\-])"

_FORMS = re.compile(
    _WORD_START
    + "(?:"
    # two initials before any capitalised word, one before a surname: А.Б. Жумабаев, Н. Назарбаев
    + rf"{_INITIAL}{_INITIAL}{_WORD}|{_INITIAL}{_SURNAME}"
    # a surname before one or two initials: Жумабаев А.Б., Петров И.
    + rf"|{_SURNAME}\s(?:{_INITIAL})?[{_UPPER}]\."
    # a patronymic, with the given name before it: Иван Петрович, Асқар Нұрланұлы
    + rf"|(?:{_WORD}\s)?{_PATRONYMIC}"
    # a form of address before a name, or after it in Kazakh: г-н Петров, Жанар ханым
    + rf"|(?:{_ADDRESS_BEFORE})\.?\s{_WORD}"
    + rf"|{_WORD}\s(?:мырза|ханым|апай|ағай|әпке)[{_LOWER}]*"
    + ")"
    + _WORD_END
)
# Abbreviations written as initials: not a person.
_NOT_INITIALS = re.compile(r"^(?:U\.\s?S\.|U\.\s?K\.|U\.\s?N\.|E\.\s?U\.)")


def names(text: str) -> Iterator[Finding]:
    """Every name written in one of the forms above."""
    for m in _FORMS.finditer(text):
        named_place = _names_a_place(text, m.start(), m.end(), inflected=False)
        if not _NOT_INITIALS.match(m.group(0)) and not named_place:
            yield Finding(m.start(), m.end(), m.group(0), "name")
    yield from bare_names(text)


# A bare name: words of letters (a hyphen inside: Әлиева-Серік), and what parts them.
_TOKEN = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
# The comma of a register's order, surname first: "Петров, Иван", "Zhumabayev, Nurlan".
_LISTED = re.compile(r",[ \t\u00a0]+")
_RUNS = re.compile(r"(.)\1+")
# Russian noun endings of a given name (Ивана, Анной, Асели), not those of a surname.
_GIVEN_ENDINGS = (
    "",
    *KAZAKH_ENDINGS,
    *(e for e in RUSSIAN_ENDINGS if e[:2] not in ("ов", "ев", "ин")),
)
_SURNAME_SUFFIXES = (
    "ов", "ев", "ёв", "ин", "ын", "ова", "ева", "ёва", "ина", "ына", "ский", "ская", "цкий",
    "цкая", "ского", "скому", "ским", "ском", "ской", "скую", "енко", "ұлы", "улы", "қызы", "кызы",
    "ov", "ev", "yov", "in", "yn", "ova", "eva", "ina", "yna", "sky", "skiy", "skii", "skaya",
    "enko", "uly", "ulu", "kyzy", "qyzy", "kizi", "ovich", "evich", "ovna", "evna",
)  # fmt: skip
# A Kazakh surname without a Russian ending is a father's name: Сейткали, Серікбай, Әлихан.
_KAZAKH_SUFFIXES = (
    "бай", "бек", "бол", "қали", "кали", "ғали", "гали", "хан", "жан",
    "bai", "bay", "bek", "bol", "kali", "qali", "gali", "khan", "zhan", "jan",
)  # fmt: skip
# Endings a surname may carry (Петровқа, Нурлановой, Ivanovym), longest first.
_ENDINGS = sorted(
    {*KAZAKH_ENDINGS, *RUSSIAN_ENDINGS, "ого", "ому", "ым", "ой", "ою", "a", "u", "ym", "om", "oi",
     "oy", "e", "y"},
    key=len,
    reverse=True,
)  # fmt: skip
# Cities and districts shaped as surnames.
_PLACES = frozenset(
    word_key(w)
    for w in ("Қонаев", "Тимирязев", "Саратов", "Ростов", "Киев", "Харьков", "Пушкин",
              "Берлин", "Пекин")
)  # fmt: skip
# Street words before a pair (улица Шокана Валиханова, им. Абая) and, before an inflected
# given name only, words of a settlement (района Магжана Жумабаева).
_STREET_BEFORE = re.compile(
    r"улиц\w*|ул|проспект\w*|пр|пр-т|переул\w*|пер|бульвар\w*|б-р|площад\w*|мкр|"
    r"микрорайон\w*|имени|им|памятник\w*|сквер\w*|st|ave"
)
_SETTLEMENT_BEFORE = re.compile(r"район\w*|сел[оауе]|пос[её]л\w*|аул\w*|город\w*|г")
# The Head of State named with the office is public, not anyone to protect.
_OFFICE_BEFORE = re.compile(
    r"(?:президент\w*|елбасы\w*|мемлекет басшы\w*|глав\w+ государства|president|"
    r"head of state)[\s.,]*$"
)
_WORD_BEFORE = re.compile(r"([^\W\d_][\w-]*)\.?[ \t\u00a0]+$")
_WORD_AFTER = re.compile(r"[ \t\u00a0]+([^\W\d_]+)")
# Place and institution words after a pair (Мағжан Жұмабаев ауданы, Abai Kunanbayev Street).
_PLACE_AFTER = re.compile(
    r"көшес\w*|даңғыл\w*|атында\w*|аудан\w*|ауыл\w*|қалас\w*|облыс\w*|кент[іи]\w*|"
    r"мектеб\w*|мектеп\w*|университет\w*|институт\w*|академия\w*|колледж\w*|лицей\w*|"
    r"гимназия\w*|қоры\w*|орталығ\w*|алаң\w*|саябағ\w*|саябақ\w*|театр\w*|музей\w*|"
    r"кітапхана\w*|ықшамаудан\w*|бульвар\w*|стадион\w*|әуежай\w*|вокзал\w*|мешіт\w*|"
    r"ескерткіш\w*|street|st|avenue|ave|road|district|region|university|school|institute|"
    r"academy|college|foundation|fund|square|park|museum|library|theatre|theater|airport|"
    r"boulevard|village|memorial|prospect|mosque|stadium"
)


def _forms(names: tuple[str, ...]) -> dict[str, bool]:
    """The key of every form of every name of `names`: True for the name as listed, False for
    an inflected form (Ивана, Жанарға); a stem's key and an ending's joined, as
    kelisim.names does."""
    endings = {word_key(e) for e in _GIVEN_ENDINGS}
    forms: dict[str, bool] = {}
    for name in names:
        lower = name.lower()
        stems = {lower, lower[:-1] if lower[-1] in "аяйь" else lower}
        stems |= {lower[:-2]} if lower.endswith("ия") else set()
        for stem in map(word_key, stems):
            forms.update((_RUNS.sub(r"\1", stem + ending), False) for ending in endings)
    forms.update((word_key(name), True) for name in names)
    return forms


@functools.cache
def _given_forms() -> dict[str, bool]:
    """Every form of every common given name (`_forms`), built once, on first use."""
    return _forms(GIVEN_NAMES)


@functools.cache
def _word_name_forms() -> dict[str, bool]:
    """Every form of a given name that is also a place, a month or a word (Жамбыл, Наурыз)."""
    return {k: v for k, v in _forms(WORD_NAMES).items() if k not in _given_forms()}


def _capitalised(word: str) -> bool:
    parts = word.split("-")
    return all(p[0].isupper() and (p[1:].islower() or p.isupper()) for p in parts if len(p) > 1)


def _given(word: str) -> bool | None:
    """Whether a word is a given name of the list as listed (True), inflected (False), or no
    given name (None); a hyphenated word by its first part (Қасым-Жомарт)."""
    return _given_forms().get(word_key(word.split("-")[0]))


def _beside_surname(word: str, given: bool | None, other: str) -> bool | None:
    """As `_given`, for a word beside a surname (`other`): a given name that is also a place, a
    month or a word counts there ("Наурыз Абенов"), though not hyphenated (Нұр-Сұлтан) nor
    beside another such word shaped as a surname ("Алтай Дархан", "Сұлтан Жібек": places)."""
    if given is not None or "-" in word:
        return given
    found = _word_name_forms().get(word_key(word))
    if found is None or _word_name_forms().get(word_key(other.split("-")[0])) is not None:
        return None
    return found


def _surname(word: str) -> bool:
    """Whether a word is shaped as a surname, perhaps with a case ending."""
    for part in word.lower().split("-"):
        if word_key(part) in _PLACES:
            continue
        for ending in ("", *_ENDINGS):
            base = part[: len(part) - len(ending)] if part.endswith(ending) else ""
            if len(base) >= 4 and (
                base.endswith(_SURNAME_SUFFIXES)
                or (len(base) >= 5 and base.endswith(_KAZAKH_SUFFIXES))
            ):
                return word_key(base) not in _PLACES
    return False


def _names_a_place(text: str, start: int, end: int, *, inflected: bool) -> bool:
    """Whether the name at `text[start:end]` is part of a place's or an institution's name (a
    street word before it, a place word after it), or the Head of State's, named with the
    office: "Мағжан Жұмабаев ауданы", "улица Шокана Валиханова", "Президент Қасым-Жомарт
    Тоқаев"."""
    after = _WORD_AFTER.match(text, end)
    if after and _PLACE_AFTER.fullmatch(after.group(1).lower()):
        return True
    before = text[max(0, start - 40) : start].lower()
    if _OFFICE_BEFORE.search(before):
        return True
    word = _WORD_BEFORE.search(before)
    return word is not None and bool(
        _STREET_BEFORE.fullmatch(word.group(1))
        or (inflected and _SETTLEMENT_BEFORE.fullmatch(word.group(1)))
    )


def bare_names(text: str) -> Iterator[Finding]:
    """Every given name beside a surname (either order), as one finding per run of words."""
    words = list(_TOKEN.finditer(text))
    # Each word's case: capitalised (or upper-case) True, lowercase False, mixed None.
    texts = [m.group(0) for m in words]
    cases = [True if _capitalised(w) else (False if w.islower() else None) for w in texts]
    run: tuple[int, int] | None = None
    for i in range(len(words) - 1):
        if cases[i] is None or cases[i + 1] is None:
            continue
        one, two = texts[i], texts[i + 1]
        gap = text[words[i].end() : words[i + 1].start()]
        listed = _LISTED.fullmatch(gap) is not None  # a register's "Петров, Иван"
        if not (listed or (gap.isspace() and gap.count("\n") <= 1)):
            continue
        if not (cases[i] and cases[i + 1]):
            # A pair with a word in lowercase ("иван петров", "петров, иван"): a narrower shape.
            first, second = lowercase.pair(one, two, listed=listed), None
            if first is None:
                continue
        else:
            first, second = _given(one), _given(two)
            both_given = first is True and second is True
            first, second = _beside_surname(one, first, two), _beside_surname(two, second, one)
            # After a comma: the surname, then the given name as listed; never two given
            # names ("Марат, Айгүл").
            if listed and not (second is True and _surname(one)):
                continue
            # Two given names as listed (Айгүл Төлеген), or one in any form beside a surname;
            # not a name with an inflected one: "Серік Жанарға хат жазды" is a sentence.
            if not (
                both_given
                or (first is not None and _surname(two))
                or (second is not None and _surname(one))
            ):
                continue
        pair = (words[i].start(), words[i + 1].end())
        inflected = first is False or second is False
        if _names_a_place(text, *pair, inflected=inflected):
            continue
        if run is not None and run[1] == words[i].end():
            run = (run[0], words[i + 1].end())
        else:
            if run is not None:
                yield Finding(run[0], run[1], text[run[0] : run[1]], "name")
            run = pair
    if run is not None:
        yield Finding(run[0], run[1], text[run[0] : run[1]], "name")
