"""How pages write what services send: a moment's day is its day in Kazakhstan (UTC+5), not
in UTC; the system's own steps are named in the reader's language."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from gateway.web.i18n import Formatter

pytestmark = pytest.mark.db_independent


@pytest.mark.parametrize(
    ("moment", "day"),
    [
        # 18:59 UTC is 23:59 in Kazakhstan, the same day; 19:00 UTC is already the next day.
        ("2026-12-05T18:59:00+00:00", "December 5, 2026"),
        ("2026-12-05T19:00:00+00:00", "December 6, 2026"),
        ("2026-12-05T19:30:00Z", "December 6, 2026"),
        (datetime(2026, 12, 31, 20, 0, tzinfo=UTC), "January 1, 2027"),
        # A naive moment is UTC, as the services store it.
        (datetime(2026, 12, 5, 21, 0), "December 6, 2026"),
        # A calendar day stays the day it is.
        ("2026-12-05", "December 5, 2026"),
        (date(2026, 12, 5), "December 5, 2026"),
    ],
)
def test_a_moments_day_on_a_page_is_its_day_in_kazakhstan(moment, day):
    assert Formatter("en").date(moment) == day


def test_the_day_and_the_time_of_one_moment_agree():
    late = "2026-12-05T20:15:00+00:00"
    assert Formatter("en").datetime(late) == "Dec 6, 2026, 1:15\u202fAM"
    assert Formatter("ru").date(late) == "6 декабря 2026\u202fг."


def test_a_moment_too_near_the_end_of_time_to_move_is_shown_in_utc():
    assert Formatter("en").date("9999-12-31T23:00:00+00:00") == "December 31, 9999"
    assert Formatter("en").datetime("9999-12-31T23:00:00+00:00").endswith(" UTC")


def test_the_systems_own_steps_are_named_in_the_readers_language():
    """The audit trails' actor `system` read "system" on kk and ru pages and exports."""
    from types import SimpleNamespace

    from gateway.web.i18n import load_catalogs
    from gateway.web.view import View

    app = SimpleNamespace(state=SimpleNamespace(web_catalogs=load_catalogs()))
    request = SimpleNamespace(app=app)
    named = {lang: View(request, None, lang).person("system") for lang in ("kk", "ru", "en")}  # type: ignore[arg-type]
    assert named == {
        "kk": "Келісім (автоматты түрде)",
        "ru": "Келисим (автоматически)",
        "en": "Kelisim (automatically)",
    }
