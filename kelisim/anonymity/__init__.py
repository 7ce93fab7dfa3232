"""The anonymity check of a text: what identifies its source (a case, a council item), and
what identifies anyone.

Whatever the source, a text that leaves a service must hold no phone number (nor the part of
one a phone word introduces), e-mail address, street address with its house number, Kelisim
case number (KZ-75-2026-000001), exact date (day, month and year), IIN or BIN, bank account
number (an IBAN of any country whose check digits are right: KZ86 125K ZT50 0410 0100),
identity card or passport number, or link (a web address, t.me/…, an @handle): `check` finds
every one of them, whoever's they are (a month and year, a year, a sum, a count or an article
number are not; nor is a link to an official source of law or state information, such as the
law on adilet.zan.kz, whose hosts are listed once in `general.OFFICIAL_HOSTS`)). It finds, too,
anyone's name written as only a person's is written: with initials, a patronymic or a form of
address (А.Б. Жумабаев, Иван Петрович, г-н Петров, Жанар ханым), or bare, a common given name
beside a surname (Иван Петров, Жанар Сейткали, Petrov Ivan), while a place or an institution
named after someone passes (Мағжан Жұмабаев ауданы, проспект Назарбаева). A service also
declares the source's own identifying facts — names, phones, e-mails, addresses, reference
numbers, dates — and `check` finds each of them however written, even where the general rules
let text pass:
- names in any spelling, transliteration or inflected form (kelisim.names), also written
  letter by letter (Ж у м а б а е в, Ж.у.м.а.б.а.е.в);
- phones in any formatting (+7 701 123 45 67, 8(701)1234567, 87011234567, 123-45-67);
- e-mails case-insensitively, and the part before the @ on its own;
- addresses: a street word near a house number of the declared address (Абая 15, Abai d. 15);
- reference numbers whole (KZ-75-2026-000001) and their sequence part (000001, № 1);
- exact dates in ISO, dotted, slashed and written forms in kk/ru/en, with or without the year
  when the month is written out (14 марта, 14 наурыз 2026, 2026 жылғы 14 наурызда, March 14).

The package: `text` reads a text as it shows and holds `Finding`; `source` finds the source's
own facts, `general` what identifies anyone, `persons` a name by its form (with the list of
common given names in `given_names`), `dates` exact dates of both kinds; the source's names are
matched by kelisim.names.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from kelisim.anonymity import general, persons, source
from kelisim.anonymity.dates import exact_dates
from kelisim.anonymity.text import (
    Finding,
    Kind,
    as_shown,
    in_original,
    letters_joined,
    without_overlaps,
)
from kelisim.names import NameMatcher
from kelisim.problems import Problem

__all__ = ["Finding", "Identifying", "Kind", "check", "require_none_in"]


@dataclass(frozen=True)
class Identifying:
    """What identifies a source; every field may be empty."""

    names: Sequence[str] = ()
    phones: Sequence[str] = ()
    emails: Sequence[str] = ()
    addresses: Sequence[str] = ()
    numbers: Sequence[str] = ()
    dates: Sequence[date] = ()


def check(text: str, facts: Identifying) -> list[Finding]:
    """Every piece of `text` that gives away one of `facts`, in order of position.

    The text is read as it shows: invisible format characters (a soft hyphen or zero-width
    space pasted from a word processor, or typed into a name) do not split a word, so
    "Жума\u00adбаев" is found as the name it shows; each finding spans the original text.
    """
    shown, origin = as_shown(text)
    found: list[Finding] = []
    matcher = NameMatcher(facts.names)
    found += (Finding(h.start, h.end, h.word, "name") for h in matcher.find(shown))
    joined, joined_origin = letters_joined(shown)
    if joined_origin is not None:  # "Ж у м а б а е в", "Ж.у.м.а.б.а.е.в" read as the word
        found += (
            in_original(Finding(h.start, h.end, h.word, "name"), shown, joined_origin)
            for h in matcher.find(joined)
        )
    found += persons.names(shown)
    found += source.phones(shown, facts.phones)
    found += general.phones(shown)
    found += source.emails(shown, facts.emails)
    found += general.emails(shown)
    found += source.addresses(shown, facts.addresses)
    found += general.addresses(shown)
    found += source.numbers(shown, facts.numbers)
    found += general.case_numbers(shown)
    found += general.identity_numbers(shown)
    found += general.ibans(shown)
    found += general.document_numbers(shown)
    found += general.links(shown)
    found += exact_dates(shown, facts.dates)
    if len(shown) != len(text):
        found = [in_original(f, text, origin) for f in found]
    return without_overlaps(found)


def require_none_in(
    text: str,
    facts: Identifying,
    *,
    kind: str,
    detail: str,
    field: str,
    error_type: str = "personal_data",
) -> None:
    """422 `kind` when one field's `text` gives away anyone or one of `facts`: `findings` say
    the kind and position of each piece, never the words (the answer may be logged), and
    `errors` put it at `body.<field>` with the kinds found, for a form to say beside the field."""
    found = check(text, facts)
    if found:
        raise Problem(
            422,
            kind,
            detail,
            findings=[{"kind": f.kind, "start": f.start, "end": f.end} for f in found],
            errors=[
                {
                    "loc": ["body", field],
                    "type": error_type,
                    "msg": "Holds personal data: " + ", ".join(sorted({f.kind for f in found})),
                }
            ],
        )
