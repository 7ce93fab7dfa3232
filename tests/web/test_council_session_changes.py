"""A session moved or called off: its page says why, and when it was to be."""

from __future__ import annotations

import html

from gateway.web import refusals
from gateway.web.i18n import Formatter
from tests.support.browser import t
from tests.web.daily_work_support import _csrf, signed_in_as
from tests.web.test_council_sitting import _planned

PLANNED_AT = "2020-01-01T05:00:00+00:00"  # as `_planned` plans it


async def test_a_moved_then_cancelled_session_says_why_and_shows_no_quorum(system):
    """The page hid the reasons given, and said "0 of 3 present; 2 needed; no quorum"."""
    secretary, sid = await _planned(system, "Moved, then called off, with reasons")
    moved = {"starts_at": "2031-03-04T06:00:00+00:00", "reason": "Зал жөнделуде"}
    await secretary("POST", f"/sessions/{sid}/reschedule", json=moved)
    async with signed_in_as(system, "council_member", "ru") as web:
        page = (await web.get(f"/councils/sessions/{sid}")).text
        was = Formatter("ru").datetime(PLANNED_AT)
        said = t("ru", "Rescheduled from %(time)s: %(reason)s") % {
            "time": was,
            "reason": "Зал жөнделуде",
        }
        assert html.escape(said) in page
        assert html.escape(t("ru", "No quorum")) in page  # still to sit: its quorum is shown

    await secretary("POST", f"/sessions/{sid}/cancel", json={"reason": "Төраға ауырып қалды"})
    session = await secretary("GET", f"/sessions/{sid}")
    assert [(c["kind"], c["reason"]) for c in session["changes"]] == [
        ("rescheduled", "Зал жөнделуде"),
        ("cancelled", "Төраға ауырып қалды"),
    ]
    assert session["changes"][0]["previous_starts_at"].startswith("2020-01-01T05:00:00")
    for lang in ("kk", "ru", "en"):
        async with signed_in_as(system, "council_member", lang) as web:
            page = (await web.get(f"/councils/sessions/{sid}")).text
        cancelled = t(lang, "Cancelled: %(reason)s") % {"reason": "Төраға ауырып қалды"}
        assert html.escape(cancelled) in page, lang
        nobody = "The session was cancelled: nobody sat, so there is no attendance or quorum."
        assert html.escape(t(lang, nobody)) in page, lang
        assert html.escape(t(lang, "No quorum")) not in page, lang
        assert html.escape(t(lang, "Quorum reached")) not in page, lang


async def test_moving_a_session_into_the_past_is_refused_beside_the_date_in_kazakh(system):
    """It was accepted, and members were told the session "now starts" on a past day."""
    secretary, sid = await _planned(system, "Not to be moved back")
    async with signed_in_as(system, "council_secretary", "kk") as web:
        page = await web.get(f"/councils/sessions/{sid}")
        refused = await web.post(
            f"/councils/do/reschedule/{sid}",
            data={
                "csrf_token": _csrf(page.text),
                "page_kind": "session",
                "page_id": sid,
                "date": "2021-05-06",
                "time": "10:00",
                "place": "Hall",
                "reason": "Қате күн",
            },
        )
    assert refused.status_code == 422, refused.text
    beside = html.escape(t("kk", "This time has passed: choose a later one."))
    assert f'<p class="field-error" id="date-error">{beside}</p>' in refused.text
    assert html.escape(t("kk", "A session is moved only to a time still to come.")) in refused.text
    assert 'value="2021-05-06"' in refused.text  # the input is kept
    session = await secretary("GET", f"/sessions/{sid}")
    assert session["sequence"] == 0 and session["changes"] == []
    assert session["starts_at"].startswith("2020-01-01T05:00:00")


PUBLIC_HINTS = (
    "Shown on the public page with the new time: no names, phones, e-mails, addresses, exact "
    "dates or IINs.",
    "Shown on the public page beside the cancelled session: no names, phones, e-mails, "
    "addresses, exact dates or IINs.",
)


async def test_a_reason_with_a_phone_is_refused_beside_the_field_and_nothing_moves(system):
    """The reason is public now: the forms say so, and one that names a phone is refused."""
    secretary, sid = await _planned(system, "Not moved with a phone in the reason")
    reason = "Звоните секретарю: +7 701 123 45 67"
    for lang in ("kk", "ru", "en"):
        async with signed_in_as(system, "council_secretary", lang) as web:
            page = await web.get(f"/councils/sessions/{sid}")
            assert html.escape(t(lang, PUBLIC_HINTS[0])) in page.text, lang
            confirm = await web.get(f"/councils/sessions/{sid}/cancel")
            assert html.escape(t(lang, PUBLIC_HINTS[1])) in confirm.text, lang
            moved = await web.post(
                f"/councils/do/reschedule/{sid}",
                data={
                    "csrf_token": _csrf(page.text),
                    "page_kind": "session",
                    "page_id": sid,
                    "date": "2031-05-06",
                    "time": "10:00",
                    "place": "Hall",
                    "reason": reason,
                },
            )
            cancelled = await web.post(
                f"/councils/do/cancel/{sid}",
                data={
                    "csrf_token": _csrf(confirm.text),
                    "page_kind": "cancel_session",
                    "page_id": sid,
                    "confirm": "yes",
                    "reason": reason,
                },
            )
        beside = html.escape(t(lang, refusals.VALIDATION["public_personal_data"]))
        general = html.escape(t(lang, refusals.PROBLEMS["personal-data-in-public-reason"]))
        for refused in (moved, cancelled):
            assert refused.status_code == 422, (lang, refused.text)
            assert f'<p class="field-error" id="reason-error">{beside}</p>' in refused.text
            assert general in refused.text
            assert f">{html.escape(reason)}</textarea>" in refused.text  # the input is kept
    session = await secretary("GET", f"/sessions/{sid}")
    assert session["status"] == "planned" and session["sequence"] == 0
    assert session["changes"] == [] and session["starts_at"].startswith("2020-01-01T05:00:00")
