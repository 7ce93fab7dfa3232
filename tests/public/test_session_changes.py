"""A session moved or called off: the public pages and the calendar feed follow it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from icalendar import Calendar
from markupsafe import escape
from sqlmodel import Session as DbSession

from gateway.web.i18n import Formatter
from services.councils.models import Session
from tests.councils.support import audit_entries
from tests.public.support import seated_council
from tests.support.browser import t
from tests.support.checks import assert_problem, items_of
from tests.support.gateway import gateway_stack
from tests.support.services import bearer


def _events(ics: bytes) -> dict[str, object]:
    return {str(e["uid"]): e for e in Calendar.from_ical(ics).walk("VEVENT")}


async def test_a_moved_and_a_cancelled_session_update_the_calendar(make_settings, clean_nats):
    settings = make_settings(public_rate_per_minute=100)
    async with gateway_stack(settings) as stack:
        council = await seated_council(stack)
        planning = datetime.now(UTC).replace(microsecond=0)
        moved, _ = await council.plan_session()
        cancelled, _ = await council.plan_session()
        uid_moved, uid_cancelled = f"session-{moved}@kelisim", f"session-{cancelled}@kelisim"
        public = stack.client_from("198.51.100.30")
        try:
            ask = {"council": council.id}
            before = _events((await public.get("/public/sessions.ics", params=ask)).content)
            assert set(before) == {uid_moved, uid_cancelled}
            assert all(int(e.get("sequence", 0)) == 0 for e in before.values())  # type: ignore[attr-defined]
            assert all("status" not in e for e in before.values())  # type: ignore[operator]
            # DTSTAMP is when the session last changed, in UTC, not today's midnight, and the
            # same at the next fetch while nothing changed.
            stamps = {uid: e.decoded("dtstamp") for uid, e in before.items()}  # type: ignore[attr-defined]
            for stamp in stamps.values():
                assert planning <= stamp <= datetime.now(UTC) and stamp.utcoffset() == timedelta()
            refetched = _events((await public.get("/public/sessions.ics", params=ask)).content)
            assert {u: e.decoded("dtstamp") for u, e in refetched.items()} == stamps  # type: ignore[attr-defined]
            page = await public.get(f"/public/councils/{council.id}", params={"lang": "en"})
            assert page.text.count("Session on interethnic accord") == 2

            await asyncio.sleep(1.1)  # DTSTAMP counts whole seconds: a change is a later one
            later = (datetime.now(UTC) + timedelta(days=20)).replace(microsecond=0)
            await council.ok(
                "POST",
                f"/sessions/{moved}/reschedule",
                json={"starts_at": later.isoformat(), "place": "Akimat", "reason": "Flood"},
            )
            await council.ok("POST", f"/sessions/{cancelled}/cancel", json={"reason": "Flood"})

            after = _events((await public.get("/public/sessions.ics", params=ask)).content)
            assert set(after) == {uid_moved, uid_cancelled}  # the same events, updated
            m, c = after[uid_moved], after[uid_cancelled]
            assert m.decoded("dtstart") == later  # type: ignore[attr-defined]
            assert str(m["location"]) == "Akimat"  # type: ignore[index]
            assert int(m["sequence"]) == 1 and "status" not in m  # type: ignore[index,operator]
            assert str(c["status"]) == "CANCELLED"  # type: ignore[index]
            assert int(c["sequence"]) == 1  # type: ignore[index]
            # Each says why, as the public pages do, in the feed's language.
            for lang in ("ru", "en"):
                said = _events(
                    (await public.get("/public/sessions.ics", params={**ask, "lang": lang})).content
                )
                fmt = Formatter(lang)
                moved_said = t(lang, "Moved from %(before)s to %(after)s: %(reason)s") % {
                    "before": fmt.datetime(before[uid_moved].decoded("dtstart")),  # type: ignore[attr-defined]
                    "after": fmt.datetime(later),
                    "reason": "Flood",
                }
                cancelled_said = t(lang, "Cancelled: %(reason)s") % {"reason": "Flood"}
                assert str(said[uid_cancelled]["description"]) == cancelled_said  # type: ignore[index]
                assert str(said[uid_moved]["description"]) == moved_said  # type: ignore[index]
            assert all(e.decoded("dtstamp") > stamps[u] for u, e in after.items())  # type: ignore[attr-defined]

            # Moved once more: the sequence grows again.
            await council.ok(
                "POST",
                f"/sessions/{moved}/reschedule",
                json={"starts_at": (later + timedelta(hours=2)).isoformat(), "reason": "Hall"},
            )
            again = _events((await public.get("/public/sessions.ics", params=ask)).content)
            assert int(again[uid_moved]["sequence"]) == 2  # type: ignore[index]
            assert again[uid_moved].decoded("dtstart") == later + timedelta(hours=2)  # type: ignore[attr-defined]
            # the cancelled one did not change since: its stamp stays
            assert again[uid_cancelled].decoded("dtstamp") == c.decoded("dtstamp")  # type: ignore[attr-defined]

            # "Upcoming sessions" lists the cancelled one as cancelled; the moved one shows its
            # new place.
            page = await public.get(f"/public/councils/{council.id}", params={"lang": "en"})
            assert page.text.count("Session on interethnic accord") == 2
            assert "Cancelled: Flood" in page.text
            assert "Akimat" in page.text
        finally:
            await public.aclose()


async def test_the_calendar_says_its_language_in_prodid(make_settings, clean_nats):
    """PRODID ended in //KK whatever the feed's language."""
    settings = make_settings(public_rate_per_minute=100)
    async with gateway_stack(settings) as stack:
        council = await seated_council(stack)
        await council.plan_session()
        public = stack.client_from("198.51.100.31")
        try:
            for lang in ("kk", "ru", "en"):
                ics = await public.get(
                    "/public/sessions.ics", params={"council": council.id, "lang": lang}
                )
                prodid = str(Calendar.from_ical(ics.content)["prodid"])
                assert prodid == f"-//Kelisim//Public Accord councils//{lang.upper()}"
        finally:
            await public.aclose()


async def test_the_public_pages_say_when_a_session_moved_or_why_it_was_cancelled(
    make_settings, clean_nats
):
    """The staff pages said why; the public ones showed the new time alone, and a cancelled
    session just vanished from them."""
    settings = make_settings(public_rate_per_minute=100)
    async with gateway_stack(settings) as stack:
        council = await seated_council(stack)
        moved, _ = await council.plan_session()
        cancelled, _ = await council.plan_session(starts_in=timedelta(days=4))
        was = (await council.ok("GET", f"/sessions/{moved}"))["starts_at"]
        later = (datetime.now(UTC) + timedelta(days=20)).replace(microsecond=0)
        why_moved = 'The hall is <b>flooded</b> & "closed"'
        why_cancelled = "Төраға ауырып қалды"
        await council.ok(
            "POST",
            f"/sessions/{moved}/reschedule",
            json={"starts_at": later.isoformat(), "reason": why_moved},
        )
        await council.ok("POST", f"/sessions/{cancelled}/cancel", json={"reason": why_cancelled})
        public = stack.client_from("198.51.100.32")
        try:
            # The public read API says it as it was published with each change.
            listed = await stack.services["councils"].get(
                "/api/v1/councils/public/sessions",
                params={"council_id": council.id, "cancelled": "true"},
                headers=bearer(settings, "councils", sub="public", roles=["public"]),
            )
            by_id = {s["id"]: s for s in items_of(listed)}
            assert by_id[moved]["reason"] == why_moved
            assert by_id[moved]["moved_from"][:19] == was[:19]
            assert by_id[cancelled]["reason"] == why_cancelled
            assert by_id[cancelled]["status"] == "cancelled"
            for lang in ("kk", "ru", "en"):
                fmt = Formatter(lang)
                for path in (f"/public/councils/{council.id}", "/public"):
                    page = (await public.get(path, params={"lang": lang})).text
                    moved_said = t(lang, "Moved from %(before)s to %(after)s: %(reason)s") % {
                        "before": fmt.datetime(was),
                        "after": fmt.datetime(later.isoformat()),
                        "reason": why_moved,
                    }
                    assert str(escape(moved_said)) in page, (lang, path)
                    assert "<b>flooded</b>" not in page
                    cancelled_said = t(lang, "Cancelled: %(reason)s") % {"reason": why_cancelled}
                    assert str(escape(cancelled_said)) in page, (lang, path)
                    assert f'id="session-{cancelled}"' in page
        finally:
            await public.aclose()


async def test_a_reason_that_would_publish_personal_data_is_refused_and_nothing_changes(
    make_settings, clean_nats
):
    settings = make_settings(public_rate_per_minute=100)
    async with gateway_stack(settings) as stack:
        council = await seated_council(stack)
        sid, _ = await council.plan_session()
        before = await council.ok("GET", f"/sessions/{sid}")
        later = (datetime.now(UTC) + timedelta(days=20)).replace(microsecond=0).isoformat()
        for reason in (
            "Спросите у председателя: +7 701 123 45 67",
            "Write to chair.almaty@example.kz",
            "Собираемся у него дома, ул. Абая, д. 15",
            "Председатель Ахметов Б.К. в командировке",  # anyone's name, by its form
            "Secretarie Membre is away",  # a member's name (Secretary Member), however spelled
        ):
            moved = await council.post(
                f"/sessions/{sid}/reschedule", json={"starts_at": later, "reason": reason}
            )
            body = assert_problem(moved, 422, "personal-data-in-public-reason")
            assert body["errors"][0]["loc"] == ["body", "reason"]
            assert reason not in moved.text  # the findings name kinds and places, not words
            called_off = await council.post(f"/sessions/{sid}/cancel", json={"reason": reason})
            assert_problem(called_off, 422, "personal-data-in-public-reason")
        after = await council.ok("GET", f"/sessions/{sid}")
        assert after == before
        councils = stack.services["councils"]
        assert audit_entries(councils, "session.rescheduled") == []
        assert audit_entries(councils, "session.cancelled") == []


async def test_public_pages_show_only_published_reasons_and_survive_stored_values(
    make_settings, clean_nats
):
    """A session moved before the forms said the reason is public keeps it off the public
    pages; a stored time at the edge of the calendar and markup in a reason break nothing."""
    settings = make_settings(public_rate_per_minute=100)
    async with gateway_stack(settings) as stack:
        council = await seated_council(stack)
        earlier, _ = await council.plan_session()
        odd, _ = await council.plan_session(starts_in=timedelta(days=5))
        later = (datetime.now(UTC) + timedelta(days=20)).replace(microsecond=0).isoformat()
        for sid in (earlier, odd):
            await council.ok(
                "POST", f"/sessions/{sid}/reschedule", json={"starts_at": later, "reason": "Hall"}
            )
        ctx = stack.services["councils"].app.state.ctx  # type: ignore[attr-defined]
        with DbSession(ctx.engine) as db:
            old = db.get(Session, earlier)
            assert old is not None
            old.moved_from, old.public_reason = None, None  # as the migration leaves it
            db.add(old)
            row = db.get(Session, odd)
            assert row is not None
            row.moved_from = datetime(1, 1, 1, tzinfo=UTC)
            row.public_reason = "</small><script>alert(1)</script>"
            db.add(row)
            db.commit()
        public = stack.client_from("198.51.100.33")
        try:
            for lang in ("kk", "ru", "en"):
                page = await public.get(f"/public/councils/{council.id}", params={"lang": lang})
                assert page.status_code == 200, page.text
                assert "<script>alert(1)</script>" not in page.text
                assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
                assert "Hall" not in page.text  # the earlier one's reason was never published
                listed = page.text.split(f'id="session-{earlier}"')[1].split("</li>")[0]
                assert "session-change" not in listed
        finally:
            await public.aclose()
