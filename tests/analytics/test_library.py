"""The library of practice through the gateway: review by another region, search, useful, rebuild.

Notes arrive as the drafting side sends them: a `cases.practice_note.submitted` event written
through the cases service's real outbox and relayed to the CASES stream.
"""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import create_engine, select
from sqlmodel import Session

from kelisim import migrations
from kelisim.clock import new_id
from kelisim.events import practice as pe
from services.analytics import library
from services.analytics.models import PracticeNote, PracticeNoteMark, PracticeNoteTerm, backbone
from services.analytics.rebuild import rebuild
from tests.support.checks import assert_problem, eventually, items_of
from tests.support.db import fresh_database
from tests.support.events import read_stream
from tests.support.gateway import Stack
from tests.support.practice import FAMILY, GRAZING, PASTURE, submit_note
from tests.support.services import bearer

LIBRARY = "/api/v1/analytics/library"
A, B, C = "KZ-75", "KZ-71", "KZ-11"


@pytest.fixture(scope="module")
async def people(stack: Stack) -> dict[str, dict[str, str]]:
    """Coordinators of A and B, mediators of C, an analyst of C and a liaison."""
    return {
        "coord_a": await stack.login_as("lib-coord-a", roles=["coordinator"], regions=[A]),
        "coord_b": await stack.login_as("lib-coord-b", roles=["coordinator"], regions=[B]),
        "med_c": await stack.login_as("lib-med-c", roles=["mediator"], regions=[C]),
        "analyst_c": await stack.login_as("lib-analyst-c", roles=["analyst"], regions=[C]),
        "liaison": await stack.login_as("lib-liaison", roles=["liaison"], regions=[C]),
    }


async def queued(stack: Stack, who: dict[str, str]) -> list[dict]:
    answer = await stack.client.get(f"{LIBRARY}/review", headers=who)
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]


async def wait_queued(stack: Stack, who: dict[str, str], note_id: str, revision: int = 1) -> dict:
    async def present() -> dict | None:
        for item in await queued(stack, who):
            if item["note_id"] == note_id and item["revision"] == revision:
                return item
        return None

    return await eventually(present, what=f"{note_id} r{revision} in the review queue")


async def decide(stack: Stack, who: dict[str, str], note_id: str, **body: str):  # type: ignore[no-untyped-def]
    read = await stack.client.get(f"{LIBRARY}/review/{note_id}", headers=who)
    assert read.status_code == 200, read.text
    headers = {**who, "If-Match": read.headers["ETag"]}
    return await stack.client.post(f"{LIBRARY}/review/{note_id}", json=body, headers=headers)


async def found(stack: Stack, who: dict[str, str], **params: str) -> list[str]:
    answer = await stack.client.get(f"{LIBRARY}/notes", params=params, headers=who)
    assert answer.status_code == 200, answer.text
    return [item["note_id"] for item in answer.json()["items"]]


@pytest.fixture(scope="module")
async def notes(stack: Stack, people) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Three notes of region A: two on land (approved by B), one on family (returned by B)."""
    ids = {"pasture": new_id(), "grazing": new_id(), "family": new_id()}
    submit_note(stack, ids["pasture"], A, "land", PASTURE)
    submit_note(stack, ids["grazing"], A, "land", GRAZING)
    submit_note(stack, ids["family"], A, "family", FAMILY)
    for note_id in ids.values():
        await wait_queued(stack, people["coord_b"], note_id)
    for key in ("pasture", "grazing"):
        answer = await decide(stack, people["coord_b"], ids[key], decision="approve")
        assert answer.status_code == 200, answer.text
        assert answer.json()["status"] == "published"
    answer = await decide(
        stack, people["coord_b"], ids["family"], decision="return", remark="Too close to one case."
    )
    assert answer.status_code == 200 and answer.json()["status"] == "returned", answer.text
    return ids


async def test_a_coordinator_of_the_notes_region_neither_sees_nor_reviews_it(stack, people):
    note_id = new_id()
    submit_note(stack, note_id, A, "land", GRAZING)
    await wait_queued(stack, people["coord_b"], note_id)
    assert note_id not in [i["note_id"] for i in await queued(stack, people["coord_a"])]
    refused = await stack.client.post(
        f"{LIBRARY}/review/{note_id}", json={"decision": "approve"}, headers=people["coord_a"]
    )
    assert_problem(refused, 403, "own-region")
    mediator = await stack.client.get(f"{LIBRARY}/review", headers=people["med_c"])
    assert_problem(mediator, 403, "role-not-permitted")


async def test_a_coordinator_of_no_region_reviews_no_region(stack, people):
    """Defence in depth: the gateway refuses such an account, but should a token carry the role
    without a region, "the other regions" must not become every region."""
    note_id = new_id()
    submit_note(stack, note_id, A, "land", GRAZING)
    await wait_queued(stack, people["coord_b"], note_id)
    nowhere = bearer(stack.settings, "analytics", sub="coord-nowhere", roles=["coordinator"])
    analytics = stack.services["analytics"]
    assert_problem(await analytics.get(f"{LIBRARY}/review", headers=nowhere), 403, "out-of-scope")
    read = await analytics.get(f"{LIBRARY}/review/{note_id}", headers=nowhere)
    assert_problem(read, 403, "out-of-scope")
    approve = await analytics.post(
        f"{LIBRARY}/review/{note_id}", json={"decision": "approve"}, headers=nowhere
    )
    assert_problem(approve, 403, "out-of-scope")
    assert note_id in [i["note_id"] for i in await queued(stack, people["coord_b"])]


async def test_a_review_needs_the_current_revision_and_a_remark_to_return(stack, people):
    note_id = new_id()
    submit_note(stack, note_id, A, "land", GRAZING)
    await wait_queued(stack, people["coord_b"], note_id)
    url = f"{LIBRARY}/review/{note_id}"
    stale = await stack.client.post(
        url, json={"decision": "approve"}, headers={**people["coord_b"], "If-Match": '"old"'}
    )
    assert_problem(stale, 412, "precondition-failed")
    bare = await decide(stack, people["coord_b"], note_id, decision="return", remark="  ")
    assert_problem(bare, 422, "remark-required")
    assert note_id in [i["note_id"] for i in await queued(stack, people["coord_b"])]
    # Idempotency-Key: the retried approval answers the first answer, approves once.
    read = await stack.client.get(url, headers=people["coord_b"])
    headers = {**people["coord_b"], "If-Match": read.headers["ETag"], "Idempotency-Key": "k1"}
    first = await stack.client.post(url, json={"decision": "approve"}, headers=headers)
    again = await stack.client.post(url, json={"decision": "approve"}, headers=headers)
    assert first.status_code == again.status_code == 200, again.text
    assert again.headers.get("Idempotent-Replayed") == "true"
    twice = await stack.client.post(
        url, json={"decision": "approve"}, headers={**people["coord_b"], "If-Match": "*"}
    )
    assert_problem(twice, 409, "not-under-review")
    # One audit entry for the approval, by the reviewer; the refusals left none.
    assert audit_actions(stack, note_id) == [("lib-coord-b", "practice_note.approved")]


def audit_actions(stack: Stack, note_id: str) -> list[tuple[str, str]]:
    log = backbone.audit_log
    engine = create_engine(stack.settings.database_url("analytics"))
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(log.c.actor, log.c.action).where(log.c.entity_id == note_id)
            ).all()
        return [tuple(r) for r in rows]  # type: ignore[misc]
    finally:
        engine.dispose()


async def test_a_mediator_of_a_third_region_finds_the_note_in_each_language(stack, people, notes):
    pasture = notes["pasture"]
    for word in ("жайылымды", "Jaiylym", "пастбищам", "ПАСТБИЩЕ", "pastures", "grazing rota"):
        assert pasture in await found(stack, people["med_c"], q=word), word
    assert await found(stack, people["med_c"], q="пастбище развод") == []
    assert pasture in await found(stack, people["med_c"], category="land", region=A)
    assert pasture not in await found(stack, people["med_c"], category="family")
    assert pasture in await found(stack, people["med_c"], language="kk", outcome="settled")
    assert notes["grazing"] not in await found(stack, people["med_c"], language="kk")
    read = await stack.client.get(f"{LIBRARY}/notes/{pasture}", headers=people["med_c"])
    assert read.status_code == 200 and read.json()["texts"]["kk"]["title"] == "Жайылым дауы"
    liaison = await stack.client.get(f"{LIBRARY}/notes", headers=people["liaison"])
    assert_problem(liaison, 403, "role-not-permitted")


async def test_returned_notes_are_not_in_the_library(stack, people, notes):
    family = notes["family"]
    assert family not in await found(stack, people["med_c"], q="развод")
    assert_problem(
        await stack.client.get(f"{LIBRARY}/notes/{family}", headers=people["med_c"]),
        404,
        "not-found",
    )


async def test_search_pages_by_keyset(stack, people, notes):
    first = await stack.client.get(
        f"{LIBRARY}/notes", params={"category": "land", "limit": 1}, headers=people["med_c"]
    )
    cursor = first.json()["next_cursor"]
    assert cursor
    second = await stack.client.get(
        f"{LIBRARY}/notes",
        params={"category": "land", "limit": 1, "cursor": cursor},
        headers=people["med_c"],
    )
    assert second.json()["items"][0]["note_id"] != first.json()["items"][0]["note_id"]
    bad = await stack.client.get(f"{LIBRARY}/notes?cursor=zz", headers=people["med_c"])
    assert_problem(bad, 400, "bad-cursor")


async def test_a_member_marks_a_note_useful_once_and_the_home_ranks_it(stack, people, notes):
    pasture = notes["pasture"]
    url = f"{LIBRARY}/notes/{pasture}/useful"
    mark = await stack.client.post(url, headers=people["med_c"])
    assert mark.status_code == 200 and mark.json()["useful"] == 1, mark.text
    assert_problem(await stack.client.post(url, headers=people["med_c"]), 409, "already-marked")
    assert (await stack.client.post(url, headers=people["analyst_c"])).json()["useful"] == 2
    read = await stack.client.get(f"{LIBRARY}/notes/{pasture}", headers=people["med_c"])
    assert read.json()["marked"] is True and read.json()["useful"] == 2
    home = (await stack.client.get(LIBRARY, headers=people["med_c"])).json()
    land = next(s for s in home["shelves"] if s["category"] == "land")
    assert land["most_useful"][0]["note_id"] == pasture
    assert {n["note_id"] for n in land["newest"]} >= {notes["grazing"]}
    assert "family" not in {s["category"] for s in home["shelves"]}  # only returned there

    async def markers() -> list[str]:
        events = await read_stream(stack.settings.nats_url, "ANALYTICS", 0)
        subject = "analytics.practice_note.marked_useful"
        found = [e.data["marker"] for e in events if e.nats_subject == subject]
        return found if len(found) == 2 else []

    markers = await eventually(markers, what="two marks on the ANALYTICS stream")
    assert all(len(m) == 64 for m in markers)
    assert not any(m.startswith("lib-") for m in markers)


async def test_notes_like_this_one_share_its_category_and_words(stack, people, notes):
    answer = await stack.client.get(
        f"{LIBRARY}/notes/{notes['pasture']}/similar", headers=people["med_c"]
    )
    assert answer.status_code == 200, answer.text
    similar = [n["note_id"] for n in items_of(answer)]
    assert notes["grazing"] in similar and notes["family"] not in similar
    assert notes["pasture"] not in similar


async def test_a_resubmission_replaces_the_text_under_review(stack, people, notes):
    family = notes["family"]
    submit_note(stack, family, A, "family", {"en": GRAZING["en"]}, revision=2)
    item = await wait_queued(stack, people["coord_b"], family, revision=2)
    assert item["texts"]["en"]["title"] == GRAZING["en"].title and item["remark"] == ""
    assert "ru" not in item["texts"]


def snapshot(url: str) -> dict:
    """The library's notes, marks, index and a few searches, read from one database."""
    engine = create_engine(url)
    try:
        with Session(engine) as db:
            notes = sorted(
                (n.note_id, n.revision, n.status, n.useful, n.remark, n.published_at)
                for n in db.execute(select(PracticeNote)).scalars()
            )
            marks = sorted(tuple(r) for r in db.execute(select(PracticeNoteMark.note_id)).all())
            index = sorted(
                tuple(r)
                for r in db.execute(
                    select(PracticeNoteTerm.note_id, PracticeNoteTerm.term, PracticeNoteTerm.count)
                ).all()
            )
            searches = {
                q: [n.note_id for n in library.search(db, library.Filters(q), 50, None)[0]]
                for q in ("пастбище", "жайылым", "pasture", "полива", "irrigation", "")
            }
        return {"notes": notes, "marks": marks, "index": index, "searches": searches}
    finally:
        engine.dispose()


async def test_the_library_is_rebuilt_from_the_streams(stack, people, notes, tmp_path):
    live = snapshot(stack.settings.database_url("analytics"))
    assert live["searches"]["пастбище"] and live["marks"] and live["notes"]
    with fresh_database(tmp_path, "analytics") as url:
        await asyncio.to_thread(migrations.upgrade, "analytics", url)

        async def same() -> bool:
            # The relay may still be sending the last decisions: rebuild until they are in.
            result = await rebuild(stack.settings, url)
            return result.events["ANALYTICS"] > 0 and snapshot(url) == live

        await eventually(same, what="the rebuilt library equals the live one")
        assert snapshot(url) == live


async def test_a_council_note_is_reviewed_and_found_like_a_case_note(stack, people):
    note_id = new_id()
    texts = {
        "en": pe.NoteText(
            title="How the akimat was brought to repair the bridge",
            conflict="A recommendation to repair a village bridge went unanswered.",
            tried="A public hearing with the akimat's deputy.",
            worked="A dated plan published on the council's page.",
        )
    }
    submit_note(stack, note_id, A, "community", texts, source="councils")
    item = await wait_queued(stack, people["coord_b"], note_id)
    assert item["outcome"] == "implemented_on_time" and item["author_role"] == "council_secretary"
    answer = await decide(stack, people["coord_b"], note_id, decision="approve")
    assert answer.status_code == 200, answer.text
    assert note_id in await found(stack, people["med_c"], q="akimat bridges")

    async def decision() -> list:
        events = await read_stream(stack.settings.nats_url, "ANALYTICS", 0)
        subject = "analytics.practice_note.reviewed"
        return [e for e in events if e.nats_subject == subject and e.data["note_id"] == note_id]

    [reviewed] = await eventually(decision, what="the decision on the ANALYTICS stream")
    assert reviewed.data["source_kind"] == "recommendation"
    assert reviewed.data["reviewer_region"] == B
