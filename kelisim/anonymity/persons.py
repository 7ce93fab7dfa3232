"""A person's name told by how it is written, whoever's it is: with initials (А.Б. Жумабаев,
Жумабаев А.Б., Н. Назарбаев), with a patronymic (Иван Петрович, Асқар Нұрланұлы) or with a
form of address (г-н Петров, Mr Ivanov, Жанар ханым).

A text may name someone the source's facts do not list (a witness, an official, anyone in a
proposal, which comes from no case). A bare name ("Иван Петров") has no form that tells it
from a place or an institution ("Назарбаев Университет") and is found only among the source's
own names. These forms are kept narrow on purpose: a place written with its abbreviation
("г. Алматы", "Г. Петропавловск" at a sentence's start) is not a name.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from kelisim.anonymity.text import Finding

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
        if not _NOT_INITIALS.match(m.group(0)):
            yield Finding(m.start(), m.end(), m.group(0), "name")
