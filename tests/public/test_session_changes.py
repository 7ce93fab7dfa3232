"""A session moved or called off: the public pages and the calendar feed follow it."""

from __future__ import annotations

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
            page = await public.get(f"/public/councils/{council.id}", params={"lang": "en"})
            assert page.text.count("Session on interethnic accord") == 2

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

            # Moved once more: the sequence grows again.
            await council.ok(
                "POST",
                f"/sessions/{moved}/reschedule",
                json={"starts_at": (later + timedelta(hours=2)).isoformat(), "reason": "Hall"},
            )
            again = _events((await public.get("/public/sessions.ics", params=ask)).content)
            assert int(again[uid_moved]["sequence"]) == 2  # type: ignore[index]
            assert again[uid_moved].decoded("dtstart") == later + timedelta(hours=2)  # type: ignore[attr-defined]

            # "Upcoming sessions" no longer lists the cancelled one; it shows the new place.
            page = await public.get(f"/public/councils/{council.id}", params={"lang": "en"})
            assert page.text.count("Session on interethnic accord") == 1
            assert "Akimat" in page.text
        finally:
            await public.aclose()
