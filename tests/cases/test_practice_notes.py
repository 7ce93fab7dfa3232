"""Practice notes drafted from a closed case, through the gateway: refused while they identify
the case, published without it, returned by a reviewer of another region with a remark."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from tests.cases.notes_support import CLEAN_KK, CLEAN_RU, PARTIES, in_mediation, settle
from tests.cases.support import BASE, assert_problem, ok, outbox, published, today
from tests.support.checks import eventually
from tests.support.gateway import Stack, system_stack

NOTES = f"{BASE}/practice-notes"
REVIEW = "/api/v1/analytics/library/review"


@pytest.fixture(scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory, nats_url: str) -> AsyncIterator[Stack]:
    async with system_stack(tmp_path_factory.mktemp("system"), nats_url) as system:
        yield system


@pytest.fixture(scope="module")
async def people(stack: Stack) -> dict[str, dict[str, str]]:
    return {
        "coord": await stack.login_as("pn-coord", roles=["coordinator"], regions=["KZ-75"]),
        "med": await stack.login_as("pn-med", roles=["mediator"], regions=["KZ-75"]),
        "reviewer": await stack.login_as("pn-rev", roles=["coordinator"], regions=["KZ-71"]),
        "outsider": await stack.login_as("pn-out", roles=["mediator"], regions=["KZ-11"]),
    }


@pytest.fixture(scope="module")
async def settled(stack: Stack, people: dict) -> dict:
    case = await in_mediation(stack, people)
    return {**await settle(stack, people, case), "parties": case["parties"]}


def submitted_events(stack: Stack) -> list[dict]:
    return [e for e in outbox(stack.settings) if "practice_note.submitted" in e["type"]]


async def draft(stack: Stack, who: dict, case_id: str, **texts: dict) -> dict:
    body = {"language": "kk", "texts": texts or {"kk": CLEAN_KK}}
    answer = await stack.client.post(f"{BASE}/{case_id}/practice-notes", json=body, headers=who)
    assert answer.status_code == 201, answer.text
    assert answer.headers["ETag"]
    return answer.json()


async def edit(stack: Stack, who: dict, note_id: str, texts: dict) -> dict:
    current = await stack.client.get(f"{NOTES}/{note_id}", headers=who)
    body = {"language": "kk", "texts": texts}
    headers = {**who, "If-Match": current.headers["ETag"]}
    return ok(await stack.client.patch(f"{NOTES}/{note_id}", json=body, headers=headers))


async def test_a_note_is_drafted_only_from_a_closed_case_by_its_mediator_or_coordinator(
    stack, people, settled
):
    open_case = await in_mediation(stack, people)
    body = {"language": "kk", "texts": {"kk": CLEAN_KK}}
    answer = await stack.client.post(
        f"{BASE}/{open_case['id']}/practice-notes", json=body, headers=people["med"]
    )
    assert_problem(answer, 409, "case-not-closed")
    answer = await stack.client.post(
        f"{BASE}/{settled['id']}/practice-notes", json=body, headers=people["outsider"]
    )
    assert answer.status_code == 404, answer.text
    by_coordinator = await draft(stack, people["coord"], settled["id"])
    assert by_coordinator["author_role"] == "coordinator"
    assert by_coordinator["outcome"] == "settled" and by_coordinator["status"] == "draft"


async def test_drafting_honours_the_idempotency_key(stack, people, settled):
    body = {"language": "kk", "texts": {"kk": CLEAN_KK}}
    headers = {**people["med"], "Idempotency-Key": "pn-draft-once"}
    url = f"{BASE}/{settled['id']}/practice-notes"
    first = ok(await stack.client.post(url, json=body, headers=headers), 201)
    again = ok(await stack.client.post(url, json=body, headers=headers), 201)
    assert first["id"] == again["id"]


@pytest.mark.parametrize(
    ("field", "language", "planted", "kind"),
    [
        ("conflict", "kk", "Zhanarga", "name"),  # Latin transliteration + Kazakh dative
        ("tried", "kk", "Жанардың", "name"),  # Kazakh genitive
        ("worked", "ru", "Нурланом", "name"),  # Russian spelling + instrumental
        ("tried", "ru", "Әлиевой", "name"),  # Russian instrumental of the surname
        ("did_not_work", "kk", "8(701)1234567", "phone"),
        ("conflict", "ru", "ZHANAR.ALIEVA@MAIL.KZ", "email"),
        ("worked", "kk", "Абая 15", "address"),
        ("title", "kk", "NUMBER", "case_number"),
        ("tried", "kk", "SEQUENCE", "case_number"),
        ("tried", "ru", "today()", "date"),
        ("conflict", "ru", "900101300123", "identity_number"),  # anyone's IIN, a bare 12 digits
        ("worked", "kk", "N12345678", "document_number"),  # a passport's number
        ("worked", "ru", "KZ86 125K ZT50 0410 0100", "iban"),  # a Kazakh bank account
        ("tried", "ru", "https://t.me/omarov_b", "link"),
        ("did_not_work", "kk", "@omarov_b", "link"),
    ],
)
async def test_a_note_that_identifies_the_case_is_refused_naming_the_words(
    stack, people, settled, field, language, planted, kind
):
    planted = {
        "NUMBER": settled["number"],
        "SEQUENCE": settled["number"].rsplit("-", 1)[1],
        "today()": f"{today():%d.%m.%Y}",
    }.get(planted, planted)
    texts = {"kk": dict(CLEAN_KK), "ru": dict(CLEAN_RU)}
    texts[language][field] = f"{texts[language].get(field, '')} {planted} бар."
    note = await draft(stack, people["med"], settled["id"], **texts)
    events_before, read_before = submitted_events(stack), note
    answer = await stack.client.post(f"{NOTES}/{note['id']}/submission", headers=people["med"])
    assert_problem(answer, 422, "not-anonymous")
    findings = answer.json()["findings"]
    assert {"language": language, "field": field, "kind": kind, "text": planted} in [
        {k: f[k] for k in ("language", "field", "kind", "text")} for f in findings
    ], findings
    assert planted in answer.json()["detail"]
    after = ok(await stack.client.get(f"{NOTES}/{note['id']}", headers=people["med"]))
    assert (after["status"], after["version"], after["revision"]) == ("draft", 1, 0)
    assert after == read_before
    assert submitted_events(stack) == events_before


async def test_a_note_citing_the_law_it_relied_on_is_submitted_and_a_social_link_is_not(
    stack, people, settled
):
    law = "https://adilet.zan.kz/rus/docs/Z1100000401"
    cited = dict(CLEAN_RU, tried=f"{CLEAN_RU['tried']} По ст. 8 Закона о медиации ({law}).")
    social = dict(cited, worked=f"{CLEAN_RU['worked']} Подробнее: https://t.me/omarov_b.")
    refused = await draft(stack, people["med"], settled["id"], kk=CLEAN_KK, ru=social)
    answer = await stack.client.post(f"{NOTES}/{refused['id']}/submission", headers=people["med"])
    assert_problem(answer, 422, "not-anonymous")
    assert [(f["field"], f["kind"], f["text"]) for f in answer.json()["findings"]] == [
        ("worked", "link", "https://t.me/omarov_b")
    ]
    note = await draft(stack, people["med"], settled["id"], kk=CLEAN_KK, ru=cited)
    sent = ok(await stack.client.post(f"{NOTES}/{note['id']}/submission", headers=people["med"]))
    assert sent["status"] == "submitted"
    [event] = [e for e in submitted_events(stack) if e["data"]["note_id"] == note["id"]]
    assert law in event["data"]["texts"]["ru"]["tried"]


async def test_a_clean_note_is_published_without_its_case_and_a_returned_one_comes_back(
    stack, people, settled
):
    gw, med = stack.client, people["med"]
    note = await draft(stack, med, settled["id"], kk=CLEAN_KK)
    note_id = note["id"]
    assert note["source"] == {"case_id": settled["id"], "number": settled["number"]}
    # Nobody outside the case sees the note, let alone its source.
    assert (await gw.get(f"{NOTES}/{note_id}", headers=people["outsider"])).status_code == 404
    stale = await gw.post(
        f"{NOTES}/{note_id}/submission", headers={**med, "If-Match": '"not-the-etag"'}
    )
    assert_problem(stale, 412, "precondition-failed")

    sent = ok(await gw.post(f"{NOTES}/{note_id}/submission", headers=med))
    assert (sent["status"], sent["revision"]) == ("submitted", 1)
    assert_problem(
        await gw.patch(
            f"{NOTES}/{note_id}", json={"language": "kk", "texts": {"kk": CLEAN_KK}}, headers=med
        ),
        409,
        "invalid-transition",
    )
    [event] = [e for e in submitted_events(stack) if e["data"]["note_id"] == note_id]
    assert event["type"].endswith("cases.practice_note.submitted.v1")
    assert note_id != settled["id"] and event["data"]["region"] == "KZ-75"
    assert event["data"]["texts"]["kk"]["title"] == CLEAN_KK["title"]
    secrets = [settled["id"], settled["number"]]
    secrets += [p[k] for p in PARTIES for k in ("name", "phone", "email", "address") if k in p]
    mine = [m for m in await published(stack.settings) if note_id.encode() in m]
    assert mine, "the submitted note was not relayed to the CASES stream"
    for message in mine:
        for secret in secrets:
            assert secret.encode() not in message, secret
        assert "Жанар".encode() not in message and b"Zhanar" not in message

    # A coordinator of another region returns it with a remark; the author sees it and edits.
    async def queued() -> dict | None:
        answer = await gw.get(f"{REVIEW}/{note_id}", headers=people["reviewer"])
        return answer.json() if answer.status_code == 200 else None

    await eventually(queued, what="the note in the library's review queue")
    remark = "Say more about what the first meeting changed."
    decided = await gw.post(
        f"{REVIEW}/{note_id}",
        json={"decision": "return", "remark": remark},
        headers=people["reviewer"],
    )
    assert decided.status_code == 200, decided.text

    async def returned() -> dict | None:
        mine = ok(await gw.get(NOTES, headers=med))["items"]
        found = [n for n in mine if n["id"] == note_id and n["status"] == "returned"]
        return found[0] if found else None

    back = await eventually(returned, what="the returned note back with its remark")
    assert back["remark"] == remark and back["revision"] == 1
    better = dict(CLEAN_KK, tried=CLEAN_KK["tried"] + " Бірінші кездесу сенім орнатты.")
    edited = await edit(stack, med, note_id, {"kk": better, "ru": CLEAN_RU})
    assert edited["status"] == "returned" and sorted(edited["texts"]) == ["kk", "ru"]
    again = ok(await gw.post(f"{NOTES}/{note_id}/submission", headers=med))
    assert (again["status"], again["revision"]) == ("submitted", 2)

    async def queued_again() -> dict | None:
        found = await queued()
        return found if found and found["revision"] == 2 else None

    await eventually(queued_again, what="revision 2 under review")
    approved = await gw.post(
        f"{REVIEW}/{note_id}", json={"decision": "approve"}, headers=people["reviewer"]
    )
    assert approved.status_code == 200, approved.text

    async def published_note() -> dict | None:
        found = ok(await gw.get(f"{NOTES}/{note_id}", headers=med))
        return found if found["status"] == "published" else None

    final = await eventually(published_note, what="the note published")
    assert final["revision"] == 2
    # The library shows the note to everyone, never its case.
    shown = ok(
        await gw.get(f"/api/v1/analytics/library/notes/{note_id}", headers=people["outsider"])
    )
    assert settled["number"] not in json.dumps(shown) and settled["id"] not in json.dumps(shown)


async def test_a_reviewers_decision_on_an_old_revision_changes_nothing(stack, people, settled):
    from datetime import UTC, datetime

    from kelisim.events.practice import PracticeNoteReviewed
    from kelisim.uow import Actor

    gw, med = stack.client, people["med"]
    note = await draft(stack, med, settled["id"])
    ok(await gw.post(f"{NOTES}/{note['id']}/submission", headers=med))
    ctx = stack.services["analytics"].app.state.ctx  # type: ignore[attr-defined]
    stale = PracticeNoteReviewed(
        note_id=note["id"],
        revision=7,
        source_kind="case",
        decision="approved",
        reviewer_region="KZ-71",
        reviewed_at=datetime.now(UTC),
    )
    fresh = stale.model_copy(update={"revision": 1, "decision": "returned", "remark": "No."})
    with ctx.uow(Actor("library-test")) as uow:
        uow.emit(stale, aggregate=f"practice_note:{note['id']}")
        uow.emit(fresh, aggregate=f"practice_note:{note['id']}")
        uow.commit()

    async def returned() -> dict | None:
        found = ok(await gw.get(f"{NOTES}/{note['id']}", headers=med))
        return found if found["status"] == "returned" else None

    back = await eventually(returned, what="the current revision's decision applied")
    assert back["remark"] == "No." and back["revision"] == 1
