"""How the anonymity check reads a text and what it reports: the text as it shows (without
format characters), with words written letter by letter joined, and each finding's span in the
text as it was written."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

Kind = Literal[
    "name",
    "phone",
    "email",
    "address",
    "case_number",
    "date",
    "identity_number",
    "iban",
    "document_number",
    "link",
]


@dataclass(frozen=True, order=True)
class Finding:
    """A piece of text that gives the source away."""

    start: int
    end: int
    text: str = field(compare=False)
    kind: Kind = field(compare=False)


def as_shown(text: str) -> tuple[str, list[int]]:
    """`text` without its format characters (Unicode's Cf), and the index in `text` of each
    character kept."""
    kept = [i for i, char in enumerate(text) if unicodedata.category(char) != "Cf"]
    return "".join(text[i] for i in kept), kept


# A word written letter by letter: three or more single letters, each apart from the next by
# a space, a dot, a hyphen, an underscore, a middle dot or an asterisk (one to three of them).
_LETTER = r"[^\W\d_]"
_SPACED_RE = re.compile(rf"(?<![\w]){_LETTER}(?:[\s.\-_·*]{{1,3}}{_LETTER}(?![\w])){{2,}}")
_GAP_RE = re.compile(r"[\s.\-_·*]+")


def letters_joined(text: str) -> tuple[str, list[int] | None]:
    """`text` with each word written letter by letter joined into the word, and the index in
    `text` of each character kept; None when there is none (most texts)."""
    if _SPACED_RE.search(text) is None:
        return text, None
    spacing: set[int] = set()
    for run in _SPACED_RE.finditer(text):
        gaps = list(_GAP_RE.finditer(run.group(0)))
        # A wider gap than the run's narrowest parts two words: "Е р л а н   Ж у м а б а е в".
        narrowest = min(len(g.group(0)) for g in gaps)
        for gap in gaps:
            if len(gap.group(0)) == narrowest:
                spacing.update(range(run.start() + gap.start(), run.start() + gap.end()))
    kept = [i for i in range(len(text)) if i not in spacing]
    return "".join(text[i] for i in kept), kept


def in_original(finding: Finding, text: str, origin: list[int]) -> Finding:
    start, end = origin[finding.start], origin[finding.end - 1] + 1
    return Finding(start, end, text[start:end], finding.kind)


def without_overlaps(found: Iterable[Finding]) -> list[Finding]:
    # A date inside a phone-like run of digits, a number inside an address: report each span
    # once. Names that overlap are one name ("Иванов Иван" and "Иван Иванович").
    kept: list[Finding] = []
    for item in sorted(found, key=lambda f: (f.start, -(f.end - f.start))):
        if kept and item.start < kept[-1].end:
            last = kept[-1]
            if item.kind == last.kind == "name" and item.end > last.end:
                text = last.text + item.text[last.end - item.start :]
                kept[-1] = Finding(last.start, item.end, text, "name")
            continue
        kept.append(item)
    return kept
