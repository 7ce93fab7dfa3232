"""Practice notes from an implemented recommendation: only its council's secretary drafts one,
a note naming a private person of the item (declared, the rapporteur, the responsible) is
refused naming the words, a clean one is published without its source, a review comes back."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from kelisim.events.practice import PracticeNoteReviewed
from kelisim.uow import Actor
from tests.councils.support import MEMBERS, make_council
from tests.support.checks import assert_problem, eventually
from tests.support.services import running

PRESENT = [u for u in MEMBERS if u != "m7"]
CLEAN = {
    "title": "Екі тілде оқытатын сынып",
    "conflict": "Ата-аналар мектепте орыс тілінде оқытатын сыныпты сұрады.",
    "tried": "Кеңес ұсынымы мен әкімдікпен кездесу.",
    "worked": "Мерзімімен жауап беру және ата-аналармен бірге тексеру.",
}


async def implemented_recommendation(council) -> dict:
    _, (item_id,) = await council.sitting(present=PRESENT)
    await council.ok("POST", f"/items/{item_id}/vote/open")
    await council.vote(item_id, {u: "for" for u in PRESENT})
    await council.ok("POST", f"/items/{item_id}/vote/close")
    recommendation = await council.ok(
        "POST",
        f"/items/{item_id}/recommendations",
        json={
            "addressee": "Akimat of Almaty",
            "text": "Open a bilingual class in a school.",
            "responsible": "Ержан Сапаров",
            "due_date": (date.today() + timedelta(days=30)).isoformat(),
        },
    )
    return recommendation


def submitted(client) -> list[dict]:
    ctx = client.app.state.ctx
    with ctx.engine.connect() as conn:
        rows = conn.execute(select(ctx.tables.outbox.c.envelope)).all()
    return [e for e in map(json.loads, (r.envelope for r in rows)) if "practice_note" in e["type"]]


async def test_a_secretary_drafts_from_an_implemented_recommendation_checked_against_persons(
    settings,
):
    async with running("councils", settings) as client:
        council = await make_council(client, settings)
        recommendation = await implemented_recommendation(council)
        rec_id = recommendation["id"]
        body = {
            "language": "kk",
            "category": "community",
            "persons": ["Гүлмира Оспанова"],
            "texts": {"kk": CLEAN},
        }
        url = f"/recommendations/{rec_id}/practice-notes"
        assert_problem(await council.post(url, json=body), 409, "not-implemented")
        await council.ok(
            "POST", f"/recommendations/{rec_id}/responses", json={"status": "implemented"}
        )
        assert_problem(await council.post(url, json=body, who="m1"), 403, "forbidden")

        for planted, kind in (
            ("Gulmiraga", "name"),  # declared, in Latin with a Kazakh ending
            ("Оспановой", "name"),  # declared surname, Russian instrumental
            ("Seitkali", "name"),  # the item's rapporteur (A. Seitkali)
            ("Сапаровқа", "name"),  # the responsible official, Kazakh dative
        ):
            leaky = dict(CLEAN, tried=f"{CLEAN['tried']} {planted} көмектесті.")
            note = await council.ok("POST", url, json=dict(body, texts={"kk": leaky}))
            before = submitted(client)
            refused = await council.post(f"/practice-notes/{note['id']}/submission")
            assert_problem(refused, 422, "not-anonymous")
            found = [(f["text"], f["kind"], f["field"]) for f in refused.json()["findings"]]
            assert (planted, kind, "tried") in found, found
            assert submitted(client) == before
            again = await council.ok("GET", f"/practice-notes/{note['id']}")
            assert (again["status"], again["revision"]) == ("draft", 0)

        note = await council.ok("POST", url, json=body)
        assert note["outcome"] == "implemented_on_time" and note["region"] == "KZ-75"
        assert note["source"]["recommendation_id"] == rec_id
        assert (await council.get(f"/practice-notes/{note['id']}", who="m1")).status_code == 404
        sent = await council.ok("POST", f"/practice-notes/{note['id']}/submission")
        assert (sent["status"], sent["revision"]) == ("submitted", 1)
        [event] = [e for e in submitted(client) if e["data"]["note_id"] == note["id"]]
        assert event["type"].endswith("councils.practice_note.submitted.v1")
        text = json.dumps(event)
        for secret in (rec_id, council.id, "Гүлмира", "Сапаров", "Seitkali"):
            assert secret not in text, secret

        ctx = client.app.state.ctx
        with ctx.uow(Actor("library-test")) as uow:
            uow.emit(
                PracticeNoteReviewed(
                    note_id=note["id"],
                    revision=1,
                    source_kind="recommendation",
                    decision="returned",
                    remark="Say how the parents were involved.",
                    reviewer_region="KZ-71",
                    reviewed_at=datetime.now(UTC),
                ),
                aggregate=f"practice_note:{note['id']}",
            )
            uow.commit()

        async def returned() -> dict | None:
            found = await council.ok("GET", f"/practice-notes/{note['id']}")
            return found if found["status"] == "returned" else None

        back = await eventually(returned, what="the returned note with its remark")
        assert back["remark"] == "Say how the parents were involved."
        # Its author is told (a notification rule's audience), without the remark.
        [told] = [e for e in submitted(client) if e["type"].endswith("practice_note.returned.v1")]
        assert told["type"].endswith("councils.practice_note.returned.v1")
        assert told["data"]["note_id"] == note["id"]
        assert told["data"]["author"] == back["author"]
        assert told["data"]["title"] == note["texts"][note["language"]]["title"]
        assert "parents" not in json.dumps(told)
        mine = await council.ok("GET", "/practice-notes")
        assert [n["id"] for n in mine["items"]][0] == note["id"]
