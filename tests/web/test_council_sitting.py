"""A council's sitting on its session page: attendance, votes, signatures, recommendations."""

from __future__ import annotations

import html
import re
from collections.abc import Awaitable, Callable
from typing import Any

from gateway.web import labels
from services.councils import lifecycle
from tests.support.browser import t
from tests.support.checks import items_of
from tests.support.gateway import Stack
from tests.web.daily_work_support import _csrf, signed_in_as

API = "/api/v1/councils"
Call = Callable[..., Awaitable[Any]]


async def _caller(system: Stack, username: str) -> Call:
    """An API caller as a demo user that fails the test on a refusal."""
    headers = await system.login(username, "demo")

    async def ok(method: str, path: str, **kwargs: Any) -> Any:
        answer = await system.client.request(method, API + path, headers=headers, **kwargs)
        assert answer.status_code < 300, (path, answer.text)
        return answer.json() if answer.content else None

    return ok


async def new_session(system: Stack, title: str, starts_at: str) -> tuple[Call, dict, str]:
    """A planned session of the demo council: the secretary's caller, the council, its id."""
    secretary = await _caller(system, "council_secretary")
    council = items_of(
        await system.client.get(API, headers=await system.login("council_secretary", "demo"))
    )[0]
    session = await secretary(
        "POST",
        f"/{council['id']}/sessions",
        json={"title": title, "starts_at": starts_at, "place": "Hall"},
    )
    return secretary, council, session["id"]


ITEM = {"titles": {"kk": "Мәселе", "ru": "Вопрос", "en": "Item"}, "rapporteur": "Докладчик"}


async def _sitting(
    system: Stack,
    title: str,
    starts_at: str = "2026-01-10T05:00:00+00:00",
    item: dict[str, Any] | None = None,
) -> tuple[Call, str, str, list[str]]:
    """A held session of the demo council, every current member present, one item on it
    (`item`, else a plain one)."""
    secretary, council, sid = await new_session(system, title, starts_at)
    made = await secretary("POST", f"/sessions/{sid}/items", json=item or ITEM)
    members = (await secretary("GET", f"/{council['id']}/members"))["items"]
    present = sorted(m["username"] for m in members if not m["warnings"])
    await secretary("POST", f"/sessions/{sid}/convene")
    marks = [{"username": u, "present": True} for u in present]
    await secretary("PUT", f"/sessions/{sid}/attendance", json={"marks": marks})
    await secretary("POST", f"/sessions/{sid}/hold")
    return secretary, sid, made["id"], present


def _badge(page: str, sid: str) -> str:
    """The status badge shown next to (or under) the link or title of session `sid`."""
    link = f'href="/councils/sessions/{sid}"'
    start = page.index(link) if link in page else page.index("<h1>")
    found = re.compile(r'<span class="badge">([^<]*)</span>').search(page, start)
    assert found, sid
    return html.unescape(found.group(1))


def test_every_state_of_a_council_session_has_one_label() -> None:
    states = {s for step in lifecycle.SESSION.values() for s in {*step.sources, step.target}}
    assert set(labels.COUNCIL_SESSION_STATUSES) == states - {None, "new"}


async def test_a_sitting_under_way_reads_in_session_and_held_only_once_closed(system):
    """An opened sitting read "Held" on the council's page, its own page and the start page."""
    # before every other session of the demo council, so first on the start page's ten
    secretary, sid, _, _ = await _sitting(
        system, "A sitting under way", starts_at="2019-06-01T05:00:00+00:00"
    )
    council = (await secretary("GET", f"/sessions/{sid}"))["council_id"]
    pages = {"council": f"/councils/{council}", "session": f"/councils/sessions/{sid}"}
    for lang in ("kk", "ru", "en"):
        async with signed_in_as(system, "council_secretary", lang) as web:
            for path in [*pages.values(), "/"]:
                page = (await web.get(path)).text
                assert _badge(page, sid) == t(lang, "In session"), (lang, path)
    assert t("kk", "In session") == "Отырыс жүріп жатыр"
    assert t("ru", "In session") == "Идёт заседание"

    await secretary("POST", f"/sessions/{sid}/close")
    async with signed_in_as(system, "council_secretary", "ru") as web:
        for path in pages.values():
            assert _badge((await web.get(path)).text, sid) == t("ru", "Held") == "Проведено", path
        assert f"/councils/sessions/{sid}" not in (await web.get("/")).text  # closed: not to come


async def test_voters_cannot_be_unticked_from_who_is_present_after_the_vote(system):
    """The minutes listed as absent two members who had voted For, with "no quorum"."""
    secretary, sid, iid, present = await _sitting(system, "Attendance after the vote")
    await secretary("POST", f"/items/{iid}/vote/open")
    for username in ("council_chair", "council_member"):
        voter = await _caller(system, username)
        await voter("POST", f"/items/{iid}/votes", json={"choice": "for"})
    await secretary("POST", f"/items/{iid}/vote/close")

    async with signed_in_as(system, "council_secretary", "kk") as web:
        page = await web.get(f"/councils/sessions/{sid}")
        answer = await web.post(
            f"/councils/attendance/{sid}",
            data={
                "csrf_token": _csrf(page.text),
                "member": present,
                "present": ["council_secretary"],
            },
        )
        assert answer.status_code == 409, answer.text
        message = (
            "A member who voted or recused at this session, or was counted at a closed vote, "
            "was present: they cannot be marked absent."
        )
        assert html.escape(t("kk", message)) in answer.text
    session = await secretary("GET", f"/sessions/{sid}")
    assert session["present"] == present and session["quorum"]["reached"]


async def test_a_member_who_voted_sees_their_vote_and_no_buttons_or_recusal_form(system):
    """After voting the page showed nothing, and a second click gave "already voted"."""
    secretary, sid, iid, _ = await _sitting(system, "A member votes")
    await secretary("POST", f"/items/{iid}/vote/open")
    async with signed_in_as(system, "council_member", "ru") as web:
        before = await web.get(f"/councils/sessions/{sid}")
        assert f'action="/councils/do/vote/{iid}"' in before.text
        assert f'action="/councils/do/recuse/{iid}"' in before.text
        answer = await web.post(
            f"/councils/do/vote/{iid}",
            data={
                "csrf_token": _csrf(before.text),
                "page_kind": "session",
                "page_id": sid,
                "choice": "against",
            },
        )
        assert answer.status_code == 303, answer.text
        after = await web.get(f"/councils/sessions/{sid}")
        voted = t("ru", "You voted: %(choice)s") % {"choice": t("ru", "Against")}
        assert html.escape(voted) in after.text
        assert f'action="/councils/do/vote/{iid}"' not in after.text
        assert f'action="/councils/do/recuse/{iid}"' not in after.text
    async with signed_in_as(system, "council_chair", "ru") as web:
        chair_page = await web.get(f"/councils/sessions/{sid}")
        assert f'action="/councils/do/vote/{iid}"' in chair_page.text  # not voted yet


async def test_after_the_chair_signs_the_page_says_who_signed_and_offers_no_second_signature(
    system,
):
    """The page still said "Approved" and offered "Sign"; a second click said "Already signed"."""
    secretary, sid, _, _ = await _sitting(system, "Minutes to sign")
    await secretary("POST", f"/sessions/{sid}/close")
    protocol = await secretary("POST", f"/sessions/{sid}/protocol")
    pid = protocol["id"]
    await secretary("POST", f"/protocols/{pid}/circulate")
    await secretary("POST", f"/protocols/{pid}/approve")
    sign_form = f'action="/councils/do/sign/{pid}"'
    async with signed_in_as(system, "council_chair", "kk") as web:
        page = await web.get(f"/councils/sessions/{sid}")
        assert sign_form in page.text
        answer = await web.post(
            f"/councils/do/sign/{pid}",
            data={"csrf_token": _csrf(page.text), "page_kind": "session", "page_id": sid},
        )
        assert answer.status_code == 303, answer.text
        assert answer.headers["location"] == f"/councils/sessions/{sid}?done=sign"
        after = await web.get(answer.headers["location"])
        assert html.escape(t("kk", "You have signed the minutes.")) in after.text
        assert html.escape(t("kk", "The secretary has not signed yet.")) in after.text
        signed = t("kk", "The chair signed: %(name)s, %(at)s").split(":")[0]
        assert html.escape(signed) in after.text
        assert sign_form not in after.text
    async with signed_in_as(system, "council_secretary", "kk") as web:
        page = await web.get(f"/councils/sessions/{sid}")
        assert sign_form in page.text  # the secretary is still to sign
        assert html.escape(t("kk", "The chair has not signed yet.")) not in page.text


async def test_an_issued_recommendation_is_confirmed_and_listed_under_its_item(system):
    """Issuing a recommendation left no trace on the session page."""
    secretary, sid, iid, _ = await _sitting(system, "A recommendation is issued")
    await secretary("POST", f"/items/{iid}/vote/open")
    for username in ("council_chair", "council_member", "council_secretary"):
        voter = await _caller(system, username)
        await voter("POST", f"/items/{iid}/votes", json={"choice": "for"})
    await secretary("POST", f"/items/{iid}/vote/close")
    async with signed_in_as(system, "council_secretary", "ru") as web:
        page = await web.get(f"/councils/sessions/{sid}")
        answer = await web.post(
            f"/councils/do/recommend/{iid}",
            data={
                "csrf_token": _csrf(page.text),
                "page_kind": "session",
                "page_id": sid,
                "addressee": "Акимат Медеуского района",
                "text": "Провести встречу с жителями.",
                "responsible": "Отдел внутренней политики",
                "due_date": "2027-03-01",
            },
        )
        assert answer.status_code == 303, answer.text
        after = await web.get(answer.headers["location"])
    done = (
        "The recommendation is issued: it is listed under its agenda item and followed up on "
        "the council's page."
    )
    assert html.escape(t("ru", done)) in after.text
    item = after.text[after.text.index(f'id="item-{iid}"') :]
    listed = item[: item.index("</article>")]
    assert "Акимат Медеуского района" in listed
    assert "1 марта 2027" in listed
    assert html.escape(t("ru", "Sent")) in listed


async def test_the_secretary_sees_the_reason_of_a_recusal_on_the_session_page(system):
    """The recusal reason was collected and never shown."""
    secretary, sid, iid, _ = await _sitting(system, "A recusal with a reason")
    async with signed_in_as(system, "council_member", "kk") as web:
        page = await web.get(f"/councils/sessions/{sid}")
        hint = (
            "The council's members see the reason, and the minutes record it; published minutes "
            "are public."
        )
        assert html.escape(t("kk", hint)) in page.text
        answer = await web.post(
            f"/councils/do/recuse/{iid}",
            data={
                "csrf_token": _csrf(page.text),
                "page_kind": "session",
                "page_id": sid,
                "reason": "Өтініш берушінің туысымын",
            },
        )
        assert answer.status_code == 303, answer.text
    async with signed_in_as(system, "council_secretary", "kk") as web:
        page = await web.get(f"/councils/sessions/{sid}")
        assert "Өтініш берушінің туысымын" in page.text
