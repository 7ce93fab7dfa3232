"""Accessible SVG charts rendered on the server, shared by the web UI and the yearly report.

Every function is pure and returns an SVG string: no script, nothing fetched from outside,
the same input always gives the same string. Every word a reader sees comes from the
caller (so the caller translates it) and is XML-escaped here, so no stored value can break
the page.
"""

from __future__ import annotations

import hashlib
import html
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

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

# One tile per first-level unit as (column, row), west to east and north to south.
TILE_GRID: dict[str, tuple[int, int]] = {
    "KZ-59": (3, 0),
    "KZ-27": (0, 1),
    "KZ-15": (1, 1),
    "KZ-39": (2, 1),
    "KZ-11": (3, 1),
    "KZ-71": (4, 1),
    "KZ-55": (5, 1),
    "KZ-23": (0, 2),
    "KZ-62": (2, 2),
    "KZ-35": (3, 2),
    "KZ-10": (5, 2),
    "KZ-63": (6, 2),
    "KZ-47": (0, 3),
    "KZ-43": (1, 3),
    "KZ-61": (2, 3),
    "KZ-31": (3, 3),
    "KZ-19": (4, 3),
    "KZ-33": (5, 3),
    "KZ-79": (2, 4),
    "KZ-75": (4, 4),
}
# Levels 0 calm, 1 watch, 2 alert: (fill, hatch colour or None for plain, hatch angles).
LEVEL_STYLES: tuple[tuple[str, str | None, tuple[int, ...]], ...] = (
    ("#DCEFD9", None, ()),
    ("#F5C542", "#8A6100", (45,)),
    ("#D9534F", "#6B0000", (45, -45)),
)
NO_DATA_FILL = "#F2F2F2"

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


def line_chart(
    series: Sequence[Series],
    *,
    title: str,
    description: str,
    x_labels: Sequence[str],
    width: int = 640,
    height: int = 240,
    highlight: int | None = None,
    highlight_label: str | None = None,
    threshold: Sequence[float | None] | None = None,
    threshold_label: str | None = None,
    y_label: str | None = None,
    texts: ChartTexts = ChartTexts(),
    decimals: int | None = None,
    chart_id: str | None = None,
) -> str:
    """Lines over `x_labels`, a dashed upper bound, and `highlight` ringing a flagged point."""
    n = len(x_labels)
    if any(len(s.values) != n for s in series) or (threshold is not None and len(threshold) != n):
        raise ValueError("every series and the threshold need one value per x label")
    if highlight is not None and not 0 <= highlight < n:
        raise ValueError("highlight is not the index of a point")
    cid = chart_id or _chart_id("line", series, title, description, x_labels, highlight, threshold)
    values = [_clean(s.values) for s in series]
    bound = _clean(threshold) if threshold is not None else None
    known = [v for vs in [*values, bound or []] for v in vs if v is not None]
    places = _places(known) if decimals is None else decimals
    ticks, tick_places = _ticks(known, places)
    tick_text = [format_number(t, tick_places, texts) for t in ticks]
    legend: list[LegendItem] = [
        (s.label, COLOURS[i % 6], DASHES[i % 6], None) for i, s in enumerate(series)
    ]
    if bound is not None and threshold_label:
        legend.append((threshold_label, *THRESHOLD, None))
    legend_rows = _legend_rows(legend, width - 16)
    half = max((len(x) for x in x_labels), default=1) * CHAR_WIDTH / 2 + 4
    left = 14 + max(len(t) for t in tick_text) * CHAR_WIDTH + (18 if y_label else 0)
    right = width - max(16, half)
    plot = _Plot(max(left, half), 12, right, height - 30 - 18 * len(legend_rows), ticks)

    def x_at(i: int) -> float:
        return (plot.left + plot.right) / 2 if n == 1 else plot.left + i * plot.w / (n - 1)

    summary = _line_summary(series, values, x_labels, places, texts)
    out = [_open(cid, "line", width, height, title, description, summary)]
    out += plot.value_axis(tick_text, y_label, vertical=True)
    every = max(1, math.ceil(n * (2 * half + 4) / max(plot.w, 1)))
    out.append('<g class="x-axis" text-anchor="middle">')
    for i in range(0, n, every):
        out.append(_text(x_at(i), plot.bottom + 16, x_labels[i]))
    out.append("</g>")
    if bound is not None:
        out.append(_polyline(bound, x_at, plot.y, *THRESHOLD, 1.5, "threshold"))
    for i, vs in enumerate(values):
        out.append(_polyline(vs, x_at, plot.y, COLOURS[i % 6], DASHES[i % 6], 2.5, "series"))
    flagged = values[0][highlight] if values and highlight is not None else None
    if highlight is not None and flagged is not None:
        out += _highlight(x_at(highlight), plot.y(flagged), plot, highlight_label)
    out += _legend(legend_rows, 8, plot.bottom + 30, line=True)
    out.append("</svg>")
    return "\n".join(out)


def bar_chart(
    series: Sequence[Series],
    *,
    title: str,
    description: str,
    categories: Sequence[str],
    width: int = 640,
    height: int | None = None,
    x_label: str | None = None,
    texts: ChartTexts = ChartTexts(),
    decimals: int | None = None,
    chart_id: str | None = None,
) -> str:
    """Horizontal bars, a band per category and a bar per series; a None shows `texts.missing`."""
    n = len(categories)
    if any(len(s.values) != n for s in series):
        raise ValueError("every series needs one value per category")
    cid = chart_id or _chart_id("bar", series, title, description, categories)
    values = [_clean(s.values) for s in series]
    known = [v for vs in values for v in vs if v is not None]
    places = _places(known) if decimals is None else decimals
    ticks, tick_places = _ticks(known, places)
    legend: list[LegendItem] = [
        (s.label, COLOURS[i % 6], "", f"{cid}-series-{i}") for i, s in enumerate(series)
    ]
    legend_rows = _legend_rows(legend, width - 16) if len(series) > 1 else []
    band = max(20, 8 + 14 * len(series))
    label_w = min(width * 0.4, 8 + max((len(c) for c in categories), default=1) * CHAR_WIDTH)
    widest = max([len(texts.missing), *(len(format_number(v, places, texts)) for v in known)])
    bottom = 12 + n * band
    height = height or int(bottom + 26 + (16 if x_label else 0) + 18 * len(legend_rows) + 4)
    plot = _Plot(label_w + 8, 12, width - 12 - widest * CHAR_WIDTH, bottom, ticks)
    summary = "; ".join(
        (f"{s.label}: " if len(series) > 1 else "")
        + ", ".join(
            f"{c} {_value_text(v, places, texts)}" for c, v in zip(categories, vs, strict=True)
        )
        for s, vs in zip(series, values, strict=True)
    )
    out = [_open(cid, "bar", width, height, title, description, summary), "<defs>"]
    out += [
        _hatch(f"{cid}-series-{i}", COLOURS[i % 6], "#FFFFFF", HATCHES[i % 6])
        for i in range(len(series))
    ]
    out.append("</defs>")
    out += plot.value_axis(
        [format_number(t, tick_places, texts) for t in ticks], x_label, vertical=False
    )
    bar_h = (band - 6) / max(1, len(series))
    for c, category in enumerate(categories):
        top = plot.top + c * band + 3
        name = _text(plot.left - 6, top + (band - 6) / 2 + 4, _shorten(category, label_w))
        out.append(f'<g text-anchor="end"><title>{esc(category)}</title>{name}</g>')
        for i, vs in enumerate(values):
            y, v = top + i * bar_h, vs[c]
            if v is None:
                mark = 'fill="#555555" font-style="italic"'
                out.append(_text(plot.x(0) + 4, y + bar_h / 2 + 4, texts.missing, mark))
                continue
            x0, x1 = sorted((plot.x(0), plot.x(v)))
            out.append(
                f'<rect x="{_c(x0)}" y="{_c(y)}" width="{_c(max(x1 - x0, 0.5))}" '
                f'height="{_c(bar_h - 1)}" fill="url(#{cid}-series-{i})" '
                f'stroke="{COLOURS[i % 6]}"/>'
                + _text(x1 + 4, y + bar_h / 2 + 4, format_number(v, places, texts))
            )
    out += _legend(legend_rows, 8, height - 6 - 18 * (len(legend_rows) - 1), line=False)
    out.append("</svg>")
    return "\n".join(out)


def tile_map(
    levels: Mapping[str, int],
    *,
    names: Mapping[str, str],
    title: str,
    description: str,
    level_labels: Sequence[str],
    links: Mapping[str, str] | None = None,
    abbreviations: Mapping[str, str] | None = None,
    no_data_label: str | None = None,
    tile: int = 56,
    chart_id: str | None = None,
) -> str:
    """Kazakhstan's 20 regions as tiles placed by geography, coloured and hatched by level.

    A region missing from `levels` is drawn blank and dashed (no data). Tiles are labelled
    with `abbreviations` (the ISO code when none is given); links make them clickable.
    """
    if len(level_labels) != len(LEVEL_STYLES):
        raise ValueError("level_labels needs a label for each of levels 0, 1 and 2")
    if any(level not in range(len(LEVEL_STYLES)) for level in levels.values()):
        raise ValueError("a level is 0 (calm), 1 (watch) or 2 (alert)")
    links = links or {}
    if any(urlsplit(href).scheme not in ("", "http", "https") for href in links.values()):
        raise ValueError("links must be web links")
    short = abbreviations or {}
    cid = chart_id or _chart_id("map", sorted(levels.items()), names, title, description, links)
    gap, pad = 4, 8
    cols = 1 + max(c for c, _ in TILE_GRID.values())
    rows = 1 + max(r for _, r in TILE_GRID.values())
    legend: list[LegendItem] = [
        (label, LEVEL_STYLES[i][0], "", f"{cid}-level-{i}") for i, label in enumerate(level_labels)
    ]
    if no_data_label and any(code not in levels for code in TILE_GRID):
        legend.append((no_data_label, NO_DATA_FILL, "", None))
    width = pad * 2 + cols * (tile + gap) - gap
    legend_rows = _legend_rows(legend, width - 2 * pad)
    grid_bottom = pad + rows * (tile + gap) - gap
    height = grid_bottom + 8 + 18 * len(legend_rows) + pad
    summary = "; ".join(
        f"{level_labels[level]}: "
        + ", ".join(names.get(c, c) for c in sorted(TILE_GRID) if levels.get(c) == level)
        for level in range(len(LEVEL_STYLES) - 1, 0, -1)
        if level in levels.values()
    )
    role = "group" if links else "img"
    out = [_open(cid, "map", width, height, title, description, summary, role=role), "<defs>"]
    out += [
        _hatch(f"{cid}-level-{i}", fill, hatch, angles)
        for i, (fill, hatch, angles) in enumerate(LEVEL_STYLES)
    ]
    out.append("</defs>")
    for code, (col, row) in sorted(TILE_GRID.items()):
        level = levels.get(code)
        state = level_labels[level] if level is not None else no_data_label
        label = f"{names.get(code, code)}: {state}" if state else names.get(code, code)
        body = _tile(
            code,
            level,
            label,
            short.get(code, code),
            pad + col * (tile + gap),
            pad + row * (tile + gap),
            tile,
            cid,
        )
        if code in links:
            body = f'<a href="{esc(links[code])}" aria-label="{esc(label)}">{body}</a>'
        out.append(body)
    out += _legend(legend_rows, pad, grid_bottom + 22, line=False)
    out.append("</svg>")
    return "\n".join(out)


def _tile(
    code: str, level: int | None, label: str, short: str, x: int, y: int, size: int, cid: str
) -> str:
    if level is None:
        fill, border, state = NO_DATA_FILL, 'stroke="#7A7A7A" stroke-dasharray="3 2"', "no-data"
    else:
        colour = TEXT_COLOUR if level == 2 else "#7A7A7A"
        fill, border, state = f"url(#{cid}-level-{level})", f'stroke="{colour}"', f"level-{level}"
    plate = len(short) * CHAR_WIDTH + 8
    return (
        f'<g class="tile tile--{state}" data-region="{esc(code)}" '
        f'data-level="{"" if level is None else level}">'
        f"<title>{esc(label)}</title>"
        f'<rect x="{x}" y="{y}" width="{size}" height="{size}" rx="3" fill="{fill}" {border} '
        f'stroke-width="{1 + (level or 0)}"/>'
        f'<rect x="{_c(x + (size - plate) / 2)}" y="{_c(y + size / 2 - 9)}" width="{_c(plate)}" '
        f'height="17" rx="2" fill="#FFFFFF" fill-opacity="0.9"/>'
        f'<text x="{_c(x + size / 2)}" y="{_c(y + size / 2 + 4)}" text-anchor="middle">'
        f"{esc(short)}</text></g>"
    )


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


def _line_summary(
    series: Sequence[Series],
    values: list[list[float | None]],
    x_labels: Sequence[str],
    places: int,
    texts: ChartTexts,
) -> str:
    """Each series' first, last and highest value, and how many points are suppressed."""
    parts = []
    for s, vs in zip(series, values, strict=True):
        shown = [(x_labels[i], v) for i, v in enumerate(vs) if v is not None]
        if not shown:
            parts.append(f"{s.label}: {texts.no_data}.")
            continue
        top = max(shown, key=lambda p: p[1])
        words = ((texts.first, shown[0]), (texts.last, shown[-1]), (texts.highest, top))
        text = "; ".join(f"{w} {x} {format_number(v, places, texts)}" for w, (x, v) in words)
        hidden = sum(v is None for v in vs)
        parts.append(f"{s.label}: {text}" + (f"; {texts.missing}: {hidden}." if hidden else "."))
    return " ".join(parts)


def _highlight(x: float, y: float, plot: _Plot, label: str | None) -> list[str]:
    out = ['<g class="highlight">']
    if label:
        out.append(f"<title>{esc(label)}</title>")
    out.append(
        f'<circle cx="{_c(x)}" cy="{_c(y)}" r="7" fill="none" '
        f'stroke="{HIGHLIGHT_COLOUR}" stroke-width="2.5"/>'
    )
    if label:
        right = x > plot.left + plot.w / 2
        out.append(
            f'<text x="{_c(x - 10 if right else x + 10)}" y="{_c(max(y - 8, plot.top + 10))}" '
            f'text-anchor="{"end" if right else "start"}" fill="{HIGHLIGHT_COLOUR}" '
            f'font-weight="bold">{esc(label)}</text>'
        )
    out.append("</g>")
    return out


def _polyline(
    values: list[float | None],
    x_at: Callable[[int], float],
    y_at: Callable[[float], float],
    colour: str,
    dash: str,
    stroke: float,
    kind: str,
) -> str:
    """A path broken at every None; a point with gaps on both sides becomes a dot."""
    runs: list[list[tuple[float, float]]] = [[]]
    for i, v in enumerate(values):
        if v is None:
            runs.append([])
        else:
            runs[-1].append((x_at(i), y_at(v)))
    d = " ".join("M" + " L".join(f"{_c(x)} {_c(y)}" for x, y in r) for r in runs if len(r) > 1)
    dots = "".join(
        f'<circle cx="{_c(r[0][0])}" cy="{_c(r[0][1])}" r="3" fill="{colour}"/>'
        for r in runs
        if len(r) == 1
    )
    dashed = f' stroke-dasharray="{dash}"' if dash else ""
    path = (
        f'<path d="{d}" fill="none" stroke="{colour}" stroke-width="{stroke}" '
        f'stroke-linejoin="round"{dashed}/>'
        if d
        else ""
    )
    return f'<g class="{kind}">{path}{dots}</g>'


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
