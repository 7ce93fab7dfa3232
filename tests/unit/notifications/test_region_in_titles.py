"""A notice's title names its region once, without parentheses inside parentheses: the English
names of the three cities already hold some ("Almaty (city)")."""

from __future__ import annotations

import re

import pytest

from kelisim.regions import REGIONS
from services.notifications.messages import CATALOG, LANGS, title_and_body

pytestmark = pytest.mark.db_independent

NESTED = re.compile(r"\([^()]*\(|\)[^()]*\)")
WITH_REGION = sorted(t for t, texts in CATALOG.items() if "region_name" in texts["en"][0])


def test_some_region_names_hold_parentheses() -> None:  # what makes the rule matter
    assert REGIONS["KZ-75"].name("en") == "Almaty (city)"
    assert WITH_REGION


@pytest.mark.parametrize("topic", WITH_REGION)
@pytest.mark.parametrize("lang", LANGS)
def test_a_title_never_nests_parentheses_around_its_region(topic: str, lang: str) -> None:
    params = {
        **{"risk_level": "high", "hours": "24", "reason": "gone", "number": "KZ-75-2026-1"},
        "acknowledged_at": "2026-12-03T07:00:00+00:00",
        **{"category": "land", "period": "2026-01-01", "observed": 9, "expected": 2, "upper": 5},
    }
    for code, region in REGIONS.items():
        title, _ = title_and_body(topic, lang, {**params, "region": code})
        assert region.name(lang) in title
        assert not NESTED.search(title), title


def test_the_escalation_subject_reads_plainly_in_english() -> None:
    title, _ = title_and_body(
        "cases.case.escalated", "en", {"region": "KZ-75", "risk_level": "high"}
    )
    assert title == "Escalation to law enforcement: Almaty (city)"
