"""A practice note's author is told of the library's decision: a coordinator of another region
returns the note (the notice says so and that the remark is on the note, without quoting it)
or approves it (the notice says it is published); the inbox links to the note's page. Through
the real services: cases → analytics → cases → notifications, and the gateway's inbox page."""

from __future__ import annotations

import pytest

from kelisim.problems import Problem
from services.notifications.handlers.notify import audience_of
from services.notifications.handlers.rules import check_rule
from services.notifications.models import Rule
from tests.cases.notes_support import CLEAN_RU, in_mediation, settle
from tests.cases.support import BASE, eventually, ok
from tests.support.gateway import gateway_stack
from tests.web.conftest import browser_client
from tests.web.support import web_login

INBOX = "/api/v1/notifications/inbox"
LIBRARY = "/api/v1/analytics/library"
RETURNED, PUBLISHED = "cases.practice_note.returned", "cases.practice_note.published"
REMARK = "Уберите номер телефона."


async def _told(gw, headers, topic) -> list[dict]:  # type: ignore[no-untyped-def]
    inbox = ok(await gw.get(INBOX, headers=headers))
    return [i for i in inbox["items"] if i["topic"] == topic]


async def _review(stack, reviewer, note_id: str, body: dict) -> dict:  # type: ignore[no-untyped-def]
    async def etag() -> str | None:
        answer = await stack.client.get(f"{LIBRARY}/review/{note_id}", headers=reviewer)
        return answer.headers.get("ETag") if answer.status_code == 200 else None

    tag = await eventually(etag, what="the note in another region's review queue")
    url = f"{LIBRARY}/review/{note_id}"
    return ok(await stack.client.post(url, json=body, headers={**reviewer, "If-Match": tag}))


async def test_the_author_is_told_when_a_note_is_returned_and_when_it_is_published(
    make_settings, clean_nats
):
    async with gateway_stack(make_settings()) as stack:
        gw = stack.client
        people = {
            "coord": await stack.login_as(
                "pnn-coord", roles=["coordinator"], regions=["KZ-75"], lang="ru"
            ),
            "med": await stack.login_as(
                "pnn-med", roles=["mediator"], regions=["KZ-75"], lang="ru"
            ),
        }
        reviewer = await stack.login_as(
            "pnn-reviewer", roles=["coordinator"], regions=["KZ-71"], lang="en"
        )
        colleague = await stack.login_as(
            "pnn-colleague", roles=["mediator"], regions=["KZ-75"], lang="kk"
        )
        case = await in_mediation(stack, people, mediator="pnn-med")
        await settle(stack, people, case)
        med = people["med"]
        body = {"language": "ru", "texts": {"ru": CLEAN_RU}}
        note = ok(await gw.post(f"{BASE}/{case['id']}/practice-notes", json=body, headers=med), 201)
        ok(await gw.post(f"{BASE}/practice-notes/{note['id']}/submission", headers=med))

        back = await _review(stack, reviewer, note["id"], {"decision": "return", "remark": REMARK})
        assert back["status"] == "returned"
        [notice] = await eventually(
            lambda: _told(gw, med, RETURNED), what="the author told of the return"
        )
        assert notice["title"] == "Заметка о практике возвращена на доработку"
        assert f"«{CLEAN_RU['title']}»" in notice["body"]
        assert "на странице заметки" in notice["body"]
        assert REMARK not in notice["body"]  # the remark stays on the note, in the cases service
        assert notice["refs"] == {"note_id": note["id"]}
        mine = ok(await gw.get(f"{BASE}/practice-notes/{note['id']}", headers=med))
        assert (mine["status"], mine["remark"]) == ("returned", REMARK)
        for other in (people["coord"], colleague, reviewer):
            assert await _told(gw, other, RETURNED) == []

        async with browser_client(stack) as web:
            assert (await web_login(web, "pnn-med", "user-password-1")).status_code == 303
            page = await web.get("/notifications")
        assert page.status_code == 200
        assert f'href="/practice-notes/cases/{note["id"]}"' in page.text

        # Edited and sent again, then approved: the author hears it is published.
        ok(await gw.post(f"{BASE}/practice-notes/{note['id']}/submission", headers=med))
        done = await _review(stack, reviewer, note["id"], {"decision": "approve"})
        assert done["status"] == "published"
        [published] = await eventually(
            lambda: _told(gw, med, PUBLISHED), what="the author told of the publication"
        )
        assert published["title"] == "Заметка о практике опубликована"
        assert f"«{CLEAN_RU['title']}»" in published["body"]
        assert published["refs"] == {"note_id": note["id"]}
        assert len(await _told(gw, med, RETURNED)) == 1
        for other in (people["coord"], colleague, reviewer):
            assert await _told(gw, other, PUBLISHED) == []


@pytest.mark.parametrize("source", ["cases", "councils"])
@pytest.mark.parametrize("decision", ["returned", "published"])
def test_a_rule_may_tell_the_author_of_a_decided_note(source: str, decision: str) -> None:
    subject = f"{source}.practice_note.{decision}"
    check_rule(subject, "author", None, "region")
    rule = Rule(subject=subject, audience="author", scope="region")
    assert audience_of(rule, {"author": "sec-dana", "region": "KZ-75"}) == {
        "audience_user": "sec-dana"
    }


def test_a_rule_to_the_author_of_an_event_that_names_none_is_refused() -> None:
    with pytest.raises(Problem) as refused:
        check_rule("cases.case.registered", "author", None, "region")
    assert (refused.value.status, refused.value.kind) == (422, "invalid-audience")
