"""Recommendations of decisions, their responses, control lists and the overdue watcher."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime, time, timedelta

from kelisim.localtime import local_date
from services.councils import queries, workers
from tests.councils.support import (
    MEMBERS,
    admin,
    audit_entries,
    drained,
    make_council,
    stream_events,
)
from tests.support.checks import assert_problem
from tests.support.services import bearer, running

PRESENT = [u for u in MEMBERS if u != "m7"]


async def adopted_item(
    council, *, adopt: bool = True, starts_in: timedelta = timedelta(days=3)
) -> str:
    """An item voted on in a held session (adopted 6-1, or rejected 1-6); the session starts
    `starts_in` from now (negative: it met in the past, so a recommendation may be overdue)."""
    _, (item_id,) = await council.sitting(present=PRESENT, starts_in=starts_in)
    await voted(council, item_id, adopt=adopt)
    return item_id


async def voted(council, item_id: str, *, adopt: bool = True) -> None:
    await council.ok("POST", f"/items/{item_id}/vote/open")
    first, rest = ("for", "against") if adopt else ("against", "for")
    await council.vote(item_id, {u: (first if i < 6 else rest) for i, u in enumerate(PRESENT)})
    await council.ok("POST", f"/items/{item_id}/vote/close")


async def recommend(council, item_id: str, due: date, addressee: str = "Akimat of Almaty"):
    return await council.ok(
        "POST",
        f"/items/{item_id}/recommendations",
        json={
            "addressee": addressee,
            "text": "Open a Russian-Kazakh bilingual class in school No. 12.",
            "responsible": "Deputy akim for social affairs",
            "due_date": due.isoformat(),
        },
    )


async def test_overdue_recommendations_raise_exactly_one_event_each_across_two_replicas(settings):
    slow = settings.model_copy(update={"councils_watch_seconds": 3600.0})
    async with running("councils", slow) as one, running("councils", slow) as two:
        council = await make_council(one, slow)
        item_id = await adopted_item(council)
        due = queries.today() + timedelta(days=30)
        overdue = [(await recommend(council, item_id, due, f"Body {n}"))["id"] for n in range(3)]
        later = await recommend(council, item_id, due + timedelta(days=60))
        answered = await recommend(council, item_id, due, "Body that acted")
        await council.ok(
            "POST",
            f"/recommendations/{answered['id']}/responses",
            json={"status": "implemented", "text": "The class opened."},
        )

        ctx_one, ctx_two = one.app.state.ctx, two.app.state.ctx
        after_due = due + timedelta(days=1)
        # Even two scans at once (the lease normally keeps them apart) raise each alert once.
        raised = await asyncio.gather(
            asyncio.to_thread(workers.scan, ctx_one, after_due),
            asyncio.to_thread(workers.scan, ctx_two, after_due),
        )
        assert sum(raised) == 3
        assert workers.scan(ctx_one, after_due) == 0
        assert workers.scan(ctx_two, after_due) == 0
        assert workers.scan(ctx_two, after_due + timedelta(days=5)) == 0
        assert workers.raise_alert(ctx_one, overdue[0], "overdue", after_due) is False

        await drained(one)
        await drained(two)
        events = await stream_events(slow.nats_url, "councils.recommendation.overdue")
        assert sorted(e["data"]["recommendation_id"] for e in events) == sorted(overdue)
        assert later["id"] not in {e["data"]["recommendation_id"] for e in events}
        assert len(audit_entries(one, "recommendation.overdue")) == 3

        listed = await council.ok("GET", f"/{council.id}/recommendations?only=open", who="m4")
        assert {r["id"] for r in listed["items"]} == {*overdue, later["id"]}


async def test_a_reminder_comes_once_before_the_due_date(settings):
    async with running(
        "councils", settings.model_copy(update={"councils_reminder_days": 7})
    ) as client:
        council = await make_council(client, settings)
        item_id = await adopted_item(council)
        due = queries.today() + timedelta(days=30)
        rec = await recommend(council, item_id, due)
        ctx = client.app.state.ctx

        assert workers.scan(ctx, due - timedelta(days=8)) == 0
        assert workers.scan(ctx, due - timedelta(days=7)) == 1
        assert workers.scan(ctx, due - timedelta(days=3)) == 0
        assert workers.scan(ctx, due) == 0
        assert workers.scan(ctx, due + timedelta(days=1)) == 1  # now overdue

        await drained(client)
        reminders = await stream_events(settings.nats_url, "councils.recommendation.due_soon")
        assert [e["data"]["recommendation_id"] for e in reminders] == [rec["id"]]
        overdue = await stream_events(settings.nats_url, "councils.recommendation.overdue")
        assert [e["data"]["recommendation_id"] for e in overdue] == [rec["id"]]


async def test_the_addressees_responses_move_the_status_and_implemented_is_announced(settings):
    async with running("councils", settings) as client:
        council = await make_council(client, settings)
        item_id = await adopted_item(council)
        rec = await recommend(council, item_id, queries.today() + timedelta(days=10))
        assert rec["status"] == "sent"
        path = f"/recommendations/{rec['id']}/responses"

        await council.ok("POST", path, json={"status": "acknowledged", "text": "Received."})
        await council.ok("POST", path, json={"status": "in_progress"})
        by_member = await council.post(path, who="m1", json={"status": "implemented"})
        assert by_member.status_code == 403
        done = await council.ok(
            "POST", path, json={"status": "partially_implemented", "text": "One class of two."}
        )
        assert done["status"] == "partially_implemented"
        assert [r["status"] for r in done["responses"]] == [
            "acknowledged",
            "in_progress",
            "partially_implemented",
        ]
        backwards = await council.post(path, json={"status": "in_progress"})
        assert backwards.status_code == 409
        assert (await council.ok("GET", f"/recommendations/{rec['id']}"))["status"] == (
            "partially_implemented"
        )

        await drained(client)
        implemented = await stream_events(settings.nats_url, "councils.recommendation.implemented")
        assert [e["data"]["status"] for e in implemented] == ["partially_implemented"]
        issued = await stream_events(settings.nats_url, "councils.recommendation.issued")
        assert [e["data"]["recommendation_id"] for e in issued] == [rec["id"]]


async def test_only_an_adopted_decision_makes_recommendations(settings):
    async with running("councils", settings) as client:
        council = await make_council(client, settings)
        item_id = await adopted_item(council, adopt=False)
        refused = await council.post(
            f"/items/{item_id}/recommendations",
            json={
                "addressee": "Akimat",
                "text": "x",
                "responsible": "y",
                "due_date": queries.today().isoformat(),
            },
        )
        assert refused.status_code == 409
        assert refused.json()["type"] == "urn:kelisim:problem:decision-not-adopted"


async def test_a_due_date_before_the_session_is_refused_and_nothing_is_recorded(settings):
    async with running("councils", settings) as client:
        council = await make_council(client, settings)
        body = {"addressee": "Akimat", "text": "x", "responsible": "y"}
        # Planned for three days from now and held today; planned for a week ago and held
        # (recorded) today: the earlier of the two days is the session's, in Kazakhstan.
        for starts_in in (timedelta(days=3), -timedelta(days=7)):
            session_id, (item_id,) = await council.sitting(present=PRESENT, starts_in=starts_in)
            await voted(council, item_id)
            session = await council.ok("GET", f"/sessions/{session_id}")
            met = min(datetime.fromisoformat(session[k]) for k in ("starts_at", "held_at"))
            day = local_date(met)
            issued = len(audit_entries(client, "recommendation.issued"))
            listed = await council.items(f"/{council.id}/recommendations")

            due = (day - timedelta(days=1)).isoformat()
            refused = await council.post(
                f"/items/{item_id}/recommendations", json={**body, "due_date": due}
            )
            problem = assert_problem(refused, 422, "due-before-session")
            assert problem["session_day"] == day.isoformat()
            assert await council.items(f"/{council.id}/recommendations") == listed
            assert len(audit_entries(client, "recommendation.issued")) == issued

            on_the_day = await recommend(council, item_id, day)  # the session's own day
            assert on_the_day["due_date"] == day.isoformat()


async def test_a_regional_control_list_shows_overdue_recommendations(settings):
    async with running("councils", settings) as client:
        almaty = await make_council(client, settings)
        shymkent = await make_council(
            client, settings, name="Shymkent council", region="KZ-79", prefix="s-"
        )
        met = await adopted_item(almaty, starts_in=-timedelta(days=7))
        late = await recommend(almaty, met, queries.today() - timedelta(days=2))
        await recommend(almaty, await adopted_item(almaty), queries.today() + timedelta(days=20))

        watcher = bearer(
            settings, "councils", sub="sec-75", roles=["council_secretary"], regions=["KZ-75"]
        )
        listed = await client.get(
            "/api/v1/councils/control?region=KZ-75&only=overdue", headers=watcher
        )
        assert listed.status_code == 200
        assert [(r["id"], r["overdue"]) for r in listed.json()["items"]] == [(late["id"], True)]
        everything = await client.get(
            "/api/v1/councils/control?region=KZ-75", headers=admin(settings)
        )
        assert len(everything.json()["items"]) == 2
        assert {r["responsible"] for r in everything.json()["items"]} == {
            "Deputy akim for social affairs"
        }
        analyst = bearer(settings, "councils", sub="an1", roles=["analyst"])
        seen = await client.get("/api/v1/councils/control?region=KZ-75", headers=analyst)
        assert [r["id"] for r in seen.json()["items"]] == [
            r["id"] for r in everything.json()["items"]
        ]
        assert {r["responsible"] for r in seen.json()["items"]} == {""}  # never a person
        other_region = await client.get("/api/v1/councils/control?region=KZ-79", headers=watcher)
        assert other_region.status_code == 403
        outsider = await client.get(
            f"/api/v1/councils/{almaty.id}/recommendations", headers=shymkent.as_("s-m1")
        )
        assert outsider.status_code == 403


async def test_a_recommendation_falls_overdue_at_midnight_in_kazakhstan_not_in_utc(
    settings, monkeypatch
):
    async with running("councils", settings) as client:
        council = await make_council(client, settings)
        met = await adopted_item(council, starts_in=-timedelta(days=7))
        due = queries.today()
        rec = await recommend(council, met, due)
        path = f"/recommendations/{rec['id']}"
        # 18:30 UTC on the due day is 23:30 there; 19:30 UTC is 00:30 the next day (UTC+5),
        # while the UTC date is still the due day.
        for utc_hour, minute, overdue in ((18, 30, False), (19, 30, True)):
            moment = datetime.combine(due, time(utc_hour, minute), tzinfo=UTC)
            monkeypatch.setattr(queries, "now", lambda moment=moment: moment)
            assert queries.today() == due + timedelta(days=overdue)
            assert (await council.ok("GET", path))["overdue"] is overdue
            control = await client.get(
                "/api/v1/councils/control?region=KZ-75&only=overdue", headers=admin(settings)
            )
            assert (rec["id"] in [r["id"] for r in control.json()["items"]]) is overdue


async def test_the_running_watcher_raises_an_overdue_alert_by_itself(settings):
    fast = settings.model_copy(update={"councils_watch_seconds": 0.1})
    async with running("councils", fast) as client:
        council = await make_council(client, fast)
        met = await adopted_item(council, starts_in=-timedelta(days=7))
        rec = await recommend(council, met, queries.today() - timedelta(days=1))
        deadline = asyncio.get_running_loop().time() + 20
        while not audit_entries(client, "recommendation.overdue"):
            assert asyncio.get_running_loop().time() < deadline, "the watcher raised nothing"
            await asyncio.sleep(0.05)
        await drained(client)
        events = await stream_events(fast.nats_url, "councils.recommendation.overdue")
        assert [e["data"]["recommendation_id"] for e in events] == [rec["id"]]


async def test_a_long_control_list_comes_in_pages_by_due_date(settings):
    async with running("councils", settings) as client:
        council = await make_council(client, settings)
        item_id = await adopted_item(council)
        ids = [
            (await recommend(council, item_id, queries.today() + timedelta(days=d), f"Body {d}"))[
                "id"
            ]
            for d in (30, 10, 20, 10, 40)
        ]
        seen, cursor = [], None
        while True:
            query = "?limit=2" + (f"&cursor={cursor}" if cursor else "")
            page = await council.ok("GET", f"/{council.id}/recommendations{query}", who="m1")
            assert len(page["items"]) <= 2
            seen += [(r["due_date"], r["id"]) for r in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == sorted(seen)
        assert sorted(r for _, r in seen) == sorted(ids)
        bad = await council.get(f"/{council.id}/recommendations?cursor=%%%", who="m1")
        assert bad.status_code == 400
        assert bad.json()["type"] == "urn:kelisim:problem:bad-cursor"
        too_long = await council.get(f"/{council.id}/recommendations?limit=201", who="m1")
        assert too_long.status_code == 422  # one page is at most 200 items


async def test_an_overdue_recommendation_reported_done_before_its_due_date_is_on_time(
    settings, monkeypatch
):
    today = queries.today()  # the day the recommendations are issued; `now` moves on below
    async with running("councils", settings) as client:
        council = await make_council(client, settings)
        item_id = await adopted_item(council)
        due = today + timedelta(days=5)
        on_time = await recommend(council, item_id, due, "Akimat of Almaty")
        late = await recommend(council, item_id, due, "Department of education")
        # Ten days on: both are overdue; the addressee's report comes to the council late.
        later = datetime.combine(today + timedelta(days=10), time(6), tzinfo=UTC)
        monkeypatch.setattr(queries, "now", lambda: later)
        assert (await council.ok("GET", f"/recommendations/{on_time['id']}"))["overdue"]
        path = f"/recommendations/{on_time['id']}/responses"
        responded = len(audit_entries(client, "recommendation.responded"))
        for day, kind in (
            (today + timedelta(days=11), "reported-in-future"),
            (today - timedelta(days=1), "reported-before-issued"),
        ):
            body = {"status": "implemented", "reported_on": day.isoformat()}
            assert_problem(await council.post(path, json=body), 422, kind)
        unchanged = await council.ok("GET", f"/recommendations/{on_time['id']}")
        assert (unchanged["status"], unchanged["responses"]) == ("sent", [])
        assert len(audit_entries(client, "recommendation.responded")) == responded

        reported = today + timedelta(days=4)
        done = await council.ok(
            "POST",
            path,
            json={"status": "implemented", "text": "Opened.", "reported_on": reported.isoformat()},
        )
        assert (done["status"], done["public_status"]) == ("implemented", "implemented")
        assert done["implemented_on"] == reported.isoformat()
        assert done["responses"][-1]["reported_on"] == reported.isoformat()
        assert done["overdue"] is False
        (entry,) = audit_entries(client, "recommendation.responded")[responded:]
        assert json.loads(entry.after)["reported_on"] == reported.isoformat()

        # Reported without a day: today, after the due date, so late — and the control list
        # says the same as the recommendation's own page.
        done_late = await council.ok(
            "POST", f"/recommendations/{late['id']}/responses", json={"status": "implemented"}
        )
        assert done_late["public_status"] == "implemented_late"
        assert done_late["responses"][-1]["reported_on"] == (today + timedelta(days=10)).isoformat()
        listed = await council.items(f"/{council.id}/recommendations")
        assert {r["id"]: r["public_status"] for r in listed} == {
            on_time["id"]: "implemented",
            late["id"]: "implemented_late",
        }


async def test_a_partly_implemented_recommendation_is_followed_on_until_it_is_implemented(
    settings, monkeypatch
):
    """Partly implemented ended the follow-up: full implementation could never be recorded."""
    async with running("councils", settings) as client:
        council = await make_council(client, settings)
        item_id = await adopted_item(council)
        due = queries.today() + timedelta(days=20)
        rec = await recommend(council, item_id, due)
        path = f"/recommendations/{rec['id']}/responses"
        partly = await council.ok("POST", path, json={"status": "partially_implemented"})
        assert (partly["public_status"], partly["overdue"]) == ("partially_implemented", False)
        still_open = await council.items(f"/{council.id}/recommendations", params={"only": "open"})
        assert rec["id"] in [r["id"] for r in still_open]

        # Past its due date, still in part only: overdue, and the control goes on.
        later = datetime.combine(due + timedelta(days=3), time(6), tzinfo=UTC)
        monkeypatch.setattr(queries, "now", lambda: later)
        assert (await council.ok("GET", f"/recommendations/{rec['id']}"))["overdue"] is True
        done = await council.ok(
            "POST", path, json={"status": "implemented", "reported_on": due.isoformat()}
        )
        assert (done["status"], done["public_status"], done["overdue"]) == (
            "implemented",
            "implemented",
            False,
        )
        assert [r["status"] for r in done["responses"]] == ["partially_implemented", "implemented"]
        assert (await council.post(path, json={"status": "not_implemented"})).status_code == 409
