"""A practice note's whole way in headless Chromium, in Russian: a mediator drafts it from a
settled case, sees the party's name it gives away, rephrases and submits it; a coordinator of
another region approves it; a mediator of a third region finds it in the library."""

from __future__ import annotations

import pytest

from tests.cases.notes_support import CLEAN_RU, in_mediation, settle
from tests.support.browser import assert_accessible, reload_until, shot, signed_in, t
from tests.support.gateway import Stack

LANG = "ru"


@pytest.fixture(scope="module")
async def settled_case(system: Stack) -> dict:
    """A settled case of KZ-75 mediated by pn-med; a reviewer of KZ-71, a reader of KZ-11."""
    people = {
        "coord": await system.login_as("pn-coord", roles=["coordinator"], regions=["KZ-75"]),
        "med": await system.login_as("pn-med", roles=["mediator"], regions=["KZ-75"]),
    }
    await system.create_user("pb-rev", roles=["coordinator"], regions=["KZ-71"])
    await system.create_user("pb-reader", roles=["mediator"], regions=["KZ-11"])
    case = await in_mediation(system, people)
    await settle(system, people, case)
    return case


async def fill(page, texts: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    for field, value in texts.items():
        await page.fill(f"#f-{field}_ru", value)


async def test_draft_refused_then_submitted_approved_and_found(browser, base_url, settled_case):
    title = CLEAN_RU["title"]
    async with signed_in(browser, base_url, "pn-med", "user-password-1", LANG) as page:
        await page.goto(f"/cases/{settled_case['id']}")
        await page.get_by_role("link", name=t(LANG, "Draft a practice note")).click()
        await page.wait_for_url("**/practice-notes/new")
        await assert_accessible(page)
        await page.select_option("#f-language", "ru")
        await fill(page, dict(CLEAN_RU, tried="Отдельная встреча с Жанарой, затем общая."))
        async with page.expect_navigation():
            await page.get_by_role("button", name=t(LANG, "Save the draft")).click()
        assert "/practice-notes/cases/" in page.url
        async with page.expect_navigation():
            await page.get_by_role("button", name=t(LANG, "Save and submit for review")).click()
        main = await page.inner_text("main")
        assert t(LANG, "Words to rephrase") in main and "«Жанарой»" in main
        await assert_accessible(page)
        await shot(page, f"practice-note-refused-{LANG}")
        await fill(page, CLEAN_RU)
        async with page.expect_navigation():
            await page.get_by_role("button", name=t(LANG, "Save and submit for review")).click()
        assert t(LANG, "Under review") in await page.inner_text("main")
        await page.get_by_role("link", name=t(LANG, "My practice notes"), exact=True).first.click()
        assert title in await page.inner_text("main")
        await assert_accessible(page)
    async with signed_in(browser, base_url, "pb-rev", "user-password-1", LANG) as page:
        await page.get_by_role("link", name=t(LANG, "Library"), exact=True).click()
        await page.get_by_role("link", name=t(LANG, "Notes to review")).click()
        await reload_until(page, title)
        await page.get_by_role("link", name=title).click()
        assert settled_case["number"] not in await page.content()
        async with page.expect_navigation():
            await page.get_by_role("button", name=t(LANG, "Approve"), exact=True).click()
    async with signed_in(browser, base_url, "pb-reader", "user-password-1", LANG) as page:
        await page.get_by_role("link", name=t(LANG, "Library"), exact=True).click()
        await page.fill("#f-q", "сарая")
        async with page.expect_navigation():
            await page.get_by_role("button", name=t(LANG, "Search"), exact=True).click()
        await page.get_by_role("link", name=title).click()
        main = await page.inner_text("main")
        assert CLEAN_RU["worked"] in main and settled_case["number"] not in main
        await shot(page, f"practice-note-in-library-{LANG}")
