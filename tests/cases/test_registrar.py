"""Issue 17.3: the mediator who registers a case reads it at once; the region's coordinators
are told that a registration waits for a mediator (the notifications service's default rule)."""

from __future__ import annotations

from tests.cases.support import BASE, assert_problem, eventually, ok, person
from tests.support.gateway import gateway_stack

INBOX = "/api/v1/notifications/inbox"


async def _registered_notices(gw, headers) -> list[dict]:  # type: ignore[no-untyped-def]
    inbox = ok(await gw.get(INBOX, headers=headers))
    return [i for i in inbox["items"] if i["topic"] == "cases.case.registered"]


async def test_registering_mediator_reads_the_case_and_coordinators_are_told(settings):
    async with gateway_stack(settings) as stack:
        gw = stack.client
        coord_kk = await stack.login_as(
            "coord-almaty", roles=["coordinator"], regions=["KZ-75"], lang="kk"
        )
        coord_ru = await stack.login_as(
            "coord-almaty-2", roles=["coordinator"], regions=["KZ-75"], lang="ru"
        )
        coord_elsewhere = await stack.login_as(
            "coord-astana", roles=["coordinator"], regions=["KZ-71"], lang="en"
        )
        med = await stack.login_as("med-aigerim", roles=["mediator"], regions=["KZ-75"])
        other = await stack.login_as("med-bolat", roles=["mediator"], regions=["KZ-75"])
        body = {
            "region": "KZ-75",
            "category": "neighbour",
            "description": "A courtyard wall",
            "parties": [person(), person()],
        }
        case = ok(await gw.post(BASE, headers=med, json=body), 201)

        shown = ok(await gw.get(f"{BASE}/{case['id']}", headers=med))
        assert shown["status"] == "registered" and shown["number"] == case["number"]
        assert shown["parties"] is None and shown["description"] is None
        assert shown["party_count"] == 2
        listed = ok(await gw.get(BASE, headers=med))
        assert case["id"] in [c["id"] for c in listed["items"]]
        # Registering lets them read, not act: sessions, declarations... need the assignment.
        assert_problem(
            await gw.post(
                f"{BASE}/{case['id']}/declaration", headers=med, json={"conflict": False}
            ),
            403,
            "forbidden",
        )
        assert (await gw.get(f"{BASE}/{case['id']}", headers=other)).status_code == 404
        assert case["id"] not in [c["id"] for c in ok(await gw.get(BASE, headers=other))["items"]]

        [kk] = await eventually(lambda: _registered_notices(gw, coord_kk), what="the kk notice")
        assert kk["title"] == f"{case['number']} іс тіркелді"
        assert "Алматы" in kk["body"] and "медиаторды тағайындауды күтуде" in kk["body"]
        [ru] = await eventually(lambda: _registered_notices(gw, coord_ru), what="the ru notice")
        assert ru["title"] == f"Зарегистрировано дело {case['number']}"
        assert "ждёт назначения медиатора" in ru["body"]
        assert await _registered_notices(gw, coord_elsewhere) == []
        assert await _registered_notices(gw, med) == []

        # Once a coordinator assigns it to someone else, it is theirs: the registrar no longer
        # reads it (least privilege), the assigned mediator does.
        ok(
            await gw.post(
                f"{BASE}/{case['id']}/assignment", headers=coord_kk, json={"mediator": "med-bolat"}
            )
        )
        assert (await gw.get(f"{BASE}/{case['id']}", headers=med)).status_code == 404
        assert ok(await gw.get(f"{BASE}/{case['id']}", headers=other))["parties"] is None
