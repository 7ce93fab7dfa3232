"""The case page's outcome forms: the settlement with each party's signature and the scan."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from tests.support.browser import t
from tests.support.checks import items_of
from tests.web.daily_work_support import _csrf, signed_in_as

PDF = b"%PDF-1.4\n% signed by both parties\n%%EOF\n"


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
