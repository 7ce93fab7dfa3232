"""Practice notes on the web, in Kazakh: drafted from a closed case's page, refused while they
name a party (the words shown with their field and language), then submitted for review."""

from __future__ import annotations

from tests.cases.notes_support import CLEAN_KK, CLEAN_RU, in_mediation, settle
from tests.web.conftest import browser_client as browser
from tests.web.support import submit, web_login

# Creates the practice accounts (pn-coord...) that test_practice_browser also creates.
OWN_SYSTEM = True


REGION = "KZ-75"


def form(texts: dict[str, dict[str, str]], **extra: str) -> dict[str, str]:
    fields = {f"{f}_{lang}": v for lang, text in texts.items() for f, v in text.items()}
    return {"language": "kk", **fields, **extra}


async def test_a_mediator_drafts_a_note_and_sees_the_words_that_identify_the_case(system):
    people = {
        "coord": await system.login_as("pn-coord", roles=["coordinator"], regions=[REGION]),
        "med": await system.login_as("pn-med", roles=["mediator"], regions=[REGION]),
    }
    case = await in_mediation(system, people)
    await settle(system, people, case)
    new = f"/cases/{case['id']}/practice-notes/new"
    async with browser(system) as web:
        assert (await web_login(web, "pn-med", "user-password-1")).status_code == 303
        page = await web.get(f"/cases/{case['id']}")
        assert new in page.text and "Тәжірибе жазбасын жазу" in page.text
        empty = await submit(web, new, new, **form({"kk": dict(CLEAN_KK, title="")}))
        assert empty.status_code == 422 and 'id="title_kk-error"' in empty.text
        leaky = dict(
            CLEAN_KK,
            tried="Zhanarga және Нурланом жеке кездесу ұсынылды, +7 702 765 43 21, "
            "ЖСН 900101300123, N12345678, t.me/omarov_b.",
        )
        created = await submit(web, new, new, **form({"kk": leaky, "ru": CLEAN_RU}))
        assert created.status_code == 303, created.text
        note = created.headers["location"]
        assert note.startswith("/practice-notes/cases/")
        refused = await submit(
            web, note, note, **form({"kk": leaky, "ru": CLEAN_RU}, then="submit")
        )
        assert refused.status_code == 422, refused.text
        assert "Өзгертіп жазу керек сөздер" in refused.text
        assert "«Zhanarga»" in refused.text and "«Нурланом»" in refused.text
        assert "есім · Не істелді · Қазақша" in refused.text
        # a phone that is no party's: the form promises no phone at all
        assert "«+7 702 765 43 21»" in refused.text
        assert "телефон нөмірі · Не істелді · Қазақша" in refused.text
        # anyone's IIN, passport and link, each named by its kind in the reader's language
        assert "«900101300123»" in refused.text and "«t.me/omarov_b»" in refused.text
        assert "ЖСН немесе БСН · Не істелді · Қазақша" in refused.text
        assert "жеке куәліктің немесе төлқұжаттың нөмірі · Не істелді" in refused.text
        assert "сілтеме немесе аккаунт атауы · Не істелді · Қазақша" in refused.text
        sent = await submit(
            web, note, note, **form({"kk": CLEAN_KK, "ru": CLEAN_RU}, then="submit")
        )
        assert sent.status_code == 303, sent.text
        shown = await web.get(note)
        assert "Қаралуда" in shown.text and CLEAN_RU["worked"] in shown.text
        assert case["number"] in shown.text  # its author reads the case
        mine = await web.get("/practice-notes")
    assert mine.status_code == 200
    assert CLEAN_KK["title"] in mine.text and "Қаралуда" in mine.text
