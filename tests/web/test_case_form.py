"""Issue 17.4: the web form for a new case takes what the API takes: a corruption offence,
a party found incapable, party e-mail and address, and any number of parties."""

from __future__ import annotations

import re

import pytest

from tests.support.browser import assert_accessible, shot, signed_in, t
from tests.web.conftest import browser_client
from tests.web.support import csrf_of, web_login

REGION = "KZ-75"
CASE_ID = re.compile(r"/cases/([0-9a-f]{32})")


async def _case(system, number_or_id: str) -> dict:  # type: ignore[no-untyped-def]
    """The case as the region's coordinator reads it through the API (parties included)."""
    coord = await system.login("coordinator", "demo")
    found = await system.client.get(f"/api/v1/cases/{number_or_id}", headers=coord)
    assert found.status_code == 200, found.text
    return found.json()


async def test_the_form_adds_party_blocks_and_sends_flags_contacts_and_every_party(system):
    async with browser_client(system) as web:
        assert (await web_login(web, "coordinator", "demo")).status_code == 303
        form = await web.get("/cases/new")
        assert 'name="party2_name"' in form.text and 'name="party3_name"' not in form.text
        assert 'name="corruption_offence"' in form.text
        assert 'name="party1_found_incapable"' in form.text
        fields = {
            "csrf_token": csrf_of(form.text),
            "region": REGION,
            "category": "family",
            "party_count": "2",
            "party1_name": "Айгүл Сериккызы",
            "party1_email": "aigul@example.kz",
            "party1_address": "Абай даңғылы 10",
            "party2_name": "Бауыржан Омаров",
        }
        more = await web.post("/cases/new", data={**fields, "add_party": "1"})
        assert more.status_code == 200
        assert 'name="party3_name"' in more.text and 'value="3"' in more.text
        assert 'value="aigul@example.kz"' in more.text  # what was typed stays
        third = {
            "party_count": "3",
            "party3_name": "Нұрлан Ахметов",
            "party3_found_incapable": "on",
        }
        third["party3_phone"] = "+77015550000"
        done = await web.post("/cases/new", data={**fields, **third})
        assert done.status_code == 303, done.text
        case = await _case(system, CASE_ID.search(done.headers["location"]).group(1))  # type: ignore[union-attr]
    assert [p["name"] for p in case["parties"]] == [
        "Айгүл Сериккызы",
        "Бауыржан Омаров",
        "Нұрлан Ахметов",
    ]
    first, _, incapable = case["parties"]
    assert (first["email"], first["address"]) == ("aigul@example.kz", "Абай даңғылы 10")
    assert incapable["found_incapable"] is True and incapable["phone"] == "+77015550000"
    assert case["status"] == "refused" and case["refusal_reasons"] == ["incapacity"]


async def test_a_corruption_offence_is_refused_and_an_api_error_lands_on_its_party(system):
    async with browser_client(system) as web:
        await web_login(web, "coordinator", "demo")
        form = await web.get("/cases/new")
        fields = {
            "csrf_token": csrf_of(form.text),
            "region": REGION,
            "category": "other",
            "party_count": "3",
            "party1_name": "Серік Бекұлы",
            "party3_name": "ЖШС Құрылыс",  # block 3 with block 2 empty: the API's parties.1
            "party3_kind": "organisation",
            "party3_found_incapable": "on",  # only a person can be found incapable
        }
        refused = await web.post("/cases/new", data=fields)
        assert refused.status_code == 422
        assert 'id="party3_kind-error"' in refused.text and 'name="party3_name"' in refused.text
        fields.pop("party3_found_incapable")
        done = await web.post("/cases/new", data={**fields, "corruption_offence": "on"})
        assert done.status_code == 303, done.text
        case = await _case(system, CASE_ID.search(done.headers["location"]).group(1))  # type: ignore[union-attr]
    assert case["status"] == "refused" and case["refusal_reasons"] == ["corruption"]
    assert [p["kind"] for p in case["parties"]] == ["person", "organisation"]


@pytest.mark.parametrize("lang", ["kk", "ru"])
async def test_a_mediator_registers_three_parties_with_contacts_in_chromium(
    system,
    browser,
    base_url,
    lang,
):
    names = {
        "kk": ("Әсел Нұрланқызы", "Қайрат Сәрсенов", "Ғалым Есенов"),
        "ru": ("Анна Ким", "Олжас Жумабаев", "Пётр Соколов"),
    }[lang]
    async with signed_in(browser, base_url, "mediator", lang=lang) as page:
        await page.goto("/cases/new")
        await page.select_option("#f-region", REGION)  # the demo mediator may serve two regions
        await page.select_option("#f-category", "neighbour")
        await page.fill("#f-party1_name", names[0])
        await page.fill("#f-party1_email", "first@example.kz")
        await page.fill("#f-party1_address", "Төле би 5")
        await page.fill("#f-party2_name", names[1])
        await page.get_by_role("button", name=t(lang, "Add a party")).click()
        await page.wait_for_selector("#f-party3_name")
        assert await page.input_value("#f-party1_email") == "first@example.kz"
        await page.fill("#f-party3_name", names[2])
        await page.fill("#f-party3_phone", "+77010000003")
        await page.get_by_text(t(lang, "A court found the party incapable")).nth(2).click()
        assert await page.is_visible(
            f"text={t(lang, 'The conflict concerns a corruption offence')}"
        )
        await shot(page, f"mediator-new-case-three-parties-{lang}")
        await assert_accessible(page)
        await page.get_by_role("button", name=t(lang, "Register"), exact=True).click()
        await page.wait_for_selector(".alert.ok")
        notice = await page.inner_text(".alert.ok")
    number = re.search(r"KZ-\d\d-\d{4}-\d+", notice).group(0)  # type: ignore[union-attr]
    coord = await system.login("coordinator", "demo")
    listed = await system.client.get("/api/v1/cases", params={"limit": 200}, headers=coord)
    [found] = [c for c in listed.json()["items"] if c["number"] == number] or [None]
    assert found is not None, listed.text
    case = await _case(system, found["id"])
    assert [p["name"] for p in case["parties"]] == list(names)
    assert case["parties"][0]["email"] == "first@example.kz"
    assert case["parties"][2]["found_incapable"] is True
    assert case["status"] == "refused"
