"""The library end to end through the gateway: drafted from a settled case in region A, approved
in B, found in C by a word of each language; never reviewed in A; returned notes hidden; rebuilt.
"""

from __future__ import annotations

import asyncio

import pytest

from kelisim import migrations
from services.analytics.rebuild import rebuild
from tests.analytics.test_library import snapshot
from tests.cases.notes_support import in_mediation, settle
from tests.cases.support import BASE, ok
from tests.support.checks import assert_problem, eventually
from tests.support.db import fresh_database
from tests.support.gateway import Stack

LIBRARY = "/api/v1/analytics/library"
A, B, C = "KZ-75", "KZ-71", "KZ-11"
PARTIES = [
    {"kind": "person", "name": "Ғалым Жұмабаев", "phone": "+7 701 555 12 34", "language": "kk"},
    {"kind": "person", "name": "Ольга Ким", "phone": "87025553322", "language": "ru"},
]
TEXTS = {
    "kk": {
        "title": "Суару кезегі туралы дау",
        "conflict": "Көршілер арық суын бөлісе алмады.",
        "tried": "Ақсақалдармен бірге кездесу.",
        "worked": "Суаруды апта күндеріне бөлу кестесі.",
    },
    "ru": {
        "title": "Спор об очереди полива",
        "conflict": "Соседи не могли поделить воду арыка.",
        "tried": "Общая встреча со старейшинами.",
        "worked": "График полива по дням недели.",
    },
    "en": {
        "title": "A dispute over irrigation turns",
        "conflict": "Neighbours could not share the water of a ditch.",
        "tried": "A joint meeting with the elders.",
        "worked": "An irrigation schedule by weekday.",
    },
}


@pytest.fixture(scope="module")
async def people(stack: Stack) -> dict[str, dict[str, str]]:
    return {
        "med_a": await stack.login_as("e2e-med-a", roles=["mediator"], regions=[A]),
        "coord_a": await stack.login_as("e2e-coord-a", roles=["coordinator"], regions=[A]),
        "coord_b": await stack.login_as("e2e-coord-b", roles=["coordinator"], regions=[B]),
        "med_c": await stack.login_as("e2e-med-c", roles=["mediator"], regions=[C]),
    }


async def settled_case(stack: Stack, people: dict) -> dict:
    """A case of region A taken through mediation to a signed settlement, through the gateway."""
    who = {"coord": people["coord_a"], "med": people["med_a"]}
    case = await in_mediation(
        stack, who, region=A, category="land", parties=PARTIES, mediator="e2e-med-a"
    )
    await settle(stack, who, case, terms="Water is shared by weekday.")
    return case


async def drafted_and_submitted(stack: Stack, people: dict, texts: dict) -> tuple[str, dict]:
    """The mediator of A drafts a note from a fresh settled case and submits it; its id."""
    case = await settled_case(stack, people)
    gw, med = stack.client, people["med_a"]
    body = {"language": "ru", "texts": texts}
    note = ok(await gw.post(f"{BASE}/{case['id']}/practice-notes", json=body, headers=med), 201)
    ok(await gw.post(f"{BASE}/practice-notes/{note['id']}/submission", headers=med))
    return note["id"], case


async def queued_for(stack: Stack, who: dict, note_id: str) -> str:
    async def etag() -> str | None:
        answer = await stack.client.get(f"{LIBRARY}/review/{note_id}", headers=who)
        return answer.headers.get("ETag") if answer.status_code == 200 else None

    return await eventually(etag, what="the note in the review queue")


async def found(stack: Stack, who: dict, q: str) -> list[str]:
    answer = await stack.client.get(f"{LIBRARY}/notes", params={"q": q}, headers=who)
    assert answer.status_code == 200, answer.text
    return [n["note_id"] for n in answer.json()["items"]]


async def test_a_note_travels_from_a_settled_case_to_a_third_regions_search(
    stack, people, tmp_path
):
    note_id, case = await drafted_and_submitted(stack, people, TEXTS)
    etag = await queued_for(stack, people["coord_b"], note_id)
    # A coordinator of the note's own region neither sees it queued nor reviews it.
    queue_a = await stack.client.get(f"{LIBRARY}/review", headers=people["coord_a"])
    assert note_id not in queue_a.text
    own = await stack.client.post(
        f"{LIBRARY}/review/{note_id}", json={"decision": "approve"}, headers=people["coord_a"]
    )
    assert_problem(own, 403, "own-region")
    approved = await stack.client.post(
        f"{LIBRARY}/review/{note_id}",
        json={"decision": "approve"},
        headers={**people["coord_b"], "If-Match": etag},
    )
    assert approved.status_code == 200 and approved.json()["status"] == "published"
    for word in ("суаруды", "полива", "irrigation"):  # a word of each language, inflected
        assert note_id in await found(stack, people["med_c"], word), word
    read = await stack.client.get(f"{LIBRARY}/notes/{note_id}", headers=people["med_c"])
    shown = read.text
    assert case["number"] not in shown and "Жұмабаев" not in shown and "Ким" not in shown
    assert case["id"] not in shown

    # The author hears of the decision (the cases service consumes the library's event).
    async def published_at_source() -> bool:
        mine = await stack.client.get(f"{BASE}/practice-notes/{note_id}", headers=people["med_a"])
        return mine.json()["status"] == "published"

    await eventually(published_at_source, what="the cases service told of the approval")

    # A second note, returned with a remark, is nowhere in the library.
    other = {"ru": {**TEXTS["ru"], "title": "Спор о меже", "worked": "Межевание садов."}}
    returned_id, _ = await drafted_and_submitted(stack, people, other)
    etag = await queued_for(stack, people["coord_b"], returned_id)
    back = await stack.client.post(
        f"{LIBRARY}/review/{returned_id}",
        json={"decision": "return", "remark": "Опишите общий случай."},
        headers={**people["coord_b"], "If-Match": etag},
    )
    assert back.status_code == 200 and back.json()["status"] == "returned"
    assert returned_id not in await found(stack, people["med_c"], "межевание")
    hidden = await stack.client.get(f"{LIBRARY}/notes/{returned_id}", headers=people["med_c"])
    assert_problem(hidden, 404, "not-found")
    mark = await stack.client.post(f"{LIBRARY}/notes/{note_id}/useful", headers=people["med_c"])
    assert mark.status_code == 200 and mark.json()["useful"] == 1

    # Rebuilt from the streams: the same notes, statuses, marks, index and search results.
    live = snapshot(stack.settings.database_url("analytics"))
    with fresh_database(tmp_path, "analytics") as url:
        await asyncio.to_thread(migrations.upgrade, "analytics", url)

        async def same() -> bool:
            await rebuild(stack.settings, url)
            return snapshot(url) == live

        await eventually(same, what="the rebuilt library equals the live one")
