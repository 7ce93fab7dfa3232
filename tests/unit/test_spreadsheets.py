"""Exports open in spreadsheet programs as text: no typed value becomes a formula."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from openpyxl import load_workbook

from kelisim.spreadsheets import csv_text, xlsx_bytes

pytestmark = pytest.mark.db_independent

FORMULAS = [
    '=HYPERLINK("http://evil.example/","Click")',
    "+7+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1)",
]


@pytest.mark.parametrize("typed", [*FORMULAS, "\t=1+1", "\r=1+1"])
def test_a_csv_cell_that_would_be_a_formula_is_kept_as_text(typed):
    (row,) = csv.reader(io.StringIO(csv_text([[typed, "ok"]])))
    assert row == ["'" + typed, "ok"]


@pytest.mark.parametrize("value", ["-3", "+7.5", "12", "Акимат", "a=b", "", "—"])
def test_numbers_and_other_texts_stay_as_they_are(value):
    (row,) = csv.reader(io.StringIO(csv_text([[value]])))
    assert row == [value]


def test_a_bom_only_when_asked_and_crlf_line_ends():
    assert csv_text([["a"], ["b"]]) == "a\r\nb\r\n"
    assert csv_text([["Алматы"]], bom=True) == "\ufeffАлматы\r\n"


def test_an_xlsx_sheet_holds_typed_formulas_as_strings_and_digits_as_numbers():
    book = xlsx_bytes("state-bodies", [["addressee", "count"], *([f, "12"] for f in FORMULAS)])
    sheet_xml = zipfile.ZipFile(io.BytesIO(book)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml
    sheet = load_workbook(io.BytesIO(book)).active
    assert sheet.title == "state-bodies"
    rows = [[c.value for c in r] for r in sheet.iter_rows(min_row=2)]
    assert rows == [[f, 12] for f in FORMULAS]
