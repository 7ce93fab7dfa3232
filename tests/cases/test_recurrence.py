"""Issue 17.6: a party who appears in an earlier case of the region (same name in any
spelling, with the same phone or e-mail) is shown to the case's coordinator and its declared
mediator, as a link to the earlier case, in the API and on the case page."""

from __future__ import annotations

from tests.cases.support import BASE, assert_problem, ok
from tests.support.checks import items_of
from tests.support.gateway import gateway_stack
from tests.web.conftest import browser_client
from tests.web.support import csrf_of, web_login

HEADINGS = {"kk": "Осы тараптардың бұрынғы істері", "ru": "Прежние дела этих сторон"}


def person(name: str, **contacts: str) -> dict:
    return {"kind": "person", "name": name, **contacts}


async def test_earlier_cases_of_a_party_are_linked_for_the_coordinator_and_declared_mediator(
    settings,
):
    async with gateway_stack(settings) as stack:
        gw = stack.client
        coord = await stack.login_as("coord-two", roles=["coordinator"], regions=["KZ-75", "KZ-71"])
        med = await stack.login_as("med-aigerim", roles=["mediator"], regions=["KZ-75"])
        other = await stack.login_as("med-bolat", roles=["mediator"], regions=["KZ-75"])

        async def register(region: str, *parties: dict) -> dict:
            body = {"region": region, "category": "family", "parties": list(parties)}
            return ok(await gw.post(BASE, headers=coord, json=body), 201)

        earlier = await register(
            "KZ-75",
            person("Жанар Әлиева", phone="+7 701 123 45 67"),
            person("Серік Ахмет", email="serik@example.kz"),
        )
        elsewhere = await register("KZ-71", person("Жанар Әлиева", phone="+77011234567"))
        namesake = await register("KZ-75", person("Жанар Әлиева", phone="+77770000000"))
        new = await register(
            "KZ-75",
            person("Zhanar Aliyeva", phone="8 (701) 123-45-67"),
            person("Serik Akhmet", email="other@example.kz"),
            person("Бауыржан Омаров", email="SERIK@example.kz"),
        )
        url = f"{BASE}/{new['id']}/earlier-cases"
        [link] = items_of(await gw.get(url, headers=coord))
        zhanar = new["parties"][0]["id"]
        assert (link["case_id"], link["number"], link["party_id"]) == (
            earlier["id"],
            earlier["number"],
            zhanar,
        )
        assert elsewhere["id"] != link["case_id"] and namesake["id"] != link["case_id"]
        assert items_of(await gw.get(f"{BASE}/{earlier['id']}/earlier-cases", headers=coord)) == []

        ok(
            await gw.post(
                f"{BASE}/{new['id']}/assignment", headers=coord, json={"mediator": "med-aigerim"}
            )
        )
        assert_problem(await gw.get(url, headers=med), 403, "forbidden")
        assert_problem(await gw.get(url, headers=other), 404, "not-found")
        ok(await gw.post(f"{BASE}/{new['id']}/declaration", headers=med, json={"conflict": False}))
        assert [e["case_id"] for e in items_of(await gw.get(url, headers=med))] == [earlier["id"]]

        for lang, heading in HEADINGS.items():
            username = f"coord-web-{lang}"
            await stack.create_user(username, roles=["coordinator"], regions=["KZ-75"], lang=lang)
            async with browser_client(stack) as web:
                assert (await web_login(web, username, "user-password-1")).status_code == 303
                page = await web.get(f"/cases/{new['id']}")
            assert page.status_code == 200, page.text
            assert heading in page.text
            assert f'href="/cases/{earlier["id"]}"' in page.text and earlier["number"] in page.text
            assert f'href="/cases/{namesake["id"]}"' not in page.text
        async with browser_client(stack) as web:
            await stack.create_user("med-web", roles=["mediator"], regions=["KZ-75"])
            await web_login(web, "med-web", "user-password-1")
            home = await web.get("/")
            assert csrf_of(home.text)
            # Not theirs: no page at all, so no link either.
            assert (await web.get(f"/cases/{new['id']}")).status_code == 404
