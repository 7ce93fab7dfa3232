"""Printed documents draw what people paste from messengers: emoji and symbols print with a
glyph from an embedded font (Symbola after DejaVu Sans), never as an empty .notdef box, and
the files stay PDF/A-3b and byte-identical for the same input (real WeasyPrint, read back
with pypdf and fontTools)."""

from __future__ import annotations

import io
import re
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader
from pypdf.generic import ContentStream

from kelisim.pdf import (
    MARKER,
    covered_characters,
    font_files,
    printable_text,
    render_pdf,
)
from kelisim.problems import Problem

pytestmark = pytest.mark.db_independent

PASTED = "Келісім 🤝 жасалды ✅"


def page(body: str) -> str:
    return (
        '<!doctype html><html lang="kk"><head><meta charset="utf-8"><title>t</title>'
        '<style>body { font-family: "DejaVu Sans", "Symbola"; }</style></head>'
        f"<body>{body}</body></html>"
    )


def render(body: str) -> bytes:
    return render_pdf(page(body), base_url="file:///", created_on=date(2026, 3, 2), identifier="t")


def text_of(reader: PdfReader) -> str:
    return "\n".join(p.extract_text() for p in reader.pages)


def embedded_fonts(reader: PdfReader) -> dict[str, TTFont]:
    """Each font subset on the pages by its PDF name (`ABCDEF+Family-Style`)."""
    fonts = {}
    for p in reader.pages:
        for font in p["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object()
            data = descendant["/FontDescriptor"].get_object()["/FontFile2"].get_data()
            fonts[str(font["/BaseFont"]).lstrip("/")] = TTFont(io.BytesIO(data))
    return fonts


def drawn_glyphs(reader: PdfReader) -> list[tuple[str, int]]:
    """(font name, glyph id) of every glyph the text operators show (two-byte Identity-H)."""
    drawn = []
    for p in reader.pages:
        names = {
            name: str(f.get_object()["/BaseFont"]).lstrip("/")
            for name, f in p["/Resources"]["/Font"].items()
        }
        font = ""
        for operands, operator in ContentStream(p.get_contents(), reader).operations:
            if operator == b"Tf":
                font = names[operands[0]]
            shown: list[Any] = []
            if operator in (b"Tj", b"'"):
                shown = [operands[0]]
            elif operator == b'"':
                shown = [operands[2]]
            elif operator == b"TJ":
                shown = [part for part in operands[0] if not isinstance(part, int | float)]
            for string in shown:
                raw = bytes(string.original_bytes if hasattr(string, "original_bytes") else string)
                drawn += [(font, int.from_bytes(raw[i : i + 2])) for i in range(0, len(raw), 2)]
    return drawn


def symbola(fonts: dict[str, TTFont]) -> list[TTFont]:
    return [font for name, font in fonts.items() if re.fullmatch(r"[A-Z]{6}\+Symbola.*", name)]


def test_pasted_emoji_print_with_a_symbola_glyph_in_normal_and_bold_text():
    reader = PdfReader(io.BytesIO(render(f"<p>{PASTED}</p><p><b>{PASTED}</b></p>")))
    assert text_of(reader).split("\n") == [PASTED, PASTED]
    fonts = embedded_fonts(reader)
    drawn = drawn_glyphs(reader)
    assert symbola(fonts), fonts.keys()
    for name, font in fonts.items():
        if font not in symbola(fonts):
            continue
        cmap = font.getBestCmap()
        for char in "🤝✅":
            assert ord(char) in cmap, (char, cmap)
            glyph = font["glyf"][cmap[ord(char)]]
            assert glyph.numberOfContours != 0, char  # an outline, not an empty glyph
        emoji = {font.getGlyphID(cmap[ord(char)]) for char in "🤝✅"}
        assert {glyph for shown_in, glyph in drawn if shown_in == name} == emoji
    assert drawn and all(glyph != 0 for _, glyph in drawn)  # no .notdef anywhere


def test_a_character_no_listed_font_draws_prints_as_the_replacement_mark():
    # 🥰 (Unicode 11) and 🫶 (Unicode 14) are newer than Symbola; a private-use character
    # is in no font. None may reach a font installed on the machine or print as a box.
    reader = PdfReader(io.BytesIO(render("<p>Рахмет 🥰 🫶 \ue000</p>")))
    assert text_of(reader) == f"Рахмет {MARKER} {MARKER} {MARKER}"
    drawn = drawn_glyphs(reader)
    assert drawn and all(glyph != 0 for _, glyph in drawn)
    assert all(re.fullmatch(r"[A-Z]{6}\+DejaVu-Sans", name) for name in embedded_fonts(reader))


def test_printable_text_keeps_what_the_fonts_draw_and_invisible_characters():
    covered = covered_characters(tuple(font_files().values()))
    kept = "Әлия Қасымова ✅ 🤝 ❤️ 👍🏽 👨\u200d👩\u200d👧 🇰🇿\n\t\u00a0\u200b"
    assert printable_text(kept, covered) == kept
    assert printable_text("<p>ok 🥰</p>", covered) == f"<p>ok {MARKER}</p>"
    # A letter the fonts lack precomposed, but whose parts they draw, is left to HarfBuzz.
    assert printable_text("ǹ", frozenset(map(ord, "n\u0300"))) == "ǹ"


def test_a_document_with_emoji_stays_pdf_a_3b_with_embedded_subsets_and_the_same_bytes():
    body = f"<h1>{PASTED}</h1><p>{PASTED} 🥰</p>"
    first = render(body)
    assert render(body) == first
    reader = PdfReader(io.BytesIO(first))
    catalog: Any = reader.trailer["/Root"]
    xmp = catalog["/Metadata"].get_object().get_data()
    assert b'pdfaid:part="3"' in xmp and b'pdfaid:conformance="B"' in xmp
    assert any(i.get_object()["/S"] == "/GTS_PDFA1" for i in catalog["/OutputIntents"])
    fonts = embedded_fonts(reader)  # FontFile2 in every descriptor: all embedded
    assert len(symbola(fonts)) == 2 and len(fonts) == 4, fonts.keys()  # normal and bold each
    for font in fonts.values():
        assert font["maxp"].numGlyphs < 10_000 and len(font.getBestCmap()) < 40  # subsets


def test_a_font_directory_without_symbola_fails_naming_the_package(tmp_path: Path):
    for face, path in font_files().items():
        if face.family == "DejaVu Sans":
            shutil.copy(path, tmp_path / path.name)
    with pytest.raises(Problem, match="installs the package fonts-symbola") as refused:
        render_pdf(
            page("x"),
            base_url="file:///",
            created_on=date(2026, 3, 2),
            identifier="t",
            font_dir=tmp_path,
        )
    # Answered as a problem (RFC 9457): the server cannot print, the request was not wrong.
    assert (refused.value.status, refused.value.kind) == (503, "printing-unavailable")


def test_kelisim_up_is_told_when_printing_is_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from kelisim import fonts

    assert fonts.printing_problem() is None  # this machine has them (CI installs them)
    monkeypatch.setattr(fonts, "FONT_DIRS", (tmp_path,))
    why = fonts.printing_problem()
    assert why is not None and "fonts-dejavu-core" in why and str(tmp_path) in why
