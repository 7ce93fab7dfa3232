"""Deterministic PDF/A rendering with WeasyPrint, shared by every document Kelisim prints.

A known list of font files (kelisim/fonts.py: DejaVu Sans, which carries every Kazakh letter,
then Symbola for the emoji and symbols people paste from messengers), a renderer that may
open those files and nothing else, any character none of them draws printed as U+FFFD
instead of a box, and the font subsets stamped with the document's own date instead of the
clock: the same HTML, date and identifier give byte-identical files.
"""

from __future__ import annotations

import functools
import os
import threading
import unicodedata
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from kelisim.fonts import FontFace, find_fonts
from kelisim.problems import Problem

# What prints in place of a character no listed font draws (DejaVu has it): a visible mark
# rather than a .notdef box, which PDF/A-3 forbids and which garbles the extracted text.
MARKER = "\ufffd"
_RENDERING = threading.Lock()


def render_pdf(
    html: str,
    *,
    base_url: str,
    created_on: date,
    identifier: str,
    font_dir: Path | None = None,
) -> bytes:
    """`html` as tagged PDF/A-3b bytes, the fonts stamped with `created_on`."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    fonts = font_files(font_dir)
    font_config = FontConfiguration()
    fetcher = local_files_only({path.as_uri(): path for path in fonts.values()})
    faces = "\n".join(
        f'@font-face {{ font-family: "{face.family}"; font-weight: {face.weight}; '
        f'src: url("{path.as_uri()}"); }}'
        for face, path in fonts.items()
    )
    stylesheet = CSS(string=faces, font_config=font_config, url_fetcher=fetcher)
    printable = printable_text(html, covered_characters(tuple(fonts.values())))
    document = HTML(string=printable, base_url=base_url, url_fetcher=fetcher)
    with source_date(created_on):
        pdf: bytes = document.write_pdf(
            stylesheets=[stylesheet],
            font_config=font_config,
            pdf_variant="pdf/a-3b",
            pdf_tags=True,  # a tagged PDF: headings, tables and reading order for screen readers
            pdf_identifier=identifier.encode(),
        )
    return pdf


def printable_text(text: str, covered: frozenset[int]) -> str:
    """`text` with each visible character that no listed font draws replaced by MARKER.

    Without this, Pango would look for the character in any font installed on the machine
    (or print .notdef): what a document embeds would depend on the machine.
    """
    missing = {
        ord(char): MARKER
        for char in set(text)
        if ord(char) not in covered and not _drawn_anyway(char, covered)
    }
    return text.translate(missing) if missing else text


def _drawn_anyway(char: str, covered: frozenset[int]) -> bool:
    """Invisible (controls, spaces, joiners, variation selectors) or composed of covered parts."""
    if unicodedata.category(char) in {"Cc", "Cf", "Zs", "Zl", "Zp"}:
        return True
    if 0xFE00 <= ord(char) <= 0xFE0F or 0xE0100 <= ord(char) <= 0xE01EF:
        return True
    parts = unicodedata.normalize("NFD", char)
    return parts != char and all(ord(part) in covered for part in parts)


@functools.cache
def covered_characters(paths: tuple[Path, ...]) -> frozenset[int]:
    """The code points the font files at `paths` map to a glyph."""
    from fontTools.ttLib import TTFont

    covered: set[int] = set()
    for path in paths:
        with TTFont(path, lazy=True) as font:
            covered.update(font.getBestCmap())
    return frozenset(covered)


@contextmanager
def source_date(day: date) -> Iterator[None]:
    """Stamp the embedded font subsets with `day`, not the clock.

    fontTools, which WeasyPrint subsets fonts with when HarfBuzz's subsetter is missing,
    writes the current time into each font's head table unless SOURCE_DATE_EPOCH is set.
    The variable is process-wide, so renders take turns.
    """
    epoch = str(int(datetime.combine(day, time(), UTC).timestamp()))
    with _RENDERING:
        before = os.environ.get("SOURCE_DATE_EPOCH")
        os.environ["SOURCE_DATE_EPOCH"] = epoch
        try:
            yield
        finally:
            if before is None:
                del os.environ["SOURCE_DATE_EPOCH"]
            else:
                os.environ["SOURCE_DATE_EPOCH"] = before


def font_files(font_dir: Path | None = None) -> dict[FontFace, Path]:
    """Each face's file, in FACES' order. A missing font fails loudly instead of printing
    boxes: the server cannot print until it is installed (503, the request changes nothing)."""
    found = find_fonts(font_dir)
    if isinstance(found, str):
        raise Problem(503, "printing-unavailable", found, title="Printing unavailable")
    return found


def local_files_only(allowed: Mapping[str, Path]) -> Any:
    """A URL fetcher that opens the font files and nothing else, so no value in the data can
    make the renderer read a file or call a server."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class LocalFilesOnly(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
            if url not in allowed:
                raise ValueError(f"a document loads only its fonts, not {url}")
            return URLFetcherResponse(url, allowed[url].read_bytes())

    return LocalFilesOnly(fail_on_errors=True)
