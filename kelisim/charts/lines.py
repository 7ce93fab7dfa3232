"""Line charts: series over time, a dashed upper bound, a ringed flagged point."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from kelisim.charts.common import (
    CHAR_WIDTH,
    COLOURS,
    DASHES,
    HIGHLIGHT_COLOUR,
    THRESHOLD,
    ChartTexts,
    LegendItem,
    Series,
    _c,
    _chart_id,
    _clean,
    _legend,
    _legend_rows,
    _open,
    _places,
    _Plot,
    _text,
    _ticks,
    esc,
    format_number,
)


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
