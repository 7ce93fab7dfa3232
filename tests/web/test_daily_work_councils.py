"""Councils in the web UI (issue 17): ended terms, remarks, sessions, responses, minutes."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest

from kelisim.localtime import KAZAKHSTAN
from tests.support.browser import t
from tests.support.checks import items_of
from tests.web.daily_work_support import _csrf, signed_in_as


@pytest.mark.parametrize("lang", ["kk", "ru"])
async def test_appointing_a_member_whose_term_has_ended_is_warned(system, lang):
    secretary = await system.login("council_secretary", "demo")
    council = items_of(await system.client.get("/api/v1/councils", headers=secretary))[0]
    base = f"/api/v1/councils/{council['id']}/members"
    past = await system.client.post(
        base,
        json={
            "username": f"former-{lang}",
            "full_name": f"Бұрынғы мүше {lang}",
            "term_start": "2020-01-01",
            "term_end": "2021-01-01",
        },
        headers=secretary,
    )
    assert past.status_code == 201, past.text
    assert past.json()["warnings"] == ["term-ended"]
    current = await system.client.post(
        base,
        json={"username": f"current-{lang}", "full_name": "Қазіргі", "term_start": "2020-01-01"},
        headers=secretary,
    )
    assert current.json()["warnings"] == []
    async with signed_in_as(system, "council_secretary", lang) as web:
        page = await web.get(f"/councils/{council['id']}")
        warning = t(lang, "Term ended %(date)s: not counted towards the quorum").split(")s")[1]
        assert warning in page.text
        assert page.text.count(warning) == len(
            [m for m in items_of(await system.client.get(base, headers=secretary)) if m["warnings"]]
        )


async def test_a_member_makes_a_remark_on_circulated_minutes_on_the_session_page(system):
    secretary = await system.login("council_secretary", "demo")
    council = items_of(await system.client.get("/api/v1/councils", headers=secretary))[0]
    api = "/api/v1/councils"

    async def ok(method: str, path: str, **kwargs):  # type: ignore[no-untyped-def]
        answer = await system.client.request(method, api + path, headers=secretary, **kwargs)
        assert answer.status_code < 300, (path, answer.text)
        return answer.json() if answer.content else None

    session = await ok(
        "POST",
        f"/{council['id']}/sessions",
        json={"title": "Remarks", "starts_at": "2026-01-10T05:00:00+00:00", "place": "Hall"},
    )
    members = (await ok("GET", f"/{council['id']}/members"))["items"]
    await ok(
        "POST",
        f"/sessions/{session['id']}/items",
        json={"titles": {"kk": "Мәселе", "ru": "Вопрос", "en": "Item"}, "rapporteur": "Докладчик"},
    )
    await ok("POST", f"/sessions/{session['id']}/convene")
    marks = [{"username": m["username"], "present": True} for m in members if not m["warnings"]]
    await ok("PUT", f"/sessions/{session['id']}/attendance", json={"marks": marks})
    await ok("POST", f"/sessions/{session['id']}/hold")
    await ok("POST", f"/sessions/{session['id']}/close")
    protocol = await ok("POST", f"/sessions/{session['id']}/protocol")
    await ok("POST", f"/protocols/{protocol['id']}/circulate")
    async with signed_in_as(system, "council_member", "ru") as web:
        page = await web.get(f"/councils/sessions/{session['id']}")
        assert t("ru", "Make a remark on the draft") in page.text
        answer = await web.post(
            f"/councils/do/remark/{protocol['id']}",
            data={
                "csrf_token": _csrf(page.text),
                "page_kind": "session",
                "page_id": session["id"],
                "text": "Добавить ответ акимата.",
            },
        )
        assert answer.status_code == 303, answer.text
    read = await ok("GET", f"/protocols/{protocol['id']}")
    assert [r["text"] for r in read["remarks"]] == ["Добавить ответ акимата."]


async def test_a_session_is_planned_at_a_place_or_online_and_a_missing_one_is_marked(system):
    secretary = await system.login("council_secretary", "demo")
    council = items_of(await system.client.get("/api/v1/councils", headers=secretary))[0]
    page_path = f"/councils/{council['id']}"

    async def plan(web, **fields: str):  # type: ignore[no-untyped-def]
        page = await web.get(page_path)
        return await web.post(
            f"/councils/do/plan_session/{council['id']}",
            data={
                "csrf_token": _csrf(page.text),
                "page_kind": "council",
                "page_id": council["id"],
                "title": "Онлайн отырыс",
                "date": "2030-03-01",
                "time": "11:00",
                **fields,
            },
        )

    async with signed_in_as(system, "council_secretary", "ru") as web:
        nowhere = await plan(web, place="", online_link="")
        assert nowhere.status_code == 422
        assert 'id="online_link-error"' in nowhere.text
        assert t("ru", "Give a place or an online link.") in nowhere.text
        online = await plan(web, place="", online_link="https://meet.example.kz/council")
        assert online.status_code == 303, online.text
    sessions = items_of(
        await system.client.get(f"/api/v1/councils/{council['id']}/sessions", headers=secretary),
        whole=False,
    )
    assert "https://meet.example.kz/council" in [s["online_link"] for s in sessions]


async def test_a_council_not_ones_own_says_so_and_offers_no_forms(system):
    """A secretary of another council saw "No members yet" and forms the API refuses."""
    other = await system.client.post(
        "/api/v1/councils",
        json={"name": "Шымкент кеңесі", "level": "region", "region": "KZ-75"},
        headers=system.admin,
    )
    assert other.status_code == 201, other.text
    async with signed_in_as(system, "council_secretary", "ru") as web:
        page = await web.get(f"/councils/{other.json()['id']}")
    assert page.status_code == 200
    assert t("ru", "The council's public page") in page.text
    assert f'href="/public/councils/{other.json()["id"]}?lang=ru"' in page.text
    assert t("ru", "No members yet.") not in page.text
    assert "/councils/do/plan_session/" not in page.text


async def test_the_secretary_records_the_day_the_addressee_reported_and_sees_on_time(system):
    """The response form had no day: a report that came late to the council read as late in
    public, while the secretary's page said just "Implemented"."""
    secretary = await system.login("council_secretary", "demo")
    council = items_of(await system.client.get("/api/v1/councils", headers=secretary))[0]
    recs = items_of(
        await system.client.get(
            f"/api/v1/councils/{council['id']}/recommendations", headers=secretary
        )
    )
    rec = next(r for r in recs if r["status"] == "sent" and not r["overdue"])
    page_path = f"/councils/{council['id']}"
    today = datetime.now(KAZAKHSTAN).date()

    async def respond(web, reported_on: date):  # type: ignore[no-untyped-def]
        page = await web.get(page_path)
        assert 'name="reported_on"' in page.text
        return await web.post(
            f"/councils/do/respond/{rec['id']}",
            data={
                "csrf_token": _csrf(page.text),
                "page_kind": "council",
                "page_id": council["id"],
                "status": "implemented",
                "reported_on": reported_on.isoformat(),
            },
        )

    async with signed_in_as(system, "council_secretary", "ru") as web:
        future = await respond(web, today + timedelta(days=1))
        assert future.status_code == 422
        assert t("ru", "The day the addressee reported cannot be in the future.") in future.text
        done = await respond(web, today)
        assert done.status_code == 303, done.text
        page = (await web.get(page_path)).text
        row = page.split(rec["text"])[1].split("</tr>")[0]
        assert t("ru", "Implemented on time") in row
    read = await system.client.get(
        f"/api/v1/councils/recommendations/{rec['id']}", headers=secretary
    )
    assert read.json()["public_status"] == "implemented"
    assert read.json()["responses"][-1]["reported_on"] == today.isoformat()


async def test_partly_implemented_is_followed_on_and_the_rates_say_partly_as_the_list(system):
    """Partly implemented hid "Record the response" for good, and the rates counted it as
    "Not carried out" while the public list said "Partly implemented"."""
    secretary = await system.login("council_secretary", "demo")
    council = items_of(await system.client.get("/api/v1/councils", headers=secretary))[0]
    api = f"/api/v1/councils/{council['id']}/recommendations"
    rec = next(r for r in items_of(await system.client.get(api, headers=secretary)) if r["overdue"])
    answer = await system.client.post(
        f"/api/v1/councils/recommendations/{rec['id']}/responses",
        json={"status": "partially_implemented", "text": "Half of it."},
        headers=secretary,
    )
    assert answer.status_code == 200, answer.text
    async with signed_in_as(system, "council_secretary", "en") as web:
        page = (await web.get(f"/councils/{council['id']}")).text
        assert f'action="/councils/do/respond/{rec["id"]}"' in page
    due = date.fromisoformat(rec["due_date"])
    period = {"lang": "en", "start": due.isoformat(), "end": due.isoformat()}
    listing = (await system.client.get("/public/recommendations", params={"lang": "en"})).text
    row = listing.split(f'id="rec-{rec["id"]}"')[1].split("</tr>")[0]
    assert "Partly implemented" in row
    rates = (await system.client.get("/public/rates", params=period)).text
    table = rates.split("</table>")[0]
    heads = re.findall(r'<th scope="col">([^<]*)</th>', table)
    body = table.split("</thead>")[1]
    cells = re.findall(r"<td>([^<]*)</td>", body.split("</tr>")[0])
    by_head = dict(zip(heads[1:], cells, strict=True))
    assert by_head["Partly implemented"] == "1" and by_head["Not carried out"] == "0"


async def test_the_secretary_starts_a_correction_of_published_minutes_with_its_reason(system):
    """Published minutes offered no action, though the API's 409 minutes-settled tells the
    secretary to correct them."""
    secretary = await system.login("council_secretary", "demo")
    council = items_of(await system.client.get("/api/v1/councils", headers=secretary))[0]
    protocols = f"/api/v1/councils/{council['id']}/protocols"
    original = next(
        p
        for p in items_of(await system.client.get(protocols, headers=secretary))
        if p["status"] == "published"
    )
    session_page = f"/councils/sessions/{original['session_id']}"
    async with signed_in_as(system, "council_secretary", "ru") as web:
        page = (await web.get(f"/councils/protocols/{original['id']}")).text
        assert t("ru", "Start a correction") in page
        assert f'action="/councils/do/correct/{original["id"]}"' in page
        data = {
            "csrf_token": _csrf(page),
            "page_kind": "session",
            "page_id": original["session_id"],
        }
        before = items_of(await system.client.get(protocols, headers=secretary))
        refused = await web.post(f"/councils/do/correct/{original['id']}", data=data)
        assert refused.status_code == 422
        assert 'id="reason-error"' in refused.text
        assert items_of(await system.client.get(protocols, headers=secretary)) == before
        reason = "В пункте 1 неверно указано число голосов."
        started = await web.post(
            f"/councils/do/correct/{original['id']}", data={**data, "reason": reason}
        )
        assert started.status_code == 303, started.text
        page = (await web.get(session_page)).text
        # The correction goes through the minutes' own steps, shown on the session page.
        assert t("ru", "Correction") in page and reason in page
        assert t("ru", "Circulate to members") in page
        assert f'action="/councils/do/correct/{original["id"]}"' not in page
    after = items_of(await system.client.get(protocols, headers=secretary))
    (correction,) = [p for p in after if p["corrects_id"] == original["id"]]
    assert correction["status"] == "draft"
    assert correction["content"]["corrects"]["reason"] == reason


async def test_closing_a_session_asks_for_confirmation_first(system):
    """ "Close the session" and "Publish" acted on one click, and neither can be undone."""
    secretary = await system.login("council_secretary", "demo")
    council = items_of(await system.client.get("/api/v1/councils", headers=secretary))[0]
    api = "/api/v1/councils"

    async def ok(method: str, path: str, **kwargs):  # type: ignore[no-untyped-def]
        answer = await system.client.request(method, api + path, headers=secretary, **kwargs)
        assert answer.status_code < 300, (path, answer.text)
        return answer.json() if answer.content else None

    when = (datetime.now(KAZAKHSTAN) + timedelta(days=2)).isoformat()
    session = await ok(
        "POST",
        f"/{council['id']}/sessions",
        json={"title": "To close", "starts_at": when, "place": "Hall"},
    )
    sid = session["id"]
    members = (await ok("GET", f"/{council['id']}/members"))["items"]
    await ok(
        "POST",
        f"/sessions/{sid}/items",
        json={"titles": {"kk": "Мәселе", "ru": "Вопрос", "en": "Item"}, "rapporteur": "Докладчик"},
    )
    await ok("POST", f"/sessions/{sid}/convene")
    marks = [{"username": m["username"], "present": True} for m in members if not m["warnings"]]
    await ok("PUT", f"/sessions/{sid}/attendance", json={"marks": marks})
    await ok("POST", f"/sessions/{sid}/hold")
    async with signed_in_as(system, "council_secretary", "ru") as web:
        page = (await web.get(f"/councils/sessions/{sid}")).text
        data = {"csrf_token": _csrf(page), "page_kind": "session", "page_id": sid}
        asked = await web.post(f"/councils/do/close/{sid}", data=data)
        assert asked.status_code == 303
        assert asked.headers["location"] == f"/councils/sessions/{sid}/close"
        assert (await ok("GET", f"/sessions/{sid}"))["status"] == "held"
        confirm = (await web.get(asked.headers["location"])).text
        assert t("ru", "Close the session %(title)s?").replace("%(title)s", "To close") in confirm
        assert 'name="confirm" value="yes"' in confirm and f'value="{sid}"' in confirm
        closed = await web.post(
            f"/councils/do/close/{sid}",
            data={**data, "csrf_token": _csrf(confirm), "confirm": "yes"},
        )
        assert (
            closed.status_code == 303 and closed.headers["location"] == f"/councils/sessions/{sid}"
        )
    assert (await ok("GET", f"/sessions/{sid}"))["status"] == "closed"
