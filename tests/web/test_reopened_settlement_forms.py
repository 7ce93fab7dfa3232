"""A reopened case's new settlement on its page: a date before the last settlement or before the
reopening is refused beside the field, in the user's language."""

from __future__ import annotations

from datetime import date, timedelta

from gateway.web.i18n import Formatter
from tests.cases.support import today as local_today
from tests.support.browser import t
from tests.support.checks import items_of
from tests.web.daily_work_support import _csrf, signed_in_as
from tests.web.test_case_outcome_forms import PDF, steps_of


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
            "obligations": [{"description": "Quiet after 22:00", "due_on": str(local_today())}],
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
    today = local_today()  # the reopening's day (a UTC date would precede it at night)
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
    today = local_today()  # the reopening's day
    first = today - timedelta(days=5)
    base, parties = await reopened_case(system, today - timedelta(days=10), first)
    page_path = base.replace("/api/v1", "")
    between = str(today - timedelta(days=2))  # after the first settlement, before today's reopening
    async with signed_in_as(system, "mediator", "kk") as web:
        settle = settling(web, page_path, parties)
        template = "The mediation was reopened on %(day)s: the new settlement cannot be signed "
        template += "before that day."
        message = t("kk", template) % {"day": Formatter("kk").date(today)}
        assert message.startswith("Медиация қайта басталған күн — ")
        before = await steps_of(system, base, mediator)
        early = await settle(between, str(today))
        assert early.status_code == 422, early.text
        assert f'<p class="field-error" id="signed_on-error">{message}</p>' in early.text
        assert f'id="party_{parties[1]}_signed_on-error"' not in early.text
        general = t(
            "kk", "The new settlement cannot be signed before the day the case was reopened."
        )
        assert general in early.text
        late_signature = await settle(str(today), between)
        assert late_signature.status_code == 422, late_signature.text
        field = f'<p class="field-error" id="party_{parties[1]}_signed_on-error">{message}</p>'
        assert field in late_signature.text
        assert 'id="signed_on-error"' not in late_signature.text
        assert f'value="{between}"' in late_signature.text  # what was typed is kept
        assert await steps_of(system, base, mediator) == before  # nothing recorded
        current = (await system.client.get(f"{base}/settlement", headers=mediator)).json()
        assert current["signed_on"] == str(first)
        assert (await system.client.get(base, headers=mediator)).json()["status"] == "in_mediation"
        done = await settle(str(today), str(today))  # the reopening day itself
        assert done.status_code == 303, done.text
    assert (await system.client.get(base, headers=mediator)).json()["status"] == "settled"
