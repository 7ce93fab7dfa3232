"""The case page's outcome forms: the settlement with each party's signature and the scan."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from gateway.web.i18n import Formatter
from services.cases.terms import TermPolicy
from tests.support.browser import t
from tests.support.checks import items_of
from tests.web.daily_work_support import _csrf, signed_in_as

PDF = b"%PDF-1.4\n% signed by both parties\n%%EOF\n"
# The cases service's today: Kazakhstan's date, the day after UTC's from 19:00 UTC.
TODAY = TermPolicy().today()


async def steps_of(system, base: str, headers: dict[str, str]) -> list[dict]:  # type: ignore[no-untyped-def]
    """The audited steps of a case, as its timeline shows them."""
    timeline = items_of(await system.client.get(f"{base}/timeline", headers=headers))
    return [e for e in timeline if e["kind"] == "audit"]


async def test_a_settlement_needs_each_partys_signature_and_the_signed_scan(system):
    """The form signed for every party by itself and stored the typed terms as the document."""
    from tests.web.test_catalogs import _seed_work

    ids = await _seed_work(system)
    mediator = await system.login("mediator", "demo")
    base = f"/api/v1/cases/{ids['case']}"
    page_path = f"/cases/{ids['case']}"
    parties = (await system.client.get(base, headers=mediator)).json()["parties"]
    first, second = parties[0]["id"], parties[1]["id"]
    today = datetime.now(UTC).date()
    planned = await system.client.post(
        f"{base}/sessions",
        json={"scheduled_at": f"{today + timedelta(days=5)}T05:00:00+00:00", "place": "Зал 3"},
        headers=mediator,
    )
    assert planned.status_code == 201, planned.text
    terms = "Стороны ставят забор по меже."
    signed_on = today.isoformat()
    async with signed_in_as(system, "mediator", "ru") as web:
        page = (await web.get(page_path)).text
        warning = t("ru", "Scheduled meetings of this case will be cancelled: %(sessions)s")
        assert warning.split("%(")[0] in page and "Зал 3" in page
        assert 'enctype="multipart/form-data"' in page and 'name="document" type="file"' in page

        async def settle(signed: list[str], scan: bytes | None, **fields: str):  # type: ignore[no-untyped-def]
            page = await web.get(page_path)
            data = {
                "csrf_token": _csrf(page.text),
                "terms": terms,
                "signed_on": signed_on,
                **{f"party_{p}_signed": "on" for p in signed},
                **fields,
            }
            files = {"document": ("подписано.pdf", scan or b"", "application/pdf")}
            return await web.post(f"{page_path}/do/settle", data=data, files=files)

        unsigned = await settle([first], PDF)
        assert unsigned.status_code == 422, unsigned.text
        assert f'id="party_{second}_signed-error"' in unsigned.text
        assert f'id="party_{first}_signed-error"' not in unsigned.text
        assert t("ru", "Every party must sign the settlement.") in unsigned.text
        assert terms in unsigned.text  # what was typed stays
        assert re.search(rf'name="party_{first}_signed"[^>]*checked', unsigned.text)

        nobody = await settle([], PDF)
        assert nobody.status_code == 422, nobody.text
        assert f'id="party_{first}_signed-error"' in nobody.text
        assert f'id="party_{second}_signed-error"' in nobody.text

        no_scan = await settle([first, second], None)
        assert no_scan.status_code == 422, no_scan.text
        assert 'id="document-error"' in no_scan.text
        assert (await system.client.get(f"{base}/settlement", headers=mediator)).status_code == 404
        assert (await system.client.get(base, headers=mediator)).json()["status"] == "in_mediation"

        # A signature dated before the mediation agreement (signed today) is refused beside it.
        earlier = (today - timedelta(days=1)).isoformat()
        early = await settle([first, second], PDF, **{f"party_{second}_signed_on": earlier})
        assert early.status_code == 422, early.text
        message = t(
            "ru", "The settlement agreement cannot be signed before the mediation agreement."
        )
        field = f'<p class="field-error" id="party_{second}_signed_on-error">{message}</p>'
        assert field in early.text
        assert f'id="party_{first}_signed_on-error"' not in early.text
        assert 'id="signed_on-error"' not in early.text
        assert f'value="{earlier}"' in early.text  # what was typed is kept
        assert (await system.client.get(f"{base}/settlement", headers=mediator)).status_code == 404

        done = await settle([first, second], PDF, **{f"party_{second}_signed_on": signed_on})
        assert done.status_code == 303, done.text
    settlement = (await system.client.get(f"{base}/settlement", headers=mediator)).json()
    assert settlement["document_name"] == "подписано.pdf"
    assert settlement["media_type"] == "application/pdf"
    dates = {s["party_id"]: s["signed_on"] for s in settlement["signatures"]}
    assert dates == {first: signed_on, second: signed_on}
    document = await system.client.get(f"{base}/settlement/document", headers=mediator)
    assert document.content == PDF
    sessions = items_of(await system.client.get(f"{base}/sessions", headers=mediator))
    assert [s["status"] for s in sessions] == ["cancelled"]


async def test_a_case_with_too_few_parties_gets_a_party_added_on_its_page(system):
    """A case registered with one party was a dead end: the page offered no way to add one."""
    coordinator = await system.login("coordinator", "demo")
    mediator = await system.login("mediator", "demo")
    registered = await system.client.post(
        "/api/v1/cases",
        json={"region": "KZ-75", "category": "neighbour", "parties": []},
        headers=coordinator,
    )
    assert registered.status_code == 201, registered.text
    case_id = registered.json()["id"]
    base, page_path = f"/api/v1/cases/{case_id}", f"/cases/{case_id}"

    async def add(web, **fields: str):  # type: ignore[no-untyped-def]
        page = await web.get(page_path)
        assert 'id="action-add_party"' in page.text
        return await web.post(
            f"{page_path}/do/add_party", data={"csrf_token": _csrf(page.text), **fields}
        )

    async with signed_in_as(system, "coordinator", "kk") as web:
        assert (await add(web, party_name="Асан Сейітов", party_language="kk")).status_code == 303
    assert (
        await system.client.post(
            f"{base}/assignment", json={"mediator": "mediator"}, headers=coordinator
        )
    ).status_code == 200
    async with signed_in_as(system, "mediator", "ru") as web:
        undeclared = (await web.get(page_path)).text
        assert 'id="action-add_party"' not in undeclared  # the API wants the declaration first
        declared = await system.client.post(
            f"{base}/declaration", json={"conflict": False}, headers=mediator
        )
        assert declared.status_code == 200, declared.text
        before = await steps_of(system, base, mediator)
        bad = await add(web, party_name="Иван Петров", party_email="не почта")
        assert bad.status_code == 422, bad.text
        assert 'id="party_email-error"' in bad.text and "Иван Петров" in bad.text
        assert await steps_of(system, base, mediator) == before  # nothing recorded
        added = await add(
            web, party_name="Иван Петров", party_phone="+77011234567", party_language="ru"
        )
        assert added.status_code == 303, added.text
    parties = (await system.client.get(base, headers=mediator)).json()["parties"]
    assert [(p["name"], p["language"]) for p in parties] == [
        ("Асан Сейітов", "kk"),
        ("Иван Петров", "ru"),
    ]
    assert parties[1]["phone"] == "+77011234567"


async def test_a_session_cancelled_by_the_end_of_mediation_says_so_not_the_postponements_reason(
    system,
):
    """A postponed session, cancelled when the case settled, showed the postponement's reason."""
    from tests.web.test_catalogs import _seed_work

    ids = await _seed_work(system)
    mediator = await system.login("mediator", "demo")
    base, page_path = f"/api/v1/cases/{ids['case']}", f"/cases/{ids['case']}"
    today = datetime.now(UTC).date()
    planned = []
    for days in (-1, 5, 6):
        answer = await system.client.post(
            f"{base}/sessions",
            json={"scheduled_at": f"{today + timedelta(days=days)}T05:00:00+00:00", "place": "Зал"},
            headers=mediator,
        )
        assert answer.status_code == 201, answer.text
        planned.append(answer.json()["id"])
    changes = [
        (planned[0], {"status": "held", "attendance": []}),
        (
            planned[1],
            {
                "status": "postponed",
                "scheduled_at": f"{today + timedelta(days=9)}T06:00:00+00:00",
                "reason": "Тарап ауырып қалды",
            },
        ),
        (planned[2], {"status": "cancelled", "reason": "Зал бос емес"}),
    ]
    for session_id, change in changes:
        answer = await system.client.patch(
            f"{base}/sessions/{session_id}", json=change, headers=mediator
        )
        assert answer.status_code == 200, answer.text
    ended = await system.client.post(
        f"{base}/not-settled", json={"reason": "Тараптар келіспеді"}, headers=mediator
    )
    assert ended.status_code == 200, ended.text
    sessions = {
        s["id"]: s for s in items_of(await system.client.get(f"{base}/sessions", headers=mediator))
    }
    postponed = sessions[planned[1]]
    assert (postponed["status"], postponed["reason"], postponed["reason_code"]) == (
        "cancelled",
        None,
        "mediation_ended",
    )
    assert sessions[planned[2]]["reason"] == "Зал бос емес"  # a user's own cancellation
    assert sessions[planned[2]]["reason_code"] is None
    async with signed_in_as(system, "mediator", "ru") as web:
        page = (await web.get(page_path)).text
    assert "Тарап ауырып қалды" not in page
    assert t("ru", "Cancelled: the mediation ended") in page and "Зал бос емес" in page
    timeline = page[page.index('id="h-timeline"') :]
    for step in ("Session held", "Session postponed", "Session cancelled"):
        assert f"<strong>{t('ru', step)}</strong>" in timeline
    assert t("ru", "Session updated") not in timeline


async def test_an_obligations_result_is_chosen_and_confirmed_with_a_note_not_one_click(system):
    """Fulfilled and Breached were one-click buttons, and a result cannot be changed."""
    from tests.web.test_catalogs import _seed_work

    ids = await _seed_work(system)
    mediator = await system.login("mediator", "demo")
    base, page_path = f"/api/v1/cases/{ids['case']}", f"/cases/{ids['case']}"
    parties = (await system.client.get(base, headers=mediator)).json()["parties"]
    today = datetime.now(UTC).date()
    # Due in a month: the compliance watcher counts days in Kazakhstan's time, so an obligation
    # due on the UTC day turns overdue at 19:00 UTC and its alert would land mid-test.
    due_on = (today + timedelta(days=30)).isoformat()
    settled = await system.client.post(
        f"{base}/settlement",
        json={
            "terms": "Забор",
            "signed_on": today.isoformat(),
            "signatures": [{"party_id": p["id"], "signed_on": today.isoformat()} for p in parties],
            "document_text": "Забор",
            "obligations": [{"description": "Поставить забор", "due_on": due_on}],
        },
        headers=mediator,
    )
    assert settled.status_code == 200, settled.text
    obligation = items_of(await system.client.get(f"{base}/obligations", headers=mediator))[0]
    action = f"{page_path}/obligations/{obligation['id']}/resolve"
    async with signed_in_as(system, "mediator", "ru") as web:
        page = (await web.get(page_path)).text
        assert f'action="{action}"' in page
        assert f"/obligations/{obligation['id']}/breached" not in page  # no one-click verdict
        before = await steps_of(system, base, mediator)
        stray = await web.post(action, data={"csrf_token": _csrf(page)})
        assert stray.status_code == 422, stray.text
        assert 'id="verdict-error"' in stray.text
        assert await steps_of(system, base, mediator) == before
        unresolved = items_of(await system.client.get(f"{base}/obligations", headers=mediator))
        assert unresolved[0]["status"] == "open"
        page = (await web.get(page_path)).text
        note = "Забор не поставлен к сроку"
        done = await web.post(
            action, data={"csrf_token": _csrf(page), "verdict": "breached", "note": note}
        )
        assert done.status_code == 303, done.text
    resolved = items_of(await system.client.get(f"{base}/obligations", headers=mediator))
    assert resolved[0]["status"] == "breached"
    step = (await steps_of(system, base, mediator))[-1]
    assert step["action"] == "case.breach_obligation"
    assert step["details"]["note"] == note


async def reopened_case(system, agreed: date, first: date) -> tuple[str, list[str]]:  # type: ignore[no-untyped-def]
    """A case with its mediation agreement signed on `agreed`, settled on `first`, breached
    and reopened today: its API path and its parties."""
    coordinator = await system.login("coordinator", "demo")
    mediator = await system.login("mediator", "demo")
    registered = await system.client.post(
        "/api/v1/cases",
        json={
            "region": "KZ-75",
            "category": "neighbour",
            "parties": [
                {"kind": "person", "name": "Party Gamma"},
                {"kind": "person", "name": "Party Delta"},
            ],
        },
        headers=coordinator,
    )
    assert registered.status_code == 201, registered.text
    base = f"/api/v1/cases/{registered.json()['id']}"

    async def step(headers: dict[str, str], path: str, body: dict) -> dict:  # type: ignore[type-arg]
        answer = await system.client.post(f"{base}/{path}", json=body, headers=headers)
        assert answer.status_code in (200, 201), answer.text
        return answer.json()  # type: ignore[no-any-return]

    await step(coordinator, "assignment", {"mediator": "mediator"})
    await step(mediator, "declaration", {"conflict": False})
    parties = [p["id"] for p in (await system.client.get(base, headers=mediator)).json()["parties"]]
    for party in parties:
        await step(mediator, "consents", {"party_id": party, "given_on": str(agreed)})
    await step(mediator, "agreement", {"signed_on": str(agreed)})
    await step(
        mediator,
        "settlement",
        {
            "terms": "Quiet after 22:00",
            "signed_on": str(first),
            "signatures": [{"party_id": p, "signed_on": str(first)} for p in parties],
            "document_text": "Signed by both parties",
            "obligations": [{"description": "Quiet after 22:00", "due_on": str(TODAY)}],
        },
    )
    [obligation] = items_of(await system.client.get(f"{base}/obligations", headers=mediator))
    await step(coordinator, f"obligations/{obligation['id']}/breached", {"note": "Loud again"})
    assert (await step(coordinator, "reopening", {"reason": "Breach"}))["status"] == "in_mediation"
    return base, parties


def settling(web, page_path: str, parties: list[str]):  # type: ignore[no-untyped-def]
    """Send the page's settlement form, every party ticked, the second one's signature dated
    `second_signed_on`."""

    async def settle(signed_on: str, second_signed_on: str):  # type: ignore[no-untyped-def]
        page = await web.get(page_path)
        data = {
            "csrf_token": _csrf(page.text),
            "terms": "Тыныштық сағат 21:00-ден кейін",
            "signed_on": signed_on,
            **{f"party_{p}_signed": "on" for p in parties},
            f"party_{parties[1]}_signed_on": second_signed_on,
        }
        files = {"document": ("екінші.pdf", PDF, "application/pdf")}
        return await web.post(f"{page_path}/do/settle", data=data, files=files)

    return settle


async def test_a_reopened_cases_new_settlement_dated_before_the_last_is_refused_beside_it(system):
    """After a breach reopens a case, its new settlement (or a party's signature) dated before
    the settlement it replaces is refused beside that date, in the user's language; after the
    agreement, so it is not that rule."""
    mediator = await system.login("mediator", "demo")
    today = TODAY  # the reopening's day: a settlement of the UTC date would precede it at night
    first = today - timedelta(days=5)
    base, parties = await reopened_case(system, today - timedelta(days=10), first)
    page_path = base.replace("/api/v1", "")

    between = str(today - timedelta(days=7))  # after the agreement, before the first settlement
    async with signed_in_as(system, "mediator", "kk") as web:
        settle = settling(web, page_path, parties)
        message = t("kk", "The new settlement cannot be signed before the settlement it replaces.")
        assert message != "The new settlement cannot be signed before the settlement it replaces."
        early = await settle(between, str(today))
        assert early.status_code == 422, early.text
        assert f'<p class="field-error" id="signed_on-error">{message}</p>' in early.text
        assert f'id="party_{parties[1]}_signed_on-error"' not in early.text
        late_signature = await settle(str(today), between)
        assert late_signature.status_code == 422, late_signature.text
        field = f'<p class="field-error" id="party_{parties[1]}_signed_on-error">{message}</p>'
        assert field in late_signature.text
        assert 'id="signed_on-error"' not in late_signature.text
        assert f'value="{between}"' in late_signature.text  # what was typed is kept
        current = (await system.client.get(f"{base}/settlement", headers=mediator)).json()
        assert current["signed_on"] == str(first)  # nothing recorded
        assert (await system.client.get(base, headers=mediator)).json()["status"] == "in_mediation"
        done = await settle(str(today), str(today))
        assert done.status_code == 303, done.text
    assert (await system.client.get(base, headers=mediator)).json()["status"] == "settled"


async def test_a_reopened_cases_new_settlement_dated_before_the_reopening_is_refused_beside_it(
    system,
):
    """The mediation that reaches the new settlement resumed on the reopening day: a settlement
    (or a party's signature) dated after the breached settlement but before that day is
    refused beside that date, naming the reopening day in Kazakh; nothing is recorded."""
    mediator = await system.login("mediator", "demo")
    first = TODAY - timedelta(days=5)
    base, parties = await reopened_case(system, TODAY - timedelta(days=10), first)
    page_path = base.replace("/api/v1", "")
    between = str(TODAY - timedelta(days=2))  # after the first settlement, before today's reopening
    async with signed_in_as(system, "mediator", "kk") as web:
        settle = settling(web, page_path, parties)
        template = "The mediation was reopened on %(day)s: the new settlement cannot be signed "
        template += "before that day."
        message = t("kk", template) % {"day": Formatter("kk").date(TODAY)}
        assert message.startswith("Медиация қайта басталған күн — ")
        before = await steps_of(system, base, mediator)
        early = await settle(between, str(TODAY))
        assert early.status_code == 422, early.text
        assert f'<p class="field-error" id="signed_on-error">{message}</p>' in early.text
        assert f'id="party_{parties[1]}_signed_on-error"' not in early.text
        general = t(
            "kk", "The new settlement cannot be signed before the day the case was reopened."
        )
        assert general in early.text
        late_signature = await settle(str(TODAY), between)
        assert late_signature.status_code == 422, late_signature.text
        field = f'<p class="field-error" id="party_{parties[1]}_signed_on-error">{message}</p>'
        assert field in late_signature.text
        assert 'id="signed_on-error"' not in late_signature.text
        assert f'value="{between}"' in late_signature.text  # what was typed is kept
        assert await steps_of(system, base, mediator) == before  # nothing recorded
        current = (await system.client.get(f"{base}/settlement", headers=mediator)).json()
        assert current["signed_on"] == str(first)
        assert (await system.client.get(base, headers=mediator)).json()["status"] == "in_mediation"
        done = await settle(str(TODAY), str(TODAY))  # the reopening day itself
        assert done.status_code == 303, done.text
    assert (await system.client.get(base, headers=mediator)).json()["status"] == "settled"
