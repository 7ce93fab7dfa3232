"""Accessible SVG charts rendered on the server, shared by the web UI and the yearly report.

Every function is pure and returns an SVG string: no script, nothing fetched from outside,
the same input always gives the same string. Every word a reader sees comes from the
caller (so the caller translates it) and is XML-escaped here, so no stored value can break
the page.
"""

from kelisim.charts.bars import bar_chart
from kelisim.charts.common import (
    CHAR_WIDTH,
    COLOURS,
    DASHES,
    FONT_FAMILY,
    FONT_SIZE,
    GRID_COLOUR,
    HATCHES,
    HIGHLIGHT_COLOUR,
    TEXT_COLOUR,
    THRESHOLD,
    ChartTexts,
    LegendItem,
    Series,
    esc,
    format_number,
)
from kelisim.charts.lines import line_chart
from kelisim.charts.tiles import LEVEL_STYLES, NO_DATA_FILL, TILE_GRID, tile_map

__all__ = [
    "CHAR_WIDTH",
    "COLOURS",
    "DASHES",
    "FONT_FAMILY",
    "FONT_SIZE",
    "GRID_COLOUR",
    "HATCHES",
    "HIGHLIGHT_COLOUR",
    "LEVEL_STYLES",
    "NO_DATA_FILL",
    "TEXT_COLOUR",
    "THRESHOLD",
    "TILE_GRID",
    "ChartTexts",
    "LegendItem",
    "Series",
    "bar_chart",
    "esc",
    "format_number",
    "line_chart",
    "tile_map",
]
