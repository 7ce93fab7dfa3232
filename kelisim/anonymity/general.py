"""What identifies anyone, whoever's it is: any Kazakhstan phone number (or the part of one a
phone word introduces), e-mail address, street address with its house number, Kelisim case
number, IIN or BIN, bank account number (IBAN), identity card or passport number, link or
messenger handle (any exact date: `dates`). A link to an official source of law
(OFFICIAL_HOSTS) is a citation, not a person, and passes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import unquote, unquote_plus, urlsplit

from kelisim.anonymity.dates import exact_dates
from kelisim.anonymity.text import Finding

# --- phones ------------------------------------------------------------------------------------

# Any Kazakhstan number: +7 and ten digits (any separators), 8 and ten digits beginning with 7
# (every Kazakhstan number does), ten digits grouped as a phone (701 123 45 67), and a local
# number grouped as one (123-45-67). A sum's thousands (1 500 000) are grouped by three.
_SEP = r"[\s().\-]{0,3}"
_ANY_PHONE_RE = re.compile(
    r"(?<![\w+])(?:"
    rf"\+{_SEP}7{_SEP}(?:\d{_SEP}){{9}}\d"
    rf"|8{_SEP}\(?7(?:{_SEP}\d){{9}}"
    r"|\(?7\d\d\)?[\s\-]\d{3}[\s\-]\d\d[\s\-]\d\d"
    r"|\d{3}[\s\-]\d\d[\s\-]\d\d"
    r")(?![\w]|[.,\-]\d)"
)


# The part of a number a phone word introduces: "Телефон заканчивался на 00-50", "тел. 12-34",
# "phone ending in 4567", "телефон нөмірі *** 45 67". After the word (within a clause) groups
# of two or more digits joined by a hyphen or space, a run of five or more digits, a masked
# number, or any digits after "ending in"; a count of minutes or times is not a number.
_PHONE_WORD = (
    r"(?:телефон\w*|тел\.|тел\b|моб\.|мобильн\w*|сотов\w*|ұялы|whatsapp|ватсап\w*|вотсап\w*"
    r"|phone\w*|tel\.|tel\b|mobile|cell\b)"
)
_ENDING_WORD = (
    r"(?:заканчива\w*|оканчива\w*|последни\w*|соңы\w*|аяқтал\w*|ending|ends?\b|ended|last)"
)
_MASK = r"[*•xXхХ]"
_FRAGMENT = r"[*•xXхХ\d][*•xXхХ\d\s()\-]*\d"  # a masked or grouped number
_PARTIAL_PHONE_RE = re.compile(
    rf"(?<![\w]){_PHONE_WORD}[^\d.!?;\n]{{0,40}}?(?:(?P<ending>{_ENDING_WORD})[^\d.!?;\n]{{0,15}})?"
    rf"(?P<number>{_FRAGMENT})(?![\w]|[.,]\d)",
    re.IGNORECASE,
)
_COUNT_AFTER = re.compile(
    r"\s*(?:мин|раз|час|дн|день|сут|недел|месяц|лет|год|сағат|рет|күн|апта|ай\b|жыл|min|time"
    r"|hour|day|week|month|year|call|звон|%|тенге|тг|₸)",
    re.IGNORECASE,
)


def _phone_part(number: str) -> bool:
    """Whether digits after a phone word read as (part of) a number rather than a count."""
    digits = re.sub(r"\D", "", number)
    groups = re.findall(r"\d+", number)
    masked = re.search(_MASK, number) is not None
    grouped = len(groups) > 1 and all(len(g) >= 2 for g in groups)
    return len(digits) >= 2 and (masked or grouped or len(digits) >= 5)


def phones(text: str) -> Iterator[Finding]:
    for m in _ANY_PHONE_RE.finditer(text):
        yield Finding(m.start(), m.end(), m.group(0), "phone")
    for m in _PARTIAL_PHONE_RE.finditer(text):
        number = m.group("number").strip()
        start = m.start("number")
        if _COUNT_AFTER.match(text, m.end()):
            continue
        if m.group("ending") or _phone_part(number):
            yield Finding(start, start + len(number), number, "phone")


# --- e-mails -----------------------------------------------------------------------------------

_ANY_EMAIL_RE = re.compile(r"(?<![\w.+\-])[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")


def emails(text: str) -> Iterator[Finding]:
    for m in _ANY_EMAIL_RE.finditer(text):
        yield Finding(m.start(), m.end(), m.group(0), "email")


# --- addresses ---------------------------------------------------------------------------------

# Any street address: a street word with a house number after it (ул. Абая 15, Абай көшесі,
# 15 үй, мкр Самал-2, д. 5), or a house number before the street's name and word (15 Abai
# street). Between them only capitalised words (the street's name), place words and commas.
_STREET_WORD = (
    r"(?:ул\.|ул|улиц[аеуы]|пр\.|пр-т|просп\.?|проспект\w*|мкр\.?|микрорайон\w*|пер\."
    r"|переул\w*|бульвар\w*|б-р|шоссе|көше\w*|даңғыл\w*|шағын\s?аудан\w*|ш\.а\.|тұйық\w*"
    r"|street|st\.?|avenue|ave\.?|road|rd\.?|lane|boulevard|blvd\.?|microdistrict)"
)
# Street words written after the street's name (Абай көшесі, Abai street): the finding
# starts at the name.
_AFTER_NAME = re.compile(
    r"(?:көше|даңғыл|шағын|тұйық|street|st\b|avenue|ave\b|road|rd\b|lane|boulevard|blvd)",
    re.IGNORECASE,
)
_CAPITAL = r"[A-ZА-ЯЁӘҒҚҢӨҰҮҺІ][\w\-]*"
_HOUSE_WORD = r"(?:д\.|дом|үй|house|No\.?|№|корпус|корп\.)"
_HOUSE = r"\d{1,4}(?:\s?[a-zA-Zа-яА-ЯәӘ](?!\w))?(?:/\d{1,4})?(?!\w|[.,:/\-]\d)"
_GAP = rf"(?:[\s,]+(?:{_CAPITAL}|{_HOUSE_WORD}))"
_STREET_THEN_HOUSE = re.compile(
    rf"(?<![\w\-])(?P<word>{_STREET_WORD})(?![\w]){_GAP}{{0,3}}[\s,]*{_HOUSE_WORD}?\s*{_HOUSE}",
    re.IGNORECASE,
)
_HOUSE_THEN_STREET = re.compile(
    rf"(?<![\w.,/\-]){_HOUSE}(?:\s+{_CAPITAL}){{1,3}}\s+{_STREET_WORD}(?![\w])"
)
_NAME_BEFORE = re.compile(rf"{_CAPITAL}\s+$")
NEAR = 40  # characters between a street word and a house number that still read as one address


def addresses(text: str) -> Iterator[Finding]:
    for m in _STREET_THEN_HOUSE.finditer(text):
        start = m.start()
        if _AFTER_NAME.match(m.group("word")):
            name = _NAME_BEFORE.search(text, max(0, start - NEAR), start)
            start = name.start() if name is not None else start
        yield Finding(start, m.end(), text[start : m.end()], "address")
    for m in _HOUSE_THEN_STREET.finditer(text):
        yield Finding(m.start(), m.end(), m.group(0), "address")


# --- reference numbers -------------------------------------------------------------------------


# Any Kelisim case number: the region's code, the year and the sequence (KZ-75-2026-000001).
_ANY_CASE_NUMBER_RE = re.compile(
    r"(?<![\w])KZ[\s\-/.]*\d{2}[\s\-/.]+\d{4}[\s\-/.]+\d{1,6}(?![\w])", re.IGNORECASE
)


def case_numbers(text: str) -> Iterator[Finding]:
    for m in _ANY_CASE_NUMBER_RE.finditer(text):
        yield Finding(m.start(), m.end(), m.group(0), "case_number")


# --- identity numbers --------------------------------------------------------------------------

# An IIN (a person's) or BIN (an organisation's): twelve digits. Any bare run of twelve digits
# is very likely one, whatever its check digit (a typo still identifies); twelve digits written
# in groups ("900101 300126", "9001-0130-0126") are one when the check digit is right, so a
# grouped sum or a list of figures is not.
_TWELVE_RE = re.compile(r"(?<![\w+\-./])\d{12}(?![\w]|[.,/\-]\d)")
_GROUPED_TWELVE_RE = re.compile(r"(?<![\w+\-./])\d{2,6}(?:[\s\-]\d{2,6}){1,5}(?![\w]|[.,/\-]\d)")
_WEIGHTS = (tuple(range(1, 12)), (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2))


def valid_iin(digits: str) -> bool:
    """Whether twelve digits carry a right IIN/BIN check digit (the official algorithm: the
    first eleven digits weighted 1..11, modulo 11; a 10 weighs them again 3..11, 1, 2; a second
    10 is never issued)."""
    if len(digits) != 12 or not digits.isdigit():
        return False
    for weights in _WEIGHTS:
        check = sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11
        if check != 10:
            return check == int(digits[11])
    return False


def identity_numbers(text: str) -> Iterator[Finding]:
    for m in _TWELVE_RE.finditer(text):
        yield Finding(m.start(), m.end(), m.group(0), "identity_number")
    for m in _GROUPED_TWELVE_RE.finditer(text):
        # Any consecutive groups that make twelve digits: "ИИН 900101 300126 15 раз" too.
        groups = list(re.finditer(r"\d+", m.group(0)))
        for i, first in enumerate(groups):
            for last in groups[i + 1 :]:
                start, end = m.start() + first.start(), m.start() + last.end()
                digits = re.sub(r"\D", "", text[start:end])
                if len(digits) >= 12:
                    if valid_iin(digits):
                        yield Finding(start, end, text[start:end], "identity_number")
                    break


# An identity card's or passport's number: a document word in kk/ru/en, then (within a few
# words) a number of six or more digits, and the passport's own form N12345678 anywhere.
_DOCUMENT_WORD = (
    r"(?:удостоверени\w*|уд\.|паспорт\w*|куәлі\w*|куәлік\w*|төлқұжат\w*|ID[\s\-]?card\w*"
    r"|identity\s+card\w*|identity\s+document\w*|passport\w*|ID\b)"
)
# Within the sentence: the dot of "No." or "ном." does not end it.
_IN_CLAUSE = r"(?:[^\d.!?;\n]|(?<=\bno)\.|(?<=\bnr)\.|(?<=\bном)\.|(?<=\bнөм)\.)"
_DOCUMENT_NUMBER_RE = re.compile(
    rf"(?<![\w]){_DOCUMENT_WORD}{_IN_CLAUSE}{{0,40}}?"
    r"(?P<number>(?<![\w])(?:[A-ZА-Я]{1,2}\s?)?\d{6,10})"
    r"(?![\w]|[.,/\-]\d)",
    re.IGNORECASE,
)
_PASSPORT_RE = re.compile(r"(?<![\w])[NН]\s?\d{8}(?![\w])")


def document_numbers(text: str) -> Iterator[Finding]:
    for m in _DOCUMENT_NUMBER_RE.finditer(text):
        yield Finding(m.start("number"), m.end("number"), m.group("number"), "document_number")
    for m in _PASSPORT_RE.finditer(text):
        yield Finding(m.start(), m.end(), m.group(0), "document_number")


# --- bank accounts -----------------------------------------------------------------------------

# An IBAN (ISO 13616): a country's two letters, two check digits and up to thirty letters and
# digits, often in groups of four (KZ86 125K ZT50 0410 0100: a Kazakh one has 20 characters).
# It is one only when its check digits are right (mod 97), so a code or a row of figures that
# merely looks like one is not.
_IBAN_RE = re.compile(
    r"(?<![\w\-])[A-Z]{2}\d{2}(?:[ \u00a0\-]?[A-Z0-9]){11,30}(?![\w])", re.IGNORECASE
)
_IBAN_LENGTHS = {"KZ": 20}  # the length a country's IBANs have, where we know it; others 15..34


def valid_iban(value: str) -> bool:
    """Whether `value` (spaces and hyphens aside) is an IBAN with right check digits."""
    compact = re.sub(r"[\s\-]", "", value).upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", compact):
        return False
    if len(compact) != _IBAN_LENGTHS.get(compact[:2], len(compact)):
        return False
    moved = compact[4:] + compact[:4]
    return int("".join(str(int(char, 36)) for char in moved)) % 97 == 1


def ibans(text: str) -> Iterator[Finding]:
    for m in _IBAN_RE.finditer(text):
        # The longest IBAN the run begins with, ending where a group does: the words or
        # figures after it ("KZ86 125K ZT50 0410 0100 2026") are not part of it.
        run = m.group(0)
        ends = [len(run)] + [i for i in range(len(run) - 1, 0, -1) if run[i] in " \u00a0-"]
        for end in ends:
            if valid_iban(run[:end]):
                yield Finding(m.start(), m.start() + end, run[:end], "iban")
                break


# --- links -------------------------------------------------------------------------------------

# Official public sources of law and state information: a link to one cites the law or a state
# body, not a person, so it may stay (https, http or no scheme; any path). Each entry covers
# the host and its "www." form, no other subdomain: a subdomain may be a forum or a court's
# register that names people (dialog.egov.kz, a court's decisions). Every other host is refused,
# as are links to these with a user name or port, an @ anywhere, or a path, query or fragment
# that holds what identifies anyone (a phone, an e-mail, an IIN, a date...) or a run of ten or
# more digits (a phone or IIN written bare: ?tel=77011234567).
OFFICIAL_HOSTS = (
    "adilet.zan.kz",  # Adilet: the legal acts, Ministry of Justice
    "zan.kz",
    "gov.kz",  # the state bodies' one site: www.gov.kz/memleket/entities/...
    "stat.gov.kz",  # the Bureau of National Statistics
    "egov.kz",  # the e-government portal, its law and services pages
    "akorda.kz",  # the President
    "parlam.kz",  # the Parliament
    "assembly.kz",  # the Assembly of the People of Kazakhstan
)

# A web address (with a scheme, www., or a domain with a path: t.me/omarov_b, instagram.com/x)
# and a messenger or social handle (@omarov_b): each leads to someone. A domain alone (egov.kz)
# names a site, not a person.
_URL_RE = re.compile(
    r"(?<![\w@.\-])(?:(?:https?|ftp)://\S+|www\.\S+|(?:[a-z0-9\-]+\.)+[a-z]{2,}/\S*"
    r"|(?:t\.me|wa\.me|vk\.com|ok\.ru|fb\.com|x\.com)\b\S*)",
    re.IGNORECASE,
)
_HANDLE_RE = re.compile(r"(?<![\w.@+\-])@[A-Za-z0-9_][A-Za-z0-9_.]{2,}[A-Za-z0-9_]")
_TRAILING = ".,;:!?)»\"'"
_URL_PARTS = re.compile(r"[/?&#;]")  # between the parts of a path, query or fragment
_BARE_DIGITS = re.compile(r"(?<![^\W_])\+?\d{10,}")


def is_official(host: str) -> bool:
    """Whether `host` is one of OFFICIAL_HOSTS (a host name alone: no user name, no port)."""
    host = host.lower()
    return any(host in (entry, f"www.{entry}") for entry in OFFICIAL_HOSTS)


def _cites_official_source(link: str) -> bool:
    """Whether a link leads to an official source of law and carries nothing that identifies."""
    if "@" in link:
        return False
    try:
        parts = urlsplit(link if "://" in link else f"//{link}")
    except ValueError:  # a malformed address ("http://[x/")
        return False
    if parts.scheme.lower() not in ("", "http", "https") or not is_official(parts.netloc):
        return False
    rest = f"{parts.path}?{parts.query}#{parts.fragment}"
    for decoded in {unquote(rest), unquote_plus(rest)}:
        # Each part of the path and each parameter on its own ("tel=12-34" read as "tel 12-34"):
        # the parts of /2026/45/67 are not one number.
        for piece in _URL_PARTS.split(decoded):
            piece = piece.replace("=", " ")
            if _BARE_DIGITS.search(piece) or _identifies(piece):
                return False
    return True


def _identifies(text: str) -> bool:
    """Whether `text` holds a phone, e-mail, address, case number, IIN, IBAN, document number
    or date."""
    finders = [phones, emails, addresses, case_numbers, identity_numbers, ibans, document_numbers]
    found = [next(iter(finder(text)), None) for finder in finders]
    return any(found) or next(iter(exact_dates(text, ())), None) is not None


def links(text: str) -> Iterator[Finding]:
    """Every link and handle, but a link to an official source of law (OFFICIAL_HOSTS)."""
    for m in _URL_RE.finditer(text):
        link = m.group(0).rstrip(_TRAILING)
        if not _cites_official_source(link):
            yield Finding(m.start(), m.start() + len(link), link, "link")
    for m in _HANDLE_RE.finditer(text):
        yield Finding(m.start(), m.end(), m.group(0), "link")
