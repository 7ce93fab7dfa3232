"""What the minutes say: when the session sat, whom it counted, who did not vote, each
recusal and its reason."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta

from kelisim.localtime import local_date
from services.councils import queries
from services.councils.handlers import sessions as session_handlers
from tests.councils.support import (
    MEMBERS,
    make_council,
)
from tests.support.services import running

PRESENT = [u for u in MEMBERS if u != "m7"]


async def test_the_minutes_print_when_the_session_sat(settings):
    """Met ahead of plan: the minutes print when it was opened, not the planned day (they
    said 20 December for a session held and signed on 6 December). Recorded as held after it
    met: they print the planned time."""
    async with running("councils", settings) as client:
        council = await make_council(client, settings)
        for starts_in in (timedelta(days=14), -timedelta(days=7)):
            session_id, (item_id,) = await council.sitting(present=PRESENT, starts_in=starts_in)
            await council.ok("POST", f"/sessions/{session_id}/close")
            session = await council.ok("GET", f"/sessions/{session_id}")
            planned, held = (datetime.fromisoformat(session[k]) for k in ("starts_at", "held_at"))
            draft = await council.ok("POST", f"/sessions/{session_id}/protocol")
            printed = datetime.fromisoformat(draft["content"]["session"]["starts_at"])
            assert printed == (held if starts_in > timedelta(0) else planned)
            assert printed == min(planned, held)


async def _minutes_of_a_unanimous_sitting(council, starts_at):
    """Plan at `starts_at`, convene, mark all present, hold, vote 3-0, close, draft: the
    session as its page shows it and the draft minutes (text in Russian)."""
    session = await council.ok(
        "POST",
        f"/{council.id}/sessions",
        json={"title": "Accord", "starts_at": starts_at.isoformat(), "place": "Almaty"},
    )
    sid = session["id"]
    titles = {"kk": "1-мәселе", "ru": "Вопрос 1", "en": "Item 1"}
    item = await council.ok("POST", f"/sessions/{sid}/items", json={"titles": titles,
                            "rapporteur": "A. Seitkali"})  # fmt: skip
    await council.ok("POST", f"/sessions/{sid}/convene")
    marks = [{"username": u, "present": True} for u in council.usernames]
    await council.ok("PUT", f"/sessions/{sid}/attendance", json={"marks": marks})
    await council.ok("POST", f"/sessions/{sid}/hold")
    await council.ok("POST", f"/items/{item['id']}/vote/open")
    await council.vote(item["id"], dict.fromkeys(council.usernames, "for"))
    await council.ok("POST", f"/items/{item['id']}/vote/close")
    await council.ok("POST", f"/sessions/{sid}/close")
    draft = await council.ok("POST", f"/sessions/{sid}/protocol")
    read = await council.ok("GET", f"/protocols/{draft['id']}?lang=ru")
    return await council.ok("GET", f"/sessions/{sid}"), read


def _assert_the_minutes_say_what_the_session_recorded(session, minutes):
    content = minutes["content"]
    expected = {"members": 3, "present": 3, "required": 2, "reached": True}
    assert session["quorum"] == expected
    assert content["quorum"] == session["quorum"]
    assert content["attendance"]["members"] == 3
    assert sorted(p["username"] for p in content["attendance"]["present"]) == sorted(
        session["present"]
    )
    assert content["attendance"]["absent"] == []
    assert "Присутствовали (3/3)" in minutes["text"]
    assert "Кворум: имеется" in minutes["text"]
    printed = json.dumps(minutes["document"], ensure_ascii=False)
    assert "Присутствовали 3 из 3 членов совета" in printed
    assert "кворум имеется" in printed


async def test_the_minutes_count_the_members_the_sitting_counted(settings):
    """Members appointed today, a session held today: the minutes print the session's own
    attendance and quorum. Planned before their term began (the demo plans its session two
    weeks back), they printed "0 of 0 members, no quorum" above a 3-0 vote."""
    async with running("councils", settings) as client:
        for starts_in in (timedelta(days=3), -timedelta(hours=2), -timedelta(days=14)):
            council = await make_council(
                client, settings, members=MEMBERS[:3], term_start=queries.today()
            )
            session, minutes = await _minutes_of_a_unanimous_sitting(
                council, datetime.now(UTC) + starts_in
            )
            _assert_the_minutes_say_what_the_session_recorded(session, minutes)


async def test_the_minutes_count_the_members_of_a_sitting_just_after_midnight_in_kazakhstan(
    settings, monkeypatch
):
    """At 00:30 in Almaty (19:30 UTC, the UTC date a day behind) members appointed that day
    hold a session planned for 23:30 the evening before: the minutes count them."""
    moment = datetime.combine(date.today(), time(19, 30), tzinfo=UTC)
    monkeypatch.setattr(queries, "now", lambda: moment)
    monkeypatch.setattr(session_handlers, "now", lambda: moment)
    kazakh_day = date.today() + timedelta(days=1)
    assert queries.today() == kazakh_day
    async with running("councils", settings) as client:
        council = await make_council(client, settings, members=MEMBERS[:3], term_start=kazakh_day)
        session, minutes = await _minutes_of_a_unanimous_sitting(
            council, moment - timedelta(hours=1)
        )
        assert local_date(datetime.fromisoformat(session["held_at"])) == kazakh_day
        _assert_the_minutes_say_what_the_session_recorded(session, minutes)


async def test_the_minutes_name_the_present_members_who_did_not_vote(settings):
    """Three present and only one voting Against: the roll-call named only that one."""
    async with running("councils", settings) as client:
        council = await make_council(client, settings, members=["chair", "secretary", "m1"])
        session_id, (item_id,) = await council.sitting(present=["chair", "secretary", "m1"])
        await council.ok("POST", f"/items/{item_id}/vote/open")
        await council.vote(item_id, {"m1": "against"})
        await council.ok("POST", f"/items/{item_id}/vote/close")
        await council.ok("POST", f"/sessions/{session_id}/close")
        draft = await council.ok("POST", f"/sessions/{session_id}/protocol")

        (item,) = draft["content"]["items"]
        assert [p["username"] for p in item["did_not_vote"]] == ["chair", "secretary"]
        expected = {
            "kk": ("Дауыс бермеді", "Chair Member", "Төраға", "Secretary Member", "Хатшы"),
            "ru": (
                "Не голосовали",
                "Chair Member",
                "Председатель",
                "Secretary Member",
                "Секретарь",
            ),
            "en": ("Did not vote", "Chair Member", "Chair", "Secretary Member", "Secretary"),
        }
        for lang, (label, chair, as_chair, secretary, as_secretary) in expected.items():
            read = await council.ok("GET", f"/protocols/{draft['id']}?lang={lang}")
            assert f"{label}: {chair}, {secretary}" in read["text"].splitlines()
            (shown,) = read["document"]["items"]
            assert shown["did_not_vote_label"] == label
            assert shown["did_not_vote"] == [
                f"{chair} ({as_chair})",
                f"{secretary} ({as_secretary})",
            ]


async def test_the_minutes_record_each_recusal_with_its_reason(settings):
    """The reason was collected and audited but shown to no one, not even in the minutes."""
    async with running("councils", settings) as client:
        council = await make_council(client, settings)
        session_id, (item_id,) = await council.sitting(present=PRESENT)
        reason = "the applicant is my brother-in-law"
        recused = await council.ok(
            "POST", f"/items/{item_id}/recusal", who="m6", json={"reason": reason}
        )
        assert [(r["username"], r["reason"]) for r in recused["recusals"]] == [("m6", reason)]
        page = await council.ok("GET", f"/sessions/{session_id}")
        assert page["items"][0]["recusals"][0]["reason"] == reason
        await council.ok("POST", f"/items/{item_id}/vote/open")
        await council.vote(item_id, {u: "for" for u in PRESENT if u != "m6"})
        await council.ok("POST", f"/items/{item_id}/vote/close")
        await council.ok("POST", f"/sessions/{session_id}/close")
        draft = await council.ok("POST", f"/sessions/{session_id}/protocol")

        assert draft["content"]["items"][0]["recused"][0]["reason"] == reason
        expected = {
            "kk": f"Өзіне-өзі қарсылық білдіргендер: M6 Member — себебі: {reason}",
            "ru": f"Заявили самоотвод: M6 Member — причина: {reason}",
            "en": f"Recused: M6 Member — reason: {reason}",
        }
        for lang, line in expected.items():
            read = await council.ok("GET", f"/protocols/{draft['id']}?lang={lang}")
            assert line in read["text"].splitlines()
            assert reason in read["document"]["items"][0]["recused"][0]
