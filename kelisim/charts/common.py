"""What every chart shares: palette, escaping, number format, scale, axes, legend, ids."""

from __future__ import annotations

import hashlib
import html
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

FONT_FAMILY = "DejaVu Sans, Verdana, sans-serif"
FONT_SIZE = 11
CHAR_WIDTH = FONT_SIZE * 0.62  # a generous average advance, to size margins without fonts
# Okabe-Ito colours darkened to at least 3:1 against white; series also differ by dash
# (lines) or hatching (bars), so colour is never the only cue.
COLOURS = ("#0066A1", "#B34700", "#007A5A", "#A3508A", "#5A5A5A", "#8A6D00")
DASHES = ("", "7 4", "2 3", "9 3 2 3", "4 4", "1 2")
HATCHES: tuple[tuple[int, ...], ...] = ((), (45,), (-45,), (0,), (90,), (45, -45))
THRESHOLD = ("#333333", "5 3")
HIGHLIGHT_COLOUR = "#B00020"
TEXT_COLOUR = "#1B1B1B"
GRID_COLOUR = "#D9D9D9"

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

LegendItem = tuple[str, str, str, str | None]  # label, colour, dash, pattern id


@dataclass(frozen=True)
class Series:
    """One named line or set of bars; None is a suppressed or missing value, drawn as a gap."""

    label: str
    values: Sequence[float | None]


@dataclass(frozen=True)
class ChartTexts:
    """The words of a chart's text alternative and its number format, in the reader's language."""

    first: str = "first"
    last: str = "last"
    highest: str = "highest"
    missing: str = "suppressed"
    no_data: str = "no data"
    decimal_separator: str = "."
    group_separator: str = ","


def esc(value: object) -> str:
    """`value` as XML text or attribute content: escaped, characters XML forbids removed."""
    return html.escape(_NOT_XML.sub("", str(value)), quote=True)


def format_number(value: float, decimals: int, texts: ChartTexts = ChartTexts()) -> str:
    """`value` with exactly `decimals` places and the language's separators."""
    text = f"{value:,.{decimals}f}"
    if text.startswith("-") and not text.strip("-0.,"):
        text = text[1:]
    swap = {",": texts.group_separator, ".": texts.decimal_separator}
    return "".join(swap.get(ch, ch) for ch in text)


class _Plot:
    """The plotting area and its value scale (vertical for lines, horizontal for bars)."""

    def __init__(self, left: float, top: float, right: float, bottom: float, ticks: list[float]):
        self.left, self.top, self.right, self.bottom = left, top, right, bottom
        self.w, self.h = right - left, bottom - top
        self.ticks, self.lo, self.hi = ticks, ticks[0], ticks[-1]

    def y(self, v: float) -> float:
        return self.bottom - (v - self.lo) / (self.hi - self.lo) * self.h

    def x(self, v: float) -> float:
        return self.left + (v - self.lo) / (self.hi - self.lo) * self.w

    def value_axis(self, labels: list[str], title: str | None, *, vertical: bool) -> list[str]:
        """Grid lines and tick labels of the value scale, the zero line, the axis title."""
        anchor = "end" if vertical else "middle"
        out = [f'<g class="{"y" if vertical else "x"}-axis" text-anchor="{anchor}">']
        for tick, text in zip(self.ticks, labels, strict=True):
            if vertical:
                y = self.y(tick)
                out.append(_line(self.left, y, self.right, y, GRID_COLOUR))
                out.append(_text(self.left - 6, y + 4, text))
            else:
                x = self.x(tick)
                out.append(_line(x, self.top, x, self.bottom, GRID_COLOUR))
                out.append(_text(x, self.bottom + 16, text))
        out.append("</g>")
        if vertical:
            out.append(_line(self.left, self.y(0), self.right, self.y(0), TEXT_COLOUR))
        else:
            out.append(_line(self.x(0), self.top, self.x(0), self.bottom, TEXT_COLOUR))
        if title and vertical:
            mid = _c(self.top + self.h / 2)
            turn = f'transform="rotate(-90 12 {mid})" text-anchor="middle"'
            out.append(_text(12, self.top + self.h / 2, title, turn))
        elif title:
            out.append(
                _text(self.left + self.w / 2, self.bottom + 32, title, 'text-anchor="middle"')
            )
        return out


def _line(x1: float, y1: float, x2: float, y2: float, colour: str, extra: str = "") -> str:
    return (
        f'<line x1="{_c(x1)}" y1="{_c(y1)}" x2="{_c(x2)}" y2="{_c(y2)}" stroke="{colour}"'
        f"{' ' + extra if extra else ''}/>"
    )


def _text(x: float, y: float, text: str, extra: str = "") -> str:
    return f'<text x="{_c(x)}" y="{_c(y)}"{" " + extra if extra else ""}>{esc(text)}</text>'


def _open(
    cid: str,
    kind: str,
    width: int,
    height: int,
    title: str,
    description: str,
    summary: str,
    role: str = "img",
) -> str:
    """The root element, its accessible name (title) and description (desc + data summary)."""
    desc = " ".join(p for p in (description.strip(), summary.strip()) if p)
    i = esc(cid)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{i}" class="chart chart--{kind}" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="{role}" '
        f'aria-labelledby="{i}-title {i}-desc" font-family="{FONT_FAMILY}" '
        f'font-size="{FONT_SIZE}" fill="{TEXT_COLOUR}">\n'
        f'<title id="{i}-title">{esc(title)}</title>\n'
        f'<desc id="{i}-desc">{esc(desc)}</desc>'
    )


def _legend_rows(items: list[LegendItem], width: float) -> list[list[tuple[float, LegendItem]]]:
    """Legend items laid out left to right, wrapping into rows that fit `width`."""
    rows: list[list[tuple[float, LegendItem]]] = []
    x = width
    for item in items:
        w = 30 + len(item[0]) * CHAR_WIDTH + 14
        if x + w > width and (not rows or rows[-1]):
            rows.append([])
            x = 0
        rows[-1].append((x, item))
        x += w
    return rows


def _legend(
    rows: list[list[tuple[float, LegendItem]]], left: float, top: float, *, line: bool
) -> list[str]:
    if not rows:
        return []
    out = ['<g class="legend">']
    for r, row in enumerate(rows):
        y = top + r * 18
        for x, (label, colour, dash, pattern) in row:
            x += left
            if line:
                dashed = f' stroke-dasharray="{dash}"' if dash else ""
                out.append(
                    f'<line x1="{_c(x)}" x2="{_c(x + 24)}" y1="{_c(y - 4)}" y2="{_c(y - 4)}" '
                    f'stroke="{colour}" stroke-width="2.5"{dashed}/>'
                )
            else:
                fill = f"url(#{pattern})" if pattern else colour
                out.append(
                    f'<rect x="{_c(x)}" y="{_c(y - 11)}" width="24" height="13" fill="{fill}" '
                    f'stroke="#7A7A7A"/>'
                )
            out.append(f'<text x="{_c(x + 30)}" y="{_c(y)}">{esc(label)}</text>')
    out.append("</g>")
    return out


def _hatch(pattern_id: str, fill: str, hatch: str | None, angles: tuple[int, ...]) -> str:
    """A fill pattern: plain `fill`, or crossed by lines of `hatch` at each angle."""
    lines = "".join(
        f'<line x1="3" y1="-2" x2="3" y2="8" stroke="{hatch}" stroke-width="1.5" '
        f'transform="rotate({a} 3 3)"/>'
        for a in (angles if hatch else ())
    )
    return (
        f'<pattern id="{esc(pattern_id)}" patternUnits="userSpaceOnUse" width="6" height="6">'
        f'<rect width="6" height="6" fill="{fill}"/>{lines}</pattern>'
    )


def _clean(values: Sequence[float | None]) -> list[float | None]:
    return [None if v is None or not math.isfinite(v) else float(v) for v in values]


def _places(values: Sequence[float]) -> int:
    """Decimal places that show `values` exactly, up to 2 (0 for counts)."""
    for places in (0, 1):
        if all(abs(v * 10**places - round(v * 10**places)) < 1e-6 for v in values):
            return places
    return 2


def _ticks(values: list[float], places: int) -> tuple[list[float], int]:
    """Round ticks from zero past the data, and the decimal places their labels need."""
    lo, hi = min([0.0, *values]), max([0.0, *values])
    if hi - lo < 1e-12:
        hi = lo + 1
    raw = (hi - lo) / 4
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw - 1e-12)
    if places == 0:
        step = max(step, 1.0)
    first, last = math.floor(lo / step + 1e-9), math.ceil(hi / step - 1e-9)
    ticks = [round(k * step, 10) for k in range(first, last + 1)]
    return ticks, _places(ticks)


def _value_text(v: float | None, places: int, texts: ChartTexts) -> str:
    return texts.missing if v is None else format_number(v, places, texts)


def _shorten(text: str, width: float) -> str:
    fits = int((width - 8) / CHAR_WIDTH)
    return text if len(text) <= fits else text[: max(1, fits - 1)] + "…"


def _chart_id(*parts: object) -> str:
    """An id derived from the input, so output is stable and distinct charts differ."""
    return "chart-" + hashlib.sha256(repr(parts).encode()).hexdigest()[:10]


def _c(x: float) -> str:
    text = f"{x:.1f}"
    return "0.0" if text == "-0.0" else text
