"""Horizontal bar charts: a band per category, a hatched bar per series."""

from __future__ import annotations

from collections.abc import Sequence

from kelisim.charts.common import (
    CHAR_WIDTH,
    COLOURS,
    HATCHES,
    ChartTexts,
    LegendItem,
    Series,
    _c,
    _chart_id,
    _clean,
    _hatch,
    _legend,
    _legend_rows,
    _open,
    _places,
    _Plot,
    _shorten,
    _text,
    _ticks,
    _value_text,
    esc,
    format_number,
)


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
