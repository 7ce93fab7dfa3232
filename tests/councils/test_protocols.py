"""Minutes: drafted from the record, circulated, approved, signed, published, then immutable."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, timedelta

from sqlmodel import Session as DbSession

from kelisim import audit
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
        # The notice of the minutes names the council and the session, and when it sat.
        (data,) = (e["data"] for e in events)
        assert data["council_name"] == "Public Accord council of Almaty"
        assert data["session_title"] == "Session on interethnic accord"
        sat = final["content"]["session"]["starts_at"]
        assert datetime.fromisoformat(data["session_starts_at"]) == datetime.fromisoformat(sat)


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


async def test_a_server_without_the_fonts_refuses_to_publish_and_changes_nothing(
    settings, monkeypatch, tmp_path
):
    """On a fresh machine without fonts-symbola the publication answered 500 (an internal
    error) and the demo could not be made. Now the server says what it lacks; the minutes
    stay signed, unpublished and unaudited, and publish once the font is installed."""
    from kelisim import fonts

    found = fonts.find_fonts()
    assert isinstance(found, dict)
    for face, path in found.items():
        if face.family != "Symbola":
            (tmp_path / path.name).symlink_to(path)
    async with running("councils", settings) as client:
        council = await make_council(client, settings)
        session_id, _ = await held_and_decided(council)
        pid = (await council.ok("POST", f"/sessions/{session_id}/protocol"))["id"]
        for step, who in [
            ("circulate", None),
            ("approve", None),
            ("sign", "chair"),
            ("sign", None),
        ]:
            await council.ok("POST", f"/protocols/{pid}/{step}", **({"who": who} if who else {}))

        monkeypatch.setattr(fonts, "FONT_DIRS", (tmp_path,))
        refused = await council.post(f"/protocols/{pid}/publish")
        assert refused.status_code == 503, refused.text
        problem = refused.json()
        assert problem["type"] == "urn:kelisim:problem:printing-unavailable"
        assert "fonts-symbola" in problem["detail"]
        kept = await council.ok("GET", f"/protocols/{pid}")
        assert (kept["status"], kept["sha256"]) == ("signed", None)
        assert audit_entries(client, "protocol.published") == []

        monkeypatch.undo()  # the administrator installs the package
        final = await council.ok("POST", f"/protocols/{pid}/publish")
        assert final["status"] == "published"
        assert len(audit_entries(client, "protocol.published")) == 1
