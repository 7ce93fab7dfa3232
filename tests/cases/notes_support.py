"""A settled case with known parties, walked through the gateway, to draft practice notes from."""

from __future__ import annotations

from tests.cases.support import BASE, ok, today
from tests.support.gateway import Stack

PARTIES = [
    {
        "kind": "person",
        "name": "Жанар Әлиева",
        "phone": "+7 701 123 45 67",
        "email": "zhanar.alieva@mail.kz",
        "address": "г. Алматы, ул. Абая, д. 15, кв. 3",
        "language": "kk",
    },
    {"kind": "person", "name": "Нұрлан Сейітов", "phone": "87027654321", "language": "ru"},
]
CLEAN_KK = {
    "title": "Қора қабырғасы туралы көршілер дауы",
    "conflict": "Екі көрші ортақ қабырғаны жөндеу шығынын бөлісе алмады.",
    "tried": "Әр тараппен жеке кездесу, содан кейін ортақ кездесу.",
    "worked": "Шығынды тең бөлу және жұмыс кестесі.",
    "did_not_work": "Жазбаша талаптар алмасу.",
}
CLEAN_RU = {
    "title": "Спор соседей о стене сарая",
    "conflict": "Два соседа не могли разделить расходы на ремонт общей стены.",
    "tried": "Отдельные встречи с каждой стороной, затем общая встреча.",
    "worked": "Раздел расходов поровну и график работ.",
}


async def in_mediation(
    stack: Stack,
    people: dict,
    *,
    region: str = "KZ-75",
    category: str = "neighbour",
    parties: list[dict] = PARTIES,
    mediator: str = "pn-med",
) -> dict:
    """A case registered by `people["med"]`, assigned to them by `people["coord"]`, declared,
    consented to by every party and with its mediation agreement signed."""
    gw, coord, med = stack.client, people["coord"], people["med"]
    body = {"region": region, "category": category, "parties": parties}
    case = ok(await gw.post(BASE, json=body, headers=med), 201)
    case_id = case["id"]
    ok(await gw.post(f"{BASE}/{case_id}/assignment", json={"mediator": mediator}, headers=coord))
    full = ok(await gw.post(f"{BASE}/{case_id}/declaration", json={"conflict": False}, headers=med))
    for party in full["parties"]:
        consent = {"party_id": party["id"], "form": "written", "given_on": str(today())}
        ok(await gw.post(f"{BASE}/{case_id}/consents", json=consent, headers=med))
    ok(await gw.post(f"{BASE}/{case_id}/agreement", json={"signed_on": str(today())}, headers=med))
    return full


async def settle(
    stack: Stack, people: dict, case: dict, terms: str = "The wall is repaired at shared cost."
) -> dict:
    """The case's settlement, signed by every party on the day."""
    body = {
        "terms": terms,
        "signed_on": str(today()),
        "document_text": "signed",
        "signatures": [{"party_id": p["id"], "signed_on": str(today())} for p in case["parties"]],
    }
    return ok(
        await stack.client.post(f"{BASE}/{case['id']}/settlement", json=body, headers=people["med"])
    )
