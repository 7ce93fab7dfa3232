"""A bare name written in lowercase ("иван петров", "петров иван", "асқар нұрланұлы", "айгуль
сапарова", "жанар сейткали", "петров, иван"), for kelisim.anonymity.persons.bare_names, whose
one rule asks `pair` when a word of a pair is not capitalised.

Lowercase prose is full of words shaped as surnames (споров, снова, половина, городской,
родительская, даулы, жабулы, кредитов) and of given names that are words (вера, роман, мақсат,
серік), so the shape asked here is narrower than a capitalised pair's:
- the surname is Russian-shaped (-ов/-ев/-ин, -ова/-ева/-ина, -ский/-ская, -енко, a patronymic
  -ович/-овна) or a Kazakh patronymic (-ұлы/-қызы/-кызы; -улы only after a given name of the
  list, "нурланулы", as "-улы" also ends adjectives: жабулы, даулы, қаулы), with three letters
  at least before its ending, and is no common word of that shape (готов, основа, машина,
  мужчина, причин, казахский, юридический), nor Latin -in/-ina (again, within);
- nor is it a common noun's genitive plural, which a Russian surname's -ов/-ев shares (иван
  кредитов не брал, иван соседов не звал): the nouns a mediation text speaks of (debts, land
  and homes, family, disputes, the people in them) are listed, and a borrowed noun is told by
  its final (клиентов, аргументов, проектов, депозитов, кредиторов); a stem that is a given
  name's is a surname all the same (иван викторов, ерлан сабитов). A noun that is also a
  surname often met (Кузнецов, Волков, Котов, Долгов) is read as the noun when listed, as the
  surname when not: the words alone cannot tell "иван долгов не имеет" from a name;
- the given name and the surname agree: in gender ("роза ветров", "любовь супругов" are no
  name: a woman's name beside a man's surname) and in case (Ивана Петрова, Анной Петровой,
  Ивану Петрову; "марки товаров" is no name); a Kazakh case ending goes on the last word
  ("айгүл сапароваға", "петров иванға");
- a listed given name that is also an ordinary word (`given_names.COMMON_WORDS`) is no name
  in lowercase ("родительская любовь", "исторический роман", "мақсат жазулы"), unless beside a
  Kazakh patronymic (-ұлы/-қызы), which no prose word is;
- after a comma, only a register's order is a name: the surname in the nominative, then a
  given name as listed ("петров, иван", "сапарова, айгуль"); "споров, иван" and "не осталось
  кредитов, иван" are a clause's end;
- a Kazakh father's name standing as the surname, with no -ұлы/-қызы ("жанар сейткали",
  "сейткали жанар"), is two given names as listed side by side, one a Kazakh man's, neither
  an ordinary word (so "жанар ерік білдірді", "берік бейбіт келісім" pass); with a case
  ending on it ("жанар маратқа хат жазды") it is a sentence, as in a capitalised pair.
"""

from __future__ import annotations

import functools
import re

from kelisim.anonymity.given_names import COMMON_WORDS, FEMALE, KAZAKH_MALE, MALE, WORD_NAMES
from kelisim.names import KAZAKH_ENDINGS, word_key

# The surname's ending by gender and case: nominative, then the Russian cases a given name
# beside it shows by its own ending.
_SURNAMES: dict[tuple[str, str], tuple[str, ...]] = {
    ("m", "nom"): ("ов", "ев", "ёв", "ин", "ский", "цкий", "енко", "ович", "евич", "ұлы", "улы",
                   "ov", "ev", "sky", "skiy", "enko", "ovich", "evich", "uly", "ulu"),
    ("f", "nom"): ("ова", "ева", "ёва", "ина", "ская", "цкая", "енко", "овна", "евна", "ична",
                   "қызы", "кызы", "ova", "eva", "skaya", "enko", "ovna", "evna", "kyzy", "qyzy"),
    ("m", "gen"): ("ова", "ева", "ёва", "ина", "ского", "цкого", "овича", "евича"),
    ("m", "dat"): ("ову", "еву", "ёву", "ину", "скому", "цкому", "овичу", "евичу"),
    ("m", "ins"): ("овым", "евым", "ёвым", "иным", "ским", "цким", "овичем", "евичем"),
    ("m", "prep"): ("ове", "еве", "ёве", "ине", "ском", "цком", "овиче", "евиче"),
    ("f", "obl"): ("овой", "евой", "ёвой", "иной", "ской", "цкой", "овны", "евны", "овне", "евне",
                   "овной", "евной"),
    ("f", "acc"): ("ову", "еву", "ёву", "ину", "скую", "цкую", "овну", "евну"),
}  # fmt: skip
# Kazakh patronymics no prose word shares; "-улы" (for "-ұлы") ends adjectives too.
_PATRONYMIC = ("ұлы", "қызы", "кызы", "uly", "kyzy", "qyzy")
# A given name's Russian ending and the case it shows (Ивана, Анной, Асели, Ивану).
_CASES = {
    "m": {"а": "gen", "я": "gen", "у": "dat", "ю": "dat", "ом": "ins", "ем": "ins", "ём": "ins",
          "е": "prep"},
    "f": {"ы": "obl", "и": "obl", "е": "obl", "ой": "obl", "ей": "obl", "ою": "obl", "ею": "obl",
          "у": "acc", "ю": "acc"},
}  # fmt: skip
_RUSSIAN_ENDINGS = sorted({e for by_gender in _CASES.values() for e in by_gender}, key=len)
_KAZAKH_ENDINGS = tuple(sorted((e for e in KAZAKH_ENDINGS if len(e) > 1), key=len, reverse=True))
# Words shaped as a surname that are common words: their part before the ending (готов,
# машина, казахский).
_NOT_SURNAME_STEMS = """
осн гот здор гол кор как так сур нов корол пос нап дер крыл пуст деш толк стар скот
магаз бенз карант господ граждан полов серед карт глуб род дол верш тиш дисципл медиц рут
витр анг каб пруж рез корз мал кал равн лав шир турб вакц маш кофе
казах англий неме француз туре китай узбек киргиз татар уйгур корей жен дет материн отцов
родитель
"""
# Common nouns whose genitive plural ends as a surname does (кредитов, соседов, случаев,
# братьев), by what a mediation text speaks of: their part before -ов/-ев. A noun that is
# also a surname often met (Кузнецов, Волков, Баранов, Котов, Дедов, Кустов) is left out,
# and a stem that is a given name's (Романов, Викторов) is a surname whatever the lists say.
_NOUN_STEMS = {
    "money and debts": """долг кредит займ залог налог штраф взнос счет расчет чек банк
        процент транш аванс вклад остатк убытк расход доход миллион миллиард доллар сбор
        тариф бюджет платеж кредитор должник""",
    "land, homes and neighbours": """сосед участк забор огород сад двор дом подъезд балкон
        этаж лифт кран счетчик провод газопровод водопровод трубопровод тротуар столб арык
        канал колодц метр гектар кадастр адрес квартал район поселк аул город ремонт замк
        жильц владельц совладельц хозя арендатор собственник деревь телефон магазин рынк
        киоск""",
    "family": """супруг брак развод алимент брать отц предк потомк родственник наследник
        опекун подарк праздник зять свекр""",
    "disputes and their steps": """документ договор протокол акт паспорт вопрос ответ спор
        суд иск срок факт юрист адвокат нотариус медиатор конфликт раздор скандал переговор
        компромисс шаг итог вывод довод повод упрек пристав приговор закон кодекс пункт
        параграф термин заказ орган член случа обыча интерес разговор звонк вариант план
        месяц час год товар визит автор""",
    "people a case involves": """сотрудник специалист депутат аким прокурор свидетел
        работник участник ответчик заказчик подрядчик истц пенсионер инвалид коммунальщик""",
}
_NOT_SURNAME = frozenset(_NOT_SURNAME_STEMS.split()) | {
    stem for stems in _NOUN_STEMS.values() for stem in stems.split()
}
# The finals of borrowed nouns no Russian or Kazakh surname's stem has (документов,
# клиентов, вариантов, проектов, продуктов, конфликтов, механизмов); and, on a longer stem,
# -ист, -тор, -ит (специалистов, кредиторов, депозитов: Аристов, Титов stay surnames).
_BORROWED_STEM = re.compile(r"(?:ент|ант|кт|изм)$|^.{3,}(?:ист|тор|ит)$")


@functools.cache
def _genders() -> dict[str, tuple[str, bool]]:
    """Each given name's key: its gender ("m", "f" or "mf") and whether it is a common word."""
    common = {word_key(w) for w in COMMON_WORDS}
    genders: dict[str, str] = {}
    for gender, names in (("m", MALE), ("f", FEMALE)):
        for key in map(word_key, names):
            genders[key] = genders.get(key, "").replace(gender, "") + gender
    return {key: (gender, key in common) for key, gender in genders.items()}


@functools.cache
def _names() -> frozenset[str]:
    """The key of every given name, word names too (a patronymic's stem: нурлан-улы)."""
    return frozenset(_genders()) | {word_key(w) for w in WORD_NAMES}


@functools.lru_cache(maxsize=4096)
def _surname(word: str) -> frozenset[tuple[str, str, bool]]:
    """The gender and case a lowercase word shows as a surname, and whether it is a Kazakh
    patronymic; a nominative with a Kazakh case ending is case "kk" (петровқа, сапароваға)."""
    readings: set[tuple[str, str, bool]] = set()
    for (gender, case), suffixes in _SURNAMES.items():
        readings.update((gender, case, strong) for strong in _shaped(word, suffixes))
        if case == "nom":
            for ending in _KAZAKH_ENDINGS:
                if word.endswith(ending):
                    base = word[: -len(ending)]
                    readings.update((gender, "kk", strong) for strong in _shaped(base, suffixes))
    return frozenset(readings)


def _shaped(word: str, suffixes: tuple[str, ...]) -> set[bool]:
    """For each suffix `word` ends with, on a stem that may be a surname's: whether it is a
    Kazakh patronymic."""
    found: set[bool] = set()
    for suffix in suffixes:
        if not word.endswith(suffix):
            continue
        stem = word[: -len(suffix)]
        if len(stem) < 3 or _common_noun(stem, suffix):
            continue
        if suffix[0] == "и" and stem[-1] in "чщ":  # мужчина, причина, община
            continue
        if "ск" in suffix and stem.endswith("че"):  # юридический, психологическая
            continue
        if suffix == "улы" and word_key(stem) not in _names():  # жабулы, байлаулы
            continue
        found.add(suffix in _PATRONYMIC)
    return found


def _common_noun(stem: str, suffix: str) -> bool:
    """Whether a word shaped as a surname is a common word (`_NOT_SURNAME`), or a genitive
    plural of a borrowed noun (`_BORROWED_STEM`), by its stem; never when the stem is a given
    name's, as a patronymic surname's is (Викторов, Сабитов, Никитов)."""
    stem = stem.replace("ё", "е")
    if stem not in _NOT_SURNAME and not (
        suffix in ("ов", "ев", "ёв") and _BORROWED_STEM.search(stem)
    ):
        return False
    names = _names()
    return all(word_key(name) not in names for name in (stem, stem + "а", stem + "я", stem + "й"))


@functools.lru_cache(maxsize=4096)
def _given(word: str) -> frozenset[tuple[str, str, bool]]:
    """The gender and case a lowercase word shows as a given name of the list ("nom" as listed,
    "kk" with a Kazakh case ending, else a Russian case), and whether it is a common word."""
    genders = _genders()
    readings: set[tuple[str, str, bool]] = set()
    listed = genders.get(word_key(word))
    if listed is not None:
        readings.update((g, "nom", listed[1]) for g in listed[0])
    for ending in _RUSSIAN_ENDINGS:
        stem = word[: -len(ending)]
        if not word.endswith(ending) or len(stem) < 2:
            continue
        for name in (stem, stem + "а", stem + "я", stem + "й", stem + "ь"):
            found = genders.get(word_key(name))
            if found is not None:
                readings.update(
                    (g, _CASES[g][ending], found[1]) for g in found[0] if ending in _CASES[g]
                )
    for ending in _KAZAKH_ENDINGS:
        if word.endswith(ending):
            found = genders.get(word_key(word[: -len(ending)]))
            if found is not None:
                readings.update((g, "kk", found[1]) for g in found[0])
    return frozenset(readings)


def pair(one: str, two: str, *, listed: bool = False) -> bool | None:
    """Whether two words, at least one in lowercase, are a given name and a surname (either
    order; after a comma, `listed`, only a register's surname before a given name as listed):
    True with the given name as listed, False inflected, None when they are none."""
    one, two = one.lower(), two.lower()
    if "-" in one or "-" in two:
        return None
    orders = ((two, one, False),) if listed else ((one, two, True), (two, one, False))
    for given, surname, given_first in orders:
        surnames = _surname(surname)
        if not surnames:
            continue
        for gender, case, common in _given(given):
            for s_gender, s_case, strong in surnames:
                if s_gender != gender or (common and not strong):
                    continue
                if case == "nom" and (s_case == "nom" or (given_first and s_case == "kk")):
                    return True  # иван петров, петров иван, айгүл сапароваға, петров, иван
                if not listed and (
                    case == s_case != "kk" or (case == "kk" and s_case == "nom" and not given_first)
                ):  # ивана петрова, петровой анной, петров иванға
                    return False
    if not listed and _fathers_name(one, two):
        return True  # жанар сейткали, сейткали жанар
    return None


def _fathers_name(one: str, two: str) -> bool:
    """Whether two lowercase words are a given name and a father's name standing as a surname:
    both as listed, neither an ordinary word, one a Kazakh man's name."""
    genders = _genders()
    first = genders.get(key_one := word_key(one))
    if first is None or first[1]:
        return False
    second = genders.get(key_two := word_key(two))
    if second is None or second[1]:
        return False
    return key_one in _kazakh_men() or key_two in _kazakh_men()


@functools.cache
def _kazakh_men() -> frozenset[str]:
    """The key of every Kazakh man's given name of the list: a father's name."""
    return frozenset(map(word_key, KAZAKH_MALE.split()))
