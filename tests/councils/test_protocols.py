"""Minutes: drafted from the record, circulated, approved, signed, published, then immutable."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session as DbSession

from kelisim import audit
from kelisim.localtime import local_date
from services.councils import queries
from services.councils.handlers import sessions as session_handlers
from services.councils.minutes import publication
from services.councils.models import Recommendation
from tests.councils.support import (
    MEMBERS,
    audit_entries,
    drained,
    held_and_decided,
    make_council,
    published,
    stream_events,
)
from tests.support.services import bearer, running

PRESENT = [u for u in MEMBERS if u != "m7"]


async def test_minutes_are_drafted_signed_published_and_then_refuse_edits(settings):
    async with running("councils", settings) as client:
        council = await make_council(client, settings)
        session_id, item_id = await held_and_decided(council)

        draft = await council.ok("POST", f"/sessions/{session_id}/protocol")
        pid = draft["id"]
        content = draft["content"]
        assert content["quorum"]["reached"] is True
        assert [p["username"] for p in content["attendance"]["present"]] == sorted(PRESENT)
        (item,) = content["items"]
        assert [r["username"] for r in item["recused"]] == ["m6"]
        assert (item["for"], item["against"], item["abstained"], item["adopted"]) == (5, 1, 1, True)
        assert len(item["votes"]) == 7

        await council.ok("POST", f"/protocols/{pid}/circulate")
        remark = await council.post(
            f"/protocols/{pid}/remarks", who="m2", json={"text": "Add the akimat's answer."}
        )
        assert remark.status_code == 201
        edited = await council.ok(
            "PATCH", f"/protocols/{pid}", json={"notes": {"ru": "Ответ акимата приложен."}}
        )
        assert edited["content"]["notes"] == {"ru": "Ответ акимата приложен."}
        assert [r["text"] for r in edited["remarks"]] == ["Add the akimat's answer."]

        early = await council.post(f"/protocols/{pid}/sign", who="chair")
        assert early.status_code == 409  # not approved yet
        await council.ok("POST", f"/protocols/{pid}/approve")
        by_member = await council.post(f"/protocols/{pid}/sign", who="m1")
        assert by_member.status_code == 403
        await council.ok("POST", f"/protocols/{pid}/sign", who="chair")
        unsigned = await council.post(f"/protocols/{pid}/publish")
        assert unsigned.status_code == 409  # the secretary has not signed
        twice = await council.post(f"/protocols/{pid}/sign", who="chair")
        assert twice.status_code == 409
        signed = await council.ok("POST", f"/protocols/{pid}/sign")
        assert signed["status"] == "signed"
        assert (signed["signed_by_chair"], signed["signed_by_secretary"]) == ("chair", "secretary")

        final = await council.ok("POST", f"/protocols/{pid}/publish")
        assert final["status"] == "published"
        canonical = json.dumps(
            final["content"], sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )
        assert final["sha256"] == hashlib.sha256(canonical.encode()).hexdigest()

        for method, path, body in [
            ("PATCH", f"/protocols/{pid}", {"notes": {"en": "changed"}}),
            ("POST", f"/protocols/{pid}/remarks", {"text": "late"}),
            ("POST", f"/protocols/{pid}/approve", None),
            ("POST", f"/protocols/{pid}/sign", None),
            ("POST", f"/protocols/{pid}/publish", None),
        ]:
            response = await client.request(
                method, f"/api/v1/councils{path}", json=body, headers=council.secretary
            )
            assert response.status_code == 409, (path, response.text)
            assert response.json()["type"] == "urn:kelisim:problem:protocol-immutable"
        again = await council.ok("GET", f"/protocols/{pid}", who="m3")
        assert again["content"] == final["content"] and again["sha256"] == final["sha256"]
        again_draft = await council.post(f"/sessions/{session_id}/protocol")
        assert again_draft.status_code == 409

        (entry,) = audit_entries(client, "protocol.published")
        assert json.loads(entry.after)["sha256"] == final["sha256"]
        ctx = client.app.state.ctx
        assert audit.verify(ctx.engine, ctx.tables).ok

        await drained(client)
        circulated = await stream_events(settings.nats_url, "councils.protocol.circulated")
        assert [e["data"]["protocol_id"] for e in circulated] == [pid]
        events = await stream_events(settings.nats_url, "councils.protocol.published")
        assert [(e["data"]["protocol_id"], e["data"]["sha256"]) for e in events] == [
            (pid, final["sha256"])
        ]


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


async def test_a_correction_is_a_new_document_linked_to_the_published_one(settings):
    async with running("councils", settings) as client:
        council = await make_council(client, settings)
        session_id, _ = await held_and_decided(council)
        original = await published(council, session_id)

        correction = await council.ok(
            "POST", f"/protocols/{original['id']}/corrections", json={"reason": "Typo in item 1."}
        )
        assert correction["id"] != original["id"]
        assert correction["corrects_id"] == original["id"]
        assert correction["status"] == "draft"
        assert correction["content"]["corrects"] == {
            "protocol_id": original["id"],
            "sha256": original["sha256"],
            "reason": "Typo in item 1.",
        }
        await council.ok(
            "PATCH", f"/protocols/{correction['id']}", json={"notes": {"en": "Typo in item 1."}}
        )
        unchanged = await council.ok("GET", f"/protocols/{original['id']}")
        assert unchanged["content"] == original["content"]
        assert unchanged["content"]["notes"] == {}


async def test_members_read_the_minutes_in_their_language(settings):
    async with running("councils", settings) as client:
        council = await make_council(client, settings)
        session_id, _ = await held_and_decided(council)
        protocol = await published(council, session_id)
        pid = protocol["id"]

        texts = {}
        for lang in ("kk", "ru", "en"):
            headers = council.as_("m3", lang=lang)
            response = await client.get(f"/api/v1/councils/protocols/{pid}", headers=headers)
            assert response.status_code == 200
            assert response.json()["lang"] == lang
            assert response.json()["sha256"] == protocol["sha256"]
            texts[lang] = response.json()["text"]
        assert texts["kk"].startswith("ХАТТАМА") and "1-мәселе" in texts["kk"]
        assert "қабылданды" in texts["kk"]
        assert texts["ru"].startswith("ПРОТОКОЛ") and "Вопрос 1" in texts["ru"]
        assert "Решение: принято. Рекомендовать акимату" in texts["ru"]
        assert texts["en"].startswith("MINUTES") and "Decision: adopted" in texts["en"]
        asked = await council.ok("GET", f"/protocols/{pid}?lang=en", who="m3")
        assert asked["text"] == texts["en"]


async def test_analysts_read_no_minutes_draft_or_published_as_they_name_people(settings):
    async with running("councils", settings) as client:
        council = await make_council(client, settings)
        session_id, _ = await held_and_decided(council)
        draft = await council.ok("POST", f"/sessions/{session_id}/protocol")
        analyst = bearer(settings, "councils", sub="an1", roles=["analyst"])

        refused = await client.get(f"/api/v1/councils/protocols/{draft['id']}", headers=analyst)
        assert refused.status_code == 403

        pid = draft["id"]
        await council.ok("POST", f"/protocols/{pid}/circulate")
        await council.ok("POST", f"/protocols/{pid}/approve")
        await council.ok("POST", f"/protocols/{pid}/sign", who="chair")
        await council.ok("POST", f"/protocols/{pid}/sign")
        await council.ok("POST", f"/protocols/{pid}/publish")
        member = await client.get(f"/api/v1/councils/protocols/{pid}", headers=council.secretary)
        assert member.status_code == 200
        read = await client.get(f"/api/v1/councils/protocols/{pid}", headers=analyst)
        assert read.status_code == 403
        listed = await client.get(f"/api/v1/councils/{council.id}/protocols", headers=analyst)
        assert listed.status_code == 403
        other = await make_council(client, settings, name="Other", region="KZ-79", prefix="o-")
        outsider = await client.get(f"/api/v1/councils/protocols/{pid}", headers=other.as_("o-m1"))
        assert outsider.status_code == 403


async def test_an_edit_against_a_stale_version_of_the_minutes_is_refused(settings):
    async with running("councils", settings) as client:
        council = await make_council(client, settings)
        session_id, _ = await held_and_decided(council)
        draft = await council.ok("POST", f"/sessions/{session_id}/protocol")
        path = f"/api/v1/councils/protocols/{draft['id']}"
        read = await client.get(path, headers=council.secretary)
        etag = read.headers["etag"]

        first = await client.patch(
            path,
            json={"notes": {"kk": "Бірінші түзету."}},
            headers={**council.secretary, "If-Match": etag},
        )
        assert first.status_code == 200
        assert first.headers["etag"] != etag
        stale = await client.patch(
            path,
            json={"notes": {"kk": "Екінші түзету."}},
            headers={**council.secretary, "If-Match": etag},
        )
        assert stale.status_code == 412
        assert stale.json()["type"] == "urn:kelisim:problem:precondition-failed"
        weak = await client.patch(
            path,
            json={"notes": {"kk": "Әлсіз белгімен."}},
            headers={**council.secretary, "If-Match": f"W/{first.headers['etag']}"},
        )
        assert weak.status_code == 412  # If-Match compares strongly: a weak tag never matches
        assert weak.json()["etag"] == first.headers["etag"]
        current = await council.ok("GET", f"/protocols/{draft['id']}")
        assert current["content"]["notes"] == {"kk": "Бірінші түзету."}


async def test_a_recommendation_recorded_while_publishing_is_refused_the_signed_minutes(
    settings, monkeypatch
):
    """The PDFs are rendered before the publishing transaction. A recommendation whose own
    transaction began before the publication's moment and committed during the rendering
    (here, the renderer's stand-in commits one) would be on the page and not in the PDFs."""
    async with running("councils", settings) as client:
        council = await make_council(client, settings)
        session_id, item_id = await held_and_decided(council)
        pid = (await council.ok("POST", f"/sessions/{session_id}/protocol"))["id"]
        for step, who in (("circulate", "secretary"), ("approve", "secretary")):
            await council.ok("POST", f"/protocols/{pid}/{step}", who=who)
        for who in ("chair", "secretary"):
            await council.ok("POST", f"/protocols/{pid}/sign", who=who)
        ctx = client.app.state.ctx
        real = publication.sign_documents

        def rendering_while_one_is_recorded(content, facts, *args, **kwargs):
            with DbSession(ctx.engine) as db:
                db.add(
                    Recommendation(
                        council_id=council.id,
                        region="KZ-75",
                        item_id=item_id,
                        addressee="Akimat of Almaty",
                        text="Recorded during the rendering",
                        responsible="Deputy akim",
                        due_date=date.today() + timedelta(days=30),
                        issued_at=facts.published_at - timedelta(milliseconds=1),
                    )
                )
                db.commit()
            return real(content, facts, *args, **kwargs)

        monkeypatch.setattr(publication, "sign_documents", rendering_while_one_is_recorded)
        refused = await council.post(f"/protocols/{pid}/publish")
        assert refused.status_code == 409, refused.text
        assert refused.json()["type"] == "urn:kelisim:problem:protocol-changed"
        assert (await council.ok("GET", f"/protocols/{pid}"))["status"] == "signed"
        assert audit_entries(client, "protocol.published") == []

        monkeypatch.setattr(publication, "sign_documents", real)
        final = await council.ok("POST", f"/protocols/{pid}/publish")
        assert final["status"] == "published"
        assert "Recorded during the rendering" in json.dumps(final["document"])


async def test_a_correction_needs_its_reason_and_a_refused_one_changes_nothing(settings):
    async with running("councils", settings) as client:
        council = await make_council(client, settings)
        session_id, _ = await held_and_decided(council)
        original = await published(council, session_id)
        listed = await council.items(f"/{council.id}/protocols")
        for body in ({}, {"reason": ""}):
            refused = await council.post(f"/protocols/{original['id']}/corrections", json=body)
            assert refused.status_code == 422
        assert await council.items(f"/{council.id}/protocols") == listed
        assert audit_entries(client, "protocol.correction_drafted") == []
        await council.ok(
            "POST", f"/protocols/{original['id']}/corrections", json={"reason": "Wrong date."}
        )
        (entry,) = audit_entries(client, "protocol.correction_drafted")
        assert json.loads(entry.after)["reason"] == "Wrong date."


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
