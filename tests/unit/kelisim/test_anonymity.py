"""The anonymity check finds a source's people, contacts, numbers and dates however written
(what anyone's text may not hold, source or not: tests/unit/kelisim/test_anonymity_anyone.py)."""

from __future__ import annotations

import re
from datetime import date

import pytest

from kelisim.anonymity import Identifying, check, source

pytestmark = pytest.mark.db_independent

CASE = Identifying(
    names=["Жанар Әлиева", "Нұрлан Сейітов", "ТОО «Береке Агро»"],
    phones=["+7 701 123 45 67"],
    emails=["Zhanar.Alieva@mail.kz"],
    addresses=["г. Алматы, ул. Абая, д. 15, кв. 3"],
    numbers=["KZ-75-2026-000001"],
    dates=[date(2026, 3, 14)],
)


def found(text: str) -> list[tuple[str, str]]:
    return [(f.kind, f.text) for f in check(text, CASE)]


@pytest.mark.parametrize(
    "planted",
    ["Жанар", "ЖАНАР", "Zhanar", "Janar", "Jañar", "Жанарға", "Zhanarga", "Жанардың",
     "Жанаром", "Әлиеваның", "Alievoi", "Aliyeva", "Нұрланмен", "Nurlannyn", "Нурланом",
     "Сейітовке", "Seitovu", "Береке"],
)  # fmt: skip
def test_a_name_in_any_spelling_or_case_ending_is_found(planted: str) -> None:
    text = f"Екі тарап келісті, {planted} ұсынысты қабылдады."
    assert found(text) == [("name", planted)]


@pytest.mark.parametrize(
    "planted",
    ["Жа\u00adнар", "Әли\u200bева", "Нұр\u2060лан", "\ufeffSeitov", "Бере\u200dке",
     "+7 701 123\u200b45 67"],
)  # fmt: skip
def test_what_hides_behind_an_invisible_character_is_found_as_it_shows(planted: str) -> None:
    """A soft hyphen, a zero-width space, joiner or word joiner, a byte order mark: pasted
    from a word processor or typed, they show nothing, and the reader sees the name."""
    text = f"Екі тарап келісті, {planted} ұсынысты қабылдады."
    (finding,) = check(text, CASE)
    assert text[finding.start : finding.end] == finding.text == planted.lstrip("\ufeff")
    assert finding.kind == ("phone" if planted[0] == "+" else "name")


@pytest.mark.parametrize(
    "planted",
    ["Ж а н а р", "Ж.а.н.а.р", "Ж. а. н. а. р", "С-е-й-і-т-о-в", "Z h a n a r", "Ә л и е в а",
     "Н\u00a0ұ\u00a0р\u00a0л\u00a0а\u00a0н", "Б*е*р*е*к*е"],
)  # fmt: skip
def test_a_name_written_letter_by_letter_is_found(planted: str) -> None:
    """Spaced out, dotted or hyphenated, letter by letter: the reader reads the name."""
    text = f"Екі тарап келісті, {planted} ұсынысты қабылдады."
    (finding,) = check(text, CASE)
    assert (finding.kind, finding.text) == ("name", planted)
    assert text[finding.start : finding.end] == planted


def test_two_names_spaced_out_apart_by_a_wider_gap_are_both_found() -> None:
    text = "Тараптар: Ж а н а р   Ә л и е в а және Н у р л а н."
    assert found(text) == [("name", "Ж а н а р"), ("name", "Ә л и е в а"), ("name", "Н у р л а н")]


@pytest.mark.parametrize(
    "text",
    ["Кездесу қ. Алматы, т.е. и т.д. өтті.", "а и в с к у о я", "A B C D E F", "Ж. Н. Қ. келді."],
)
def test_single_letters_that_spell_no_name_are_not_a_finding(text: str) -> None:
    assert found(text) == []


@pytest.mark.parametrize(
    "planted",
    ["+7 701 123 45 67", "8(701)1234567", "87011234567", "+77011234567", "8 701 123-45-67",
     "+7 (701) 123 4567", "123-45-67"],
)  # fmt: skip
def test_a_phone_in_any_formatting_is_found(planted: str) -> None:
    assert found(f"Call {planted} today") == [("phone", planted)]


def test_a_phone_of_anyone_is_found_too() -> None:
    """The form promises no phone numbers at all, not only the parties' own."""
    assert found("Call +7 702 765 43 21 or 8(701)7654321") == [
        ("phone", "+7 702 765 43 21"),
        ("phone", "8(701)7654321"),
    ]


def test_e_mails_are_found_case_insensitively_and_by_their_local_part() -> None:
    assert found("Write to ZHANAR.ALIEVA@MAIL.KZ or zhanar.alieva on Telegram.") == [
        ("email", "ZHANAR.ALIEVA@MAIL.KZ"),
        ("email", "zhanar.alieva"),
    ]


@pytest.mark.parametrize(
    ("text", "address"),
    [("Тараптар Абая 15 үйінде тұрады", "Абая 15"), ("улица Абая, дом 15", "улица Абая, дом 15"),
     ("on Abai st. 15", "Abai st. 15"), ("Абай көшесі, 15 үй", "Абай көшесі, 15")],
)  # fmt: skip
def test_a_street_with_its_house_number_is_found(text: str, address: str) -> None:
    assert found(text) == [("address", address)]


@pytest.mark.parametrize(
    "text", ["Абай атындағы саябақ", "Алматы қаласында 15 отбасы", "Абая 3", "Абая, 2026 жылы"]
)
def test_a_street_alone_or_with_another_number_is_not_an_address(text: str) -> None:
    assert found(text) == []


@pytest.mark.parametrize(
    ("text", "piece"),
    [("Іс KZ-75-2026-000001 бойынша", "KZ-75-2026-000001"),
     ("дело kz 75 2026 000001", "kz 75 2026 000001"), ("нөмірі 000001", "000001"),
     ("дело № 1 было", "№ 1"), ("case #0001", "#0001")],
)  # fmt: skip
def test_the_case_number_and_its_sequence_are_found(text: str, piece: str) -> None:
    assert found(text) == [("case_number", piece)]


def test_a_text_without_the_sources_e_mails_or_number_compiles_no_pattern_of_theirs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Each case has its own e-mails and number, so a pattern of theirs is compiled anew (the
    # `re` cache never holds it): most of an escalation's check went there, to find nothing.
    patterns: list[str] = []

    class Recording:
        def __getattr__(self, name: str) -> object:
            return getattr(re, name)

        def finditer(self, pattern: str, *args: object) -> object:
            patterns.append(pattern)
            return re.finditer(pattern, *args)

    monkeypatch.setattr(source, "re", Recording())
    assert found("Листовки нашли во дворе 14 домов; 2026 жыл, 75 адам, kz сайты") == []
    assert not [p for p in patterns if "alieva" in p or "000001" in p]
    assert found("Write to zhanar.alieva@mail.kz, дело KZ-75-2026-000001") == [
        ("email", "zhanar.alieva@mail.kz"),
        ("case_number", "KZ-75-2026-000001"),
    ]


def test_other_numbers_are_not_the_case_number() -> None:
    assert found("№ 2, 000002, 12 адам, 2026 жыл") == []


@pytest.mark.parametrize(
    "written",
    ["2026-03-14", "14.03.2026", "14/03/2026", "14.03.26", "14 марта 2026", "14 марта",
     "14 наурыз 2026", "14 наурызда", "March 14, 2026", "14 March 2026", "Mar 14"],
)  # fmt: skip
def test_an_exact_date_of_the_case_is_found_in_any_common_format(written: str) -> None:
    assert found(f"Сессия {written} болды") == [("date", written)]


@pytest.mark.parametrize(
    "text", ["15 апреля", "2026 жылы наурызда", "March 2026", "14.03 %", "31.02.2026"]
)
def test_other_days_without_a_year_and_months_alone_are_not_found(text: str) -> None:
    assert found(text) == []


def test_a_clean_note_has_no_findings_and_positions_point_at_the_words() -> None:
    clean = "Жер дауы: көршілер шекараны бірге өлшеді, келісімге үш кездесуде келді."
    assert check(clean, CASE) == []
    text = "Жанарға 8(701)1234567 арқылы 14.03.2026 хабарластық."
    assert [text[f.start : f.end] for f in check(text, CASE)] == [
        "Жанарға",
        "8(701)1234567",
        "14.03.2026",
    ]
