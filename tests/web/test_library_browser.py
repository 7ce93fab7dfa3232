"""The library in headless Chromium, in Russian: a coordinator of another region approves a note,
a mediator finds it by an inflected word, reads it and marks it useful; axe on every page."""

from __future__ import annotations

import pytest

from kelisim.clock import new_id
from tests.support.browser import assert_accessible, reload_until, shot, signed_in, t
from tests.support.gateway import Stack
from tests.support.practice import PASTURE, submit_note

LANG = "ru"


@pytest.fixture(scope="module")
async def pending(system: Stack) -> str:
    """A note of the demo region (KZ-75) waiting for review, and a reviewer of KZ-71."""
    await system.create_user("lib-br-coord", roles=["coordinator"], regions=["KZ-71"])
    note_id = new_id()
    submit_note(system, note_id, "KZ-75", "land", PASTURE)
    return note_id


async def test_review_then_search_read_and_mark_useful(browser, base_url, pending):
    title = PASTURE["ru"].title
    async with signed_in(browser, base_url, "lib-br-coord", "user-password-1", LANG) as page:
        await page.get_by_role("link", name=t(LANG, "Library"), exact=True).click()
        await page.get_by_role("link", name=t(LANG, "Notes to review")).click()
        await reload_until(page, title)
        await assert_accessible(page)
        await page.get_by_role("link", name=title).click()
        await page.wait_for_url(f"**/library/review/{pending}")
        await assert_accessible(page)
        await shot(page, f"library-review-{LANG}")
        async with page.expect_navigation():
            await page.get_by_role("button", name=t(LANG, "Approve"), exact=True).click()
        status = t(LANG, "The note is approved and visible to every region.")
        assert status in await page.inner_text("main")
        assert title not in await page.inner_text("main")
    async with signed_in(browser, base_url, "mediator", lang=LANG) as page:
        await page.get_by_role("link", name=t(LANG, "Library"), exact=True).click()
        await assert_accessible(page)
        await page.fill("#f-q", "пастбищам")
        async with page.expect_navigation():
            await page.get_by_role("button", name=t(LANG, "Search"), exact=True).click()
        await assert_accessible(page)
        await page.get_by_role("link", name=title).click()
        await page.wait_for_url(f"**/library/notes/{pending}")
        assert PASTURE["ru"].worked in await page.inner_text("main")
        async with page.expect_navigation():
            await page.get_by_role("button", name=t(LANG, "Useful"), exact=True).click()
        assert t(LANG, "You marked this note useful.") in await page.inner_text("main")
        await assert_accessible(page)
        await shot(page, f"library-note-{LANG}")
