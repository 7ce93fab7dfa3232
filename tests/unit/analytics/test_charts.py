"""The shared SVG charts: well-formed, accessible, escaped, deterministic, gaps for None."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from kelisim.charts import (
    TILE_GRID,
    ChartTexts,
    Series,
    bar_chart,
    format_number,
    line_chart,
    tile_map,
)
from kelisim.regions import REGIONS

pytestmark = pytest.mark.db_independent

SVG = "{http://www.w3.org/2000/svg}"
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun"]
LEVELS = ["calm", "watch", "alert"]
NAMES = {code: region.en for code, region in REGIONS.items()}
# Every element the charts draw with; anything else would be injected markup.
DRAWING = {
    "svg",
    "title",
    "desc",
    "defs",
    "pattern",
    "g",
    "a",
    "line",
    "path",
    "rect",
    "text",
    "circle",
}


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def by_id(root: ET.Element, ident: str) -> ET.Element:
    found = [e for e in root.iter() if e.get("id") == ident]
    assert len(found) == 1, ident
    return found[0]


def cases(values: list[float | None], label: str = "Cases") -> str:
    return line_chart(
        [Series(label, values)],
        title="Cases registered",
        description="Cases registered each month.",
        x_labels=MONTHS[: len(values)],
    )


def test_a_line_chart_is_an_image_named_by_its_title_and_described_by_its_desc():
    root = parse(cases([3, 5, 8, 6, 9, 7]))

    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby").split()
    assert by_id(root, title_id).tag == f"{SVG}title"
    assert by_id(root, title_id).text == "Cases registered"
    assert by_id(root, desc_id).tag == f"{SVG}desc"
    assert by_id(root, desc_id).text.startswith("Cases registered each month.")


def test_the_text_alternative_gives_first_last_and_highest_in_the_callers_words():
    words = ChartTexts(
        first="алғашқы",
        last="соңғы",
        highest="ең жоғары",
        missing="жасырылған",
        decimal_separator=",",
        group_separator="\u00a0",
    )
    svg = line_chart(
        [Series("Істер", [1200, None, 4321.5, 900])],
        title="Тіркелген істер",
        description="Айлар бойынша.",
        x_labels=["қаң", "ақп", "нау", "сәу"],
        texts=words,
    )
    desc = parse(svg).find(f"{SVG}desc").text

    assert "алғашқы қаң 1\u00a0200,0" in desc
    assert "соңғы сәу 900,0" in desc
    assert "ең жоғары нау 4\u00a0321,5" in desc
    assert "жасырылған: 1" in desc


def test_every_stored_text_is_escaped_so_no_value_can_inject_markup():
    hostile = '<script>alert("x")</script> Tom & Jerry'
    svg = line_chart(
        [Series(hostile, [1, 2, 3])],
        title=hostile,
        description="a & b < c",
        x_labels=["<b>1</b>", "2", "3\x00\x1b"],
    )
    root = parse(svg)

    assert "<script" not in svg
    assert {e.tag.removeprefix(SVG) for e in root.iter()} <= DRAWING
    assert root.find(f"{SVG}title").text == hostile
    assert "a & b < c" in root.find(f"{SVG}desc").text
    assert "Tom &amp; Jerry" in svg


def test_a_suppressed_month_is_a_gap_in_the_line_not_a_zero():
    root = parse(cases([3, 5, None, 6, 9, 7]))
    path = root.find(f".//{SVG}g[@class='series']/{SVG}path")

    assert path.get("d").count("M") == 2
    assert path.get("d").count("L") == 3  # 3-5 and 6-9-7: no segment crosses the gap


def test_a_point_between_two_gaps_is_drawn_as_a_dot():
    root = parse(cases([3, None, 5, None, 7]))
    series = root.find(f".//{SVG}g[@class='series']")

    assert series.find(f"{SVG}path") is None
    assert len(series.findall(f"{SVG}circle")) == 3


def test_the_same_input_gives_the_same_string_and_other_input_another_id():
    first = cases([3, 5, 8, 6, 9, 7])

    assert cases([3, 5, 8, 6, 9, 7]) == first
    assert parse(cases([3, 5, 8, 6, 9, 8])).get("id") != parse(first).get("id")


def test_a_flagged_month_is_ringed_above_its_dashed_upper_bound():
    svg = line_chart(
        [Series("Observed", [2, 3, 2, 14, 3, 2])],
        title="Land disputes in Turkistan",
        description="The flagged month is ringed.",
        x_labels=MONTHS,
        highlight=3,
        highlight_label="Alert: April",
        threshold=[9, 9, 9, 9, 9, None],
        threshold_label="Upper bound",
    )
    root = parse(svg)
    ring = root.find(f".//{SVG}g[@class='highlight']")
    bound = root.find(f".//{SVG}g[@class='threshold']/{SVG}path")
    legend = [t.text for t in root.findall(f".//{SVG}g[@class='legend']/{SVG}text")]

    assert ring.find(f"{SVG}title").text == "Alert: April"
    assert ring.find(f"{SVG}circle") is not None
    assert bound.get("stroke-dasharray")
    assert legend == ["Observed", "Upper bound"]


def test_a_highlight_outside_the_series_is_refused():
    with pytest.raises(ValueError):
        line_chart(
            [Series("a", [1, 2])], title="t", description="d", x_labels=["1", "2"], highlight=2
        )


def test_a_bar_chart_prints_the_suppression_mark_where_a_value_is_hidden():
    svg = bar_chart(
        [Series("2025", [12, None, 4321])],
        title="Cases by category",
        description="Cases registered in 2025.",
        categories=["Interethnic", "Interfaith", "Land"],
        texts=ChartTexts(missing="×"),
    )
    root = parse(svg)
    texts = [t.text for t in root.iter(f"{SVG}text")]

    assert len([r for r in root.iter(f"{SVG}rect") if r.get("fill", "").startswith("url(")]) == 2
    assert "×" in texts
    assert "4,321" in texts
    assert "Interethnic 12, Interfaith ×, Land 4,321" in root.find(f"{SVG}desc").text


def test_the_tile_map_has_one_tile_per_region_titled_with_its_full_name():
    root = parse(tile_map({}, names=NAMES, title="Alerts", description="d", level_labels=LEVELS))
    tiles = [g for g in root.iter(f"{SVG}g") if "tile" in g.get("class", "").split()]

    assert len(tiles) == 20
    assert {g.get("data-region") for g in tiles} == set(REGIONS)
    for g in tiles:
        assert g.find(f"{SVG}title").text.startswith(REGIONS[g.get("data-region")].en)
    assert set(TILE_GRID) == set(REGIONS)
    assert len(set(TILE_GRID.values())) == 20  # no two regions share a square


def test_a_tiles_level_changes_its_class_its_fill_and_its_title():
    levels = {"KZ-61": 2, "KZ-33": 1, "KZ-71": 0}
    root = parse(tile_map(levels, names=NAMES, title="t", description="d", level_labels=LEVELS))
    tile = {g.get("data-region"): g for g in root.iter(f"{SVG}g") if g.get("data-region")}

    fills = set()
    for code, level in levels.items():
        assert f"tile--level-{level}" in tile[code].get("class")
        assert tile[code].find(f"{SVG}title").text == f"{NAMES[code]}: {LEVELS[level]}"
        fill = tile[code].find(f"{SVG}rect").get("fill")
        assert fill.endswith(f"-level-{level})")
        fills.add(fill)
    assert len(fills) == 3
    assert "tile--no-data" in tile["KZ-10"].get("class")
    hatched = [p for p in root.iter(f"{SVG}pattern") if p.find(f"{SVG}line") is not None]
    assert len(hatched) == 2  # watch and alert differ by hatching, not colour alone


def test_tiles_become_links_and_a_script_link_is_refused():
    svg = tile_map(
        {"KZ-75": 1},
        names=NAMES,
        title="t",
        description="d",
        level_labels=LEVELS,
        links={"KZ-75": "/analytics/regions/KZ-75?year=2025&month=3"},
    )
    root = parse(svg)
    links = list(root.iter(f"{SVG}a"))

    assert root.get("role") == "group"
    assert [a.get("href") for a in links] == ["/analytics/regions/KZ-75?year=2025&month=3"]
    assert links[0].get("aria-label") == "Almaty (city): watch"
    with pytest.raises(ValueError):
        tile_map(
            {},
            names=NAMES,
            title="t",
            description="d",
            level_labels=LEVELS,
            links={"KZ-75": "javascript:alert(1)"},
        )


def test_numbers_have_fixed_places_and_the_languages_separators():
    kk = ChartTexts(decimal_separator=",", group_separator="\u00a0")

    assert format_number(4321, 0) == "4,321"
    assert format_number(4321.26, 1, kk) == "4\u00a0321,3"
    assert format_number(-0.01, 1) == "0.0"
