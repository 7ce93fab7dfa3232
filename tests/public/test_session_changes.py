"""A session moved or called off: the public pages and the calendar feed follow it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from icalendar import Calendar

from tests.public.support import seated_council
from tests.support.gateway import gateway_stack


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

            # "Upcoming sessions" no longer lists the cancelled one; it shows the new place.
            page = await public.get(f"/public/councils/{council.id}", params={"lang": "en"})
            assert page.text.count("Session on interethnic accord") == 1
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
