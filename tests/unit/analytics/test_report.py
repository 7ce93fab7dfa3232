"""The yearly report: three languages, Kazakh letters, PDF/A, same bytes, hidden stays hidden."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date
from functools import cache

import pytest
from pypdf import PdfReader

from kelisim.charts import Series
from services.analytics.report import (
    ReportAlert,
    ReportData,
    ReportProposal,
    ReportTable,
    ReportTrend,
    render_html,
    render_report,
)
from services.analytics.texts import SUPPRESSED_MARK

pytestmark = pytest.mark.db_independent

# Almaty city's settled and not-settled counts were 3 and 5: disclosure control hid both
# (3 is below 5; 5 would give 3 away from the total 8). Every other cell is a number without
# the digits 3 or 5, so a 3 or a 5 in that row could only be a leak.
DATA = ReportData(
    year=2025,
    generated_on=date(2026, 1, 15),
    summary=[("cases.registered", 4321), ("cases.ended_in_term", None)],
    tables=[
        ReportTable(
            key="overview",
            columns=["cases.settled", "cases.not_settled", "total"],
            rows=[
                ("KZ-61", [812, 967, 1779]),
                ("KZ-75", [None, None, 8]),
                ("total", [820, 970, 1790]),
            ],
        )
    ],
    trends=[
        ReportTrend(
            title="cases.registered",
            x_labels=["01", "02", "03", "04"],
            series=[Series("cases.registered", [120, None, 140, 160])],
        )
    ],
    alerts=[
        ReportAlert(
            region="KZ-61",
            category="land",
            period=date(2025, 3, 1),
            observed=14,
            expected=5.2,
            upper=11.0,
            score=1.49,
            method="farrington",
        )
    ],
    council_tables=[
        ReportTable(
            key="councils",
            columns=["recommendations.issued", "recommendations.overdue"],
            rows=[("KZ", [20, None])],
        )
    ],
    proposals=[
        ReportProposal(
            title='<script>alert("x")</script> & mediators for land disputes',
            body="Land disputes in Turkistan rose above their upper bound.",
            figures=["overview"],
        )
    ],
)


@cache
def pdf(lang: str) -> bytes:
    return render_report(DATA, lang)  # type: ignore[arg-type]


@cache
def text(lang: str) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf(lang))).pages)


def line_of(lang: str, label: str) -> str:
    return next(line for line in text(lang).splitlines() if line.startswith(label))


@pytest.mark.parametrize(
    ("lang", "title"),
    [
        ("kk", "Этносаралық және конфессияаралық келісім туралы жылдық есеп"),
        ("ru", "Годовой отчёт о межэтническом и межконфессиональном согласии"),
        ("en", "Yearly report on interethnic and interfaith accord"),
    ],
    ids=["kk", "ru", "en"],
)
def test_the_report_renders_in_each_language_with_its_title(lang, title):
    assert pdf(lang).startswith(b"%PDF-1.7")
    assert title in " ".join(text(lang).split())


def test_the_kazakh_report_keeps_every_kazakh_letter():
    kk = text("kk")

    for letter in "әғқңөұүі":
        assert letter in kk, letter
    assert "Әдістеме" in kk
    assert "2026 жылғы 15 қаңтар" in kk


def test_the_russian_report_dates_itself_in_russian():
    assert "15 января 2026 г." in text("ru")


def test_the_same_data_gives_a_byte_identical_file():
    assert render_report(DATA, "kk") == pdf("kk")


def test_the_file_declares_pdf_a():
    reader = PdfReader(io.BytesIO(pdf("en")))
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data()

    assert b'pdfaid:part="3"' in xmp
    assert b'pdfaid:conformance="B"' in xmp
    assert "/StructTreeRoot" in reader.trailer["/Root"]  # tagged, for screen readers
    assert reader.metadata["/CreationDate"].startswith("D:20260115")


def test_a_hidden_cell_prints_the_mark_and_never_a_number():
    row = line_of("en", "Almaty (city)")

    assert row.split() == ["Almaty", "(city)", SUPPRESSED_MARK, SUPPRESSED_MARK, "8"]
    assert "3" not in row and "5" not in row
    assert line_of("en", "Turkistan Region").split()[-3:] == ["812", "967", "1,779"]
    assert "× — not published to protect confidentiality" in text("en")


def test_a_hidden_summary_figure_prints_the_mark():
    assert line_of("en", "Cases registered").split()[-1] == "4,321"
    assert line_of("en", "Ended within the term").split()[-1] == SUPPRESSED_MARK


def test_an_alert_shows_what_it_was_measured_against():
    row = line_of("en", "Turkistan Region Land")

    assert row.split()[-6:] == ["2025", "14", "5.2", "11.0", "1.49", "Farrington"]


def test_the_methodology_page_explains_suppression_and_the_detector():
    en = " ".join(text("en").split())

    assert "Counts of 1 to 4 are not published" in en
    assert "secondary suppression" in en
    assert "quasi-Poisson regression" in en
    assert "at least 5" in en
    assert "exponentially weighted moving average (EWMA)" in en
    assert "Benjamini–Hochberg" in en


def test_stored_text_is_printed_as_text_never_as_markup():
    html = render_html(DATA, "en")

    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; mediators" in html
    assert '<script>alert("x")</script> & mediators for land disputes' in text("en")
    assert "Based on: Table 1. Mediation cases by region" in text("en")


def test_a_proposal_rests_on_pages_named_in_words_not_their_addresses():
    """QA: the report printed "Основание: /analytics/regions/KZ-75" to the leadership."""
    pages = [
        "/analytics/regions/KZ-75?year=2026",
        "/api/v1/analytics/exports/cases.registered.csv?year=2026&region=kz-71",
    ]
    proposal = ReportProposal(title="Land", body="Text.", figures=pages)
    data = replace(DATA, proposals=[proposal])
    ru = " ".join(render_html(data, "ru").split())
    assert (
        "Основание: Показатели региона: город Алматы, 2026; "
        "Набор данных: Зарегистрировано дел, город Астана, 2026"
    ) in ru
    assert "/analytics" not in ru
    kk = " ".join(render_html(data, "kk").split())
    assert "Негізі: Өңір көрсеткіштері: Алматы қаласы, 2026" in kk
