"""The early-warning notice says so, in each language, where the expected count and threshold
are withheld (an alert event v3 with `baseline_suppressed`), and prints them where shown."""

from __future__ import annotations

import re

import pytest

from services.notifications.messages import title_and_body

pytestmark = pytest.mark.db_independent

WITHHELD = {
    "kk": "күтілетін сан мен шекті мән жарияланбайды",
    "ru": "ожидаемое число и порог не публикуются",
    "en": "the expected count and threshold are not published",
}


def params(**figures: object) -> dict[str, object]:
    return {
        "region": "KZ-75",
        "category": "land",
        "period": "2025-12-01",
        "observed": 30,
        "observed_suppressed": False,
        "baseline_suppressed": False,
        "score": 4.1,
        "method": "ewma",
        **figures,
    }


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_a_withheld_expected_count_is_said_and_no_figure_of_it_printed(lang):
    _, body = title_and_body(
        "analytics.alert.raised",
        lang,
        params(expected=None, upper=None, score=None, baseline_suppressed=True),
    )
    assert WITHHELD[lang] in body, body
    assert "None" not in body
    assert re.findall(r"\d+", body.split(";", 1)[1]) == [], body  # only the observed count
    _, shown = title_and_body("analytics.alert.raised", lang, params(expected=6.3, upper=12.1))
    assert "6.3" in shown or "6,3" in shown, shown
    assert WITHHELD[lang] not in shown


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("kk", "2026 жылғы қараша айында 68 іс тіркелді; күтілгені 13,7, шекті мәні 28."),
        ("ru", "За ноябрь 2026 г. зарегистрировано дел: 68; ожидалось 13,7, порог 28."),
        ("en", "68 cases registered in November 2026; 13.7 expected, threshold 28."),
    ],
)
def test_the_month_is_named_as_a_month_and_figures_written_as_the_language_writes_them(lang, said):
    """The alert's period is a month (its first day on the wire): not "1 November 2026"."""
    _, body = title_and_body(
        "analytics.alert.raised",
        lang,
        params(period="2026-11-01", observed=68, expected=13.7, upper=28.0),
    )
    assert body == said
