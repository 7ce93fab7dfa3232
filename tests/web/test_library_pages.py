"""The library's pages over HTTP, as a browser without JavaScript uses them, in kk, ru and en."""

from __future__ import annotations

import pytest

from gateway.web.i18n import LANG_NAMES, LANGS
from kelisim.clock import new_id
from tests.support.checks import eventually
from tests.support.gateway import Stack
from tests.support.practice import PASTURE, submit_note
from tests.web.conftest import browser_client as browser
from tests.web.support import csrf_of, submit, web_login
from tests.web.test_catalogs import catalog, foreign_words

A, B = "KZ-75", "KZ-71"
# Searches the library for its notes: other modules' notes would page them out.
OWN_SYSTEM = True


PASSWORD = "user-password-1"


@pytest.fixture(scope="module")
async def reviewer(system: Stack) -> str:
    """A coordinator of another region than the notes' (the demo users are of KZ-75)."""
    await system.create_user("lib-web-coord", roles=["coordinator"], regions=[B])
    return "lib-web-coord"


async def _queued(web, note_id: str) -> bool:  # type: ignore[no-untyped-def]
    return note_id in (await web.get("/library/review")).text


@pytest.fixture(scope="module")
async def approved(system: Stack, reviewer: str) -> str:
    """A note of KZ-75 approved through the review form."""
    note_id = new_id()
    submit_note(system, note_id, A, "land", PASTURE)
    async with browser(system) as web:
        await web_login(web, reviewer, PASSWORD)
        await eventually(lambda: _queued(web, note_id), what="the note in the queue")
        page = f"/library/review/{note_id}"
        done = await submit(web, page, page, decision="approve", etag=_etag(await web.get(page)))
        assert done.status_code == 303 and "decided=approved" in done.headers["location"]
    return note_id


def _etag(page) -> str:  # type: ignore[no-untyped-def]
    return page.text.split('name="etag" value="', 1)[1].split('"', 1)[0].replace("&#34;", '"')


async def test_a_return_without_a_remark_is_shown_on_the_form_and_changes_nothing(system, reviewer):
    note_id = new_id()
    submit_note(system, note_id, A, "land", PASTURE)
    async with browser(system) as web:
        await web_login(web, reviewer, PASSWORD)
        await eventually(lambda: _queued(web, note_id), what="the note in the queue")
        page = f"/library/review/{note_id}"
        form = await web.get(page)
        refused = await submit(web, page, page, decision="return", remark=" ", etag=_etag(form))
        assert refused.status_code == 422
        assert catalog("kk")["Say what to change when returning."] in refused.text
        assert await _queued(web, note_id)
        returned = await submit(web, page, page, decision="return", remark="Жалпылау керек.",
                                etag=_etag(form))  # fmt: skip
        assert returned.status_code == 303
        assert not await _queued(web, note_id)


async def test_a_mediator_finds_reads_and_marks_a_note_useful(system, approved):
    async with browser(system) as web:
        await web_login(web, "mediator", "demo")
        home = await web.get("/")
        assert 'href="/library"' in home.text
        found = await web.get("/library/search", params={"q": "жайылымдар"})
        assert f"/library/notes/{approved}" in found.text
        note = await web.get(f"/library/notes/{approved}")
        assert PASTURE["kk"].title in note.text
        russian = await web.get(f"/library/notes/{approved}?text=ru")
        assert PASTURE["ru"].worked in russian.text
        marked = await web.post(
            f"/library/notes/{approved}/useful", data={"csrf_token": csrf_of(note.text)}
        )
        assert marked.status_code == 303
        after = await web.get(marked.headers["location"])
        assert catalog("kk")["You marked this note useful."] in after.text
    async with browser(system) as web:
        await web_login(web, "liaison", "demo")
        assert 'href="/library"' not in (await web.get("/")).text
        assert (await web.get("/library")).status_code == 403


@pytest.mark.parametrize("lang", LANGS)
async def test_every_library_page_speaks_only_the_chosen_language(system, reviewer, approved, lang):
    pending = new_id()
    submit_note(system, pending, A, "land", PASTURE)
    english = sorted(
        (m for m, t in catalog(lang).items() if t != m and " " in m and "%(" not in m),
        key=len,
        reverse=True,
    )
    typed = [v for text in PASTURE.values() for v in text.model_dump().values() if v]
    data = sorted(typed, key=len, reverse=True) + list(LANG_NAMES.values())
    users = (await system.client.get("/api/v1/users", headers=system.admin)).json()["items"]
    by_name = {u["username"]: u for u in users}
    data += [by_name[n]["full_name"] for n in (reviewer, "mediator") if by_name[n]["full_name"]]
    data += [reviewer, "mediator"]
    pages = {
        "mediator": ["/library", "/library/search?q=pasture", f"/library/notes/{approved}"],
        reviewer: ["/library/review", f"/library/review/{pending}"],
    }
    for username, paths in pages.items():
        user = by_name[username]
        await system.client.patch(
            f"/api/v1/users/{user['id']}", json={"lang": lang}, headers=system.admin
        )
        async with browser(system) as web:
            password = "demo" if username == "mediator" else PASSWORD
            assert (await web_login(web, username, password)).status_code == 303
            if username == reviewer:
                await eventually(lambda: _queued(web, pending), what="the note in the queue")
            for path in paths:
                page = await web.get(path)
                assert page.status_code == 200, f"{username} {path}: {page.status_code}"
                assert f'<html lang="{lang}">' in page.text
                leaks = foreign_words(lang, page.text, english, data)
                assert not leaks, f"{lang} {username} {path}: {leaks}"
