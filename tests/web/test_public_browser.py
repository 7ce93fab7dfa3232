"""A citizen walks the public pages in headless Chromium, in Kazakh, Russian and English:
councils, a published protocol and its PDF, recommendations, rates and verification,
with axe-core checks on every page (no serious or critical violation)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.public.support import publish_a_session, seated_council
from tests.support.browser import assert_accessible, shot, t
from tests.support.gateway import Stack

LOCALES = {"kk": "kk-KZ", "ru": "ru-RU", "en": "en-GB"}


@pytest.fixture(scope="module")
async def published(system: Stack) -> AsyncIterator[dict[str, Any]]:
    """A council of the demo system with one published protocol and its recommendations."""
    council = await seated_council(system)
    pid, protocol, recs = await publish_a_session(council)
    yield {
        "council": council.id,
        "protocol": pid,
        "sha256": protocol["sha256"],
        "recs": recs,
        "world": council,
    }


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
async def test_a_citizen_reads_checks_and_verifies_a_protocol(browser, base_url, published, lang):
    context = await browser.new_context(
        base_url=base_url, locale=LOCALES[lang], viewport={"width": 1280, "height": 900}
    )
    page = await context.new_page()
    try:
        # The browser's language first (Accept-Language); the links choose another.
        await page.goto("/public")
        assert await page.get_attribute("html", "lang") == lang
        await page.goto("/public?lang=kk")
        assert await page.get_attribute("html", "lang") == "kk"
        if lang != "kk":
            await page.get_by_role("link", name={"ru": "Русский", "en": "English"}[lang]).click()
        assert await page.get_attribute("html", "lang") == lang
        assert t(lang, "Public Accord councils") in await page.inner_text("h1")
        await assert_accessible(page)

        await page.get_by_role("link", name="Public Accord council of Almaty").first.click()
        assert t(lang, "Published protocols") in await page.content()
        await assert_accessible(page)
        await shot(page, f"public-council-{lang}")

        await page.locator(f"a[href^='/public/protocols/{published['protocol']}?']").first.click()
        article = await page.inner_text("article.minutes")
        assert "Жастар форумын өткізу (overdue)" in article and "Chair Member" in article
        assert published["sha256"] in article
        await assert_accessible(page)
        await shot(page, f"public-protocol-{lang}")
        pdf_link = page.locator(
            f"a[href='/public/protocols/{published['protocol']}.pdf?lang={lang}']"
        )
        pdf = await page.request.get(await pdf_link.first.get_attribute("href"))
        assert pdf.status == 200 and (await pdf.body()).startswith(b"%PDF-")

        await page.get_by_role("link", name=t(lang, "Recommendations"), exact=True).click()
        row = page.locator(f"#rec-{published['recs']['overdue']['id']}")
        assert t(lang, "Overdue") in await row.inner_text()
        await assert_accessible(page)

        await page.get_by_role("link", name=t(lang, "On-time rates"), exact=True).click()
        assert "Akimat of Almaty" in await page.inner_text("main")
        await assert_accessible(page)

        await page.get_by_role("link", name=t(lang, "Verify a protocol"), exact=True).click()
        await page.fill("#f-sha256", published["sha256"])
        async with page.expect_navigation():
            await page.get_by_role("button", name=t(lang, "Verify"), exact=True).click()
        assert t(lang, "Authentic: this is a published protocol.") in await page.inner_text("main")
        await assert_accessible(page)
        await page.set_input_files(
            "#f-document",
            files=[{"name": "forged.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.7 x"}],
        )
        async with page.expect_navigation():
            await page.get_by_role("button", name=t(lang, "Verify the file"), exact=True).click()
        assert t(
            lang,
            "Not found: no published protocol has this hash. The document may have been changed.",
        ) in await page.inner_text("main")
        await assert_accessible(page)
        await shot(page, f"public-verify-{lang}")
    finally:
        await context.close()


async def test_a_citizen_reads_why_a_session_moved_and_why_one_was_cancelled(
    browser, base_url, published
):
    """The public pages showed the new time alone, and a cancelled session vanished."""
    council = published["world"]
    moved, _ = await council.plan_session(starts_in=timedelta(days=6))
    cancelled, _ = await council.plan_session(starts_in=timedelta(days=7))
    later = (datetime.now(UTC) + timedelta(days=21)).replace(microsecond=0).isoformat()
    await council.ok(
        "POST",
        f"/sessions/{moved}/reschedule",
        json={"starts_at": later, "reason": "Зал ремонтируется"},
    )
    await council.ok(
        "POST", f"/sessions/{cancelled}/cancel", json={"reason": "Повестка перенесена"}
    )
    context = await browser.new_context(
        base_url=base_url, locale="ru-RU", viewport={"width": 1280, "height": 900}
    )
    page = await context.new_page()
    try:
        await page.goto(f"/public/councils/{published['council']}?lang=ru")
        moved_line = await page.inner_text(f"#session-{moved}")
        assert "Зал ремонтируется" in moved_line
        assert t("ru", "Moved from %(before)s to %(after)s: %(reason)s").split("%")[0] in moved_line
        cancelled_line = await page.inner_text(f"#session-{cancelled}")
        assert t("ru", "Cancelled: %(reason)s") % {"reason": "Повестка перенесена"} in (
            cancelled_line
        )
        assert await page.locator(f"#session-{cancelled} s").count() == 1  # struck out
        await assert_accessible(page)
        await shot(page, "public-council-session-changes-ru")
    finally:
        await context.close()
