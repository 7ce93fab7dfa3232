"""A mediator who declares a conflict of interest hands the case back: the region's coordinators
are told (the notifications service's default rule on `cases.case.conflict_declared`), in
their languages, and the reason is in the case's timeline for those who may read the parties.
A declaration of no conflict tells nobody."""

from __future__ import annotations

from tests.cases.support import BASE, eventually, ok, person
from tests.support.gateway import gateway_stack

INBOX = "/api/v1/notifications/inbox"
TOPIC = "cases.case.conflict_declared"


async def _told(gw, headers) -> list[dict]:  # type: ignore[no-untyped-def]
    inbox = ok(await gw.get(INBOX, headers=headers))
    return [i for i in inbox["items"] if i["topic"] == TOPIC]


async def test_a_declared_conflict_tells_the_regions_coordinators(make_settings, clean_nats):
    async with gateway_stack(make_settings()) as stack:
        gw = stack.client
        coord = await stack.login_as(
            "coord-almaty", roles=["coordinator"], regions=["KZ-75"], lang="ru"
        )
        elsewhere = await stack.login_as(
            "coord-astana", roles=["coordinator"], regions=["KZ-71"], lang="en"
        )
        med = await stack.login_as(
            "med-aigerim",
            roles=["mediator"],
            regions=["KZ-75"],
            lang="kk",
            full_name="Айгерим Сапарова",
        )
        await stack.login_as("med-bolat", roles=["mediator"], regions=["KZ-75"], lang="en")
        body = {"region": "KZ-75", "category": "land", "parties": [person(), person()]}
        calm = ok(await gw.post(BASE, headers=coord, json=body), 201)
        torn = ok(await gw.post(BASE, headers=coord, json=body), 201)
        for case in (calm, torn):
            assignment = {"mediator": "med-aigerim"}
            ok(await gw.post(f"{BASE}/{case['id']}/assignment", headers=coord, json=assignment))
        ok(await gw.post(f"{BASE}/{calm['id']}/declaration", headers=med, json={"conflict": False}))
        reason = "Одна из сторон — мой двоюродный брат"
        back = ok(
            await gw.post(
                f"{BASE}/{torn['id']}/declaration",
                headers=med,
                json={"conflict": True, "reason": f"  {reason} "},
            )
        )
        assert back["status"] == "registered" and back["mediator"] is None

        [notice] = await eventually(lambda: _told(gw, coord), what="the coordinator's notice")
        assert notice["title"] == f"Дело {torn['number']}: медиатор заявил о конфликте интересов"
        # The mediator is named as people know her, not by her login.
        assert "Медиатор Айгерим Сапарова заявил" in notice["body"]
        assert "med-aigerim" not in notice["body"]
        assert notice["refs"]["case_ref"] == torn["id"]
        # The no-conflict declaration, made first, was consumed before the conflict's notice
        # (one stream, in order): had it told anyone, the coordinator would have two.
        assert await _told(gw, elsewhere) == []
        assert await _told(gw, med) == []

        timeline = ok(await gw.get(f"{BASE}/{torn['id']}/timeline", headers=coord))["items"]
        [declared] = [e for e in timeline if e["action"] == "case.declare"]
        assert declared["details"]["conflict"] is True
        assert declared["details"]["reason"] == reason
        calm_steps = ok(await gw.get(f"{BASE}/{calm['id']}/timeline", headers=coord))["items"]
        [none] = [e for e in calm_steps if e["action"] == "case.declare"]
        assert "reason" not in none["details"]

        # The coordinator cannot give the case back to the mediator who declared the conflict,
        # by assignment or later by reassignment; the refusal changes nothing.
        before = ok(await gw.get(f"{BASE}/{torn['id']}", headers=coord))
        steps_before = len(timeline)
        again = await gw.post(
            f"{BASE}/{torn['id']}/assignment", headers=coord, json={"mediator": "med-aigerim"}
        )
        assert again.status_code == 409, again.text
        assert again.json()["type"].endswith(":declared-conflict")
        after = ok(await gw.get(f"{BASE}/{torn['id']}", headers=coord))
        assert after["version"] == before["version"] and after["mediator"] is None
        steps = ok(await gw.get(f"{BASE}/{torn['id']}/timeline", headers=coord))["items"]
        assert len(steps) == steps_before
        other = {"mediator": "med-bolat"}
        ok(await gw.post(f"{BASE}/{torn['id']}/assignment", headers=coord, json=other))
        back_again = {"mediator": "med-aigerim", "reason": "Bolat is on leave"}
        refused = await gw.post(f"{BASE}/{torn['id']}/reassignment", headers=coord, json=back_again)
        assert refused.status_code == 409, refused.text
        assert refused.json()["type"].endswith(":declared-conflict")
