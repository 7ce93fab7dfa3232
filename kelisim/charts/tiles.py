"""The tile map: Kazakhstan's regions as tiles placed by geography, coloured by level."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from urllib.parse import urlsplit

from kelisim.charts.common import (
    CHAR_WIDTH,
    TEXT_COLOUR,
    LegendItem,
    _c,
    _chart_id,
    _hatch,
    _legend,
    _legend_rows,
    _open,
    esc,
)

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
