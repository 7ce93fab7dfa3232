"""Deterministic PDF/A rendering with WeasyPrint, shared by every document Kelisim prints.

One family of fonts (DejaVu Sans, which carries every Kazakh letter), a renderer that may
open those font files and nothing else, and the font subsets stamped with the document's
own date instead of the clock: the same HTML, date and identifier give byte-identical files.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

# Where Debian (fonts-dejavu-core), Fedora and Arch keep DejaVu Sans. One family in two
# weights: each embedded face costs render time.
FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu-sans-fonts"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/share/fonts/TTF"),
)
FONT_FILES = {"normal": "DejaVuSans.ttf", "bold": "DejaVuSans-Bold.ttf"}
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
        f'@font-face {{ font-family: "DejaVu Sans"; font-weight: {weight}; '
        f'src: url("{path.as_uri()}"); }}'
        for weight, path in sorted(fonts.items())
    )
    stylesheet = CSS(string=faces, font_config=font_config, url_fetcher=fetcher)
    document = HTML(string=html, base_url=base_url, url_fetcher=fetcher)
    with source_date(created_on):
        pdf: bytes = document.write_pdf(
            stylesheets=[stylesheet],
            font_config=font_config,
            pdf_variant="pdf/a-3b",
            pdf_tags=True,  # a tagged PDF: headings, tables and reading order for screen readers
            pdf_identifier=identifier.encode(),
        )
    return pdf


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


def font_files(font_dir: Path | None = None) -> dict[str, Path]:
    """The DejaVu Sans files by weight; a missing font fails loudly instead of printing boxes."""
    found = {}
    for weight, name in FONT_FILES.items():
        dirs = (font_dir,) if font_dir else FONT_DIRS
        path = next((d / name for d in dirs if (d / name).is_file()), None)
        if path is None:
            raise RuntimeError(
                f"font {name} not found in {', '.join(map(str, dirs))}: install fonts-dejavu-core"
            )
        found[weight] = path.resolve()
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
