"""The demo users of `make run` at work in a real headless Chromium, in Kazakh first.

The whole system runs in-process and the gateway is served over HTTP by uvicorn; Playwright
drives Debian's Chromium (never a downloaded browser). Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from gateway.web.i18n import LANGS
from tests.support.browser import (
    assert_accessible,
    csp_violations,
    fragment,
    in_action,
    reload_until,
    shot,
    signed_in,
    t,
)

# The demo seats a chair (council_chair); the walk seats one more member through the form.
MEMBER_NAME, MEMBER_PASSWORD = "Мүше Ахметов", "member-password-1"
MATERIAL = "Тілдерді дамыту бағдарламасының жобасы".encode()


STORY = {
    "kk": ("Асан Сейітов", "Үсен Қасымов", "Ауылдағы шиеленіс", "Тараптар шекараны белгілейді."),
    "ru": ("Иван Петров", "Ержан Оспанов", "Напряжённость в посёлке", "Стороны размечают межу."),
    "en": ("Party Alpha", "Party Beta", "Tension in a village", "The parties mark the border."),
}


@pytest.mark.parametrize("lang", LANGS)
async def test_case_from_registration_to_settlement_escalation_and_acknowledgement(
    browser, base_url, lang
):
    today = datetime.now(UTC).date()
    first, second, summary, terms = STORY[lang]
    async with signed_in(browser, base_url, "mediator", lang=lang) as page:
        await shot(page, f"mediator-dashboard-{lang}")
        await page.goto("/cases/new")
        await page.select_option("#f-region", "KZ-75")  # the demo mediator serves two regions
        await page.select_option("#f-category", "neighbour")
        await page.fill("#f-description", summary)
        await page.fill("#f-party1_name", first)
        await page.fill("#f-party2_name", second)
        await shot(page, f"mediator-new-case-{lang}")
        await assert_accessible(page)
        await page.get_by_role("button", name=t(lang, "Register"), exact=True).click()
        await page.wait_for_selector(".alert.ok")
        notice = await page.inner_text(".alert.ok")
        assert (
            fragment(lang, "Case %(number)s is registered; the coordinator will assign a mediator.")
            in notice
        )
        number = re.search(r"KZ-\d\d-\d{4}-\d+", notice).group(0)  # type: ignore[union-attr]

    async with signed_in(browser, base_url, "coordinator", lang=lang) as page:
        await page.goto("/caseload")
        await shot(page, f"coordinator-caseload-{lang}")
        await page.get_by_role("link", name=number).click()
        await in_action(page, "assign", {"mediator": "mediator"})
        assert t(lang, "Assigned") in await page.inner_text("h1")
        case_url = page.url

    async with signed_in(browser, base_url, "mediator", lang=lang) as page:
        await page.goto("/cases")
        await page.get_by_role("link", name=number).click()
        assert page.url == case_url
        await in_action(page, "declare", {}, {"conflict": "no"})
        assert first in await page.content()  # personal data after the declaration
        await in_action(page, "consent", {"given_on": today.isoformat()})
        await in_action(page, "consent", {"given_on": today.isoformat()})
        await in_action(page, "agreement", {"signed_on": today.isoformat()})
        assert t(lang, "In mediation") in await page.inner_text("h1")
        countdown = fragment(lang, "%(n)s days left")
        assert countdown in await page.inner_text(".page-head")  # the deadline countdown
        await in_action(
            page, "session", {"date": (today + timedelta(days=3)).isoformat(), "time": "11:00"}
        )
        await in_action(
            page,
            "settle",
            {
                "terms": terms,
                "signed_on": today.isoformat(),
                "obligation": terms,
                "due_on": (today + timedelta(days=30)).isoformat(),
            },
            files={
                "document": {
                    "name": "signed.pdf",
                    "mimeType": "application/pdf",
                    "buffer": b"%PDF-1.4\n%%EOF\n",
                }
            },
        )
        assert t(lang, "Settled") in await page.inner_text("h1")
        await in_action(
            page, "escalate", {"summary": summary, "reason": terms}, {"risk_level": "high"}
        )
        await shot(page, f"mediator-case-{lang}")
        await assert_accessible(page)
        await page.set_viewport_size({"width": 390, "height": 844})
        await shot(page, f"mediator-case-phone-{lang}")

    acknowledged = fragment(lang, "Acknowledged %(date)s")
    async with signed_in(browser, base_url, "liaison", lang=lang) as page:
        await page.goto("/escalations")
        await reload_until(page, summary)
        await shot(page, f"liaison-escalations-{lang}")
        await assert_accessible(page)
        row = page.locator("tr", has_text=summary)
        await row.get_by_role("button", name=t(lang, "Acknowledge")).click()
        await row.get_by_text(acknowledged).wait_for()

    async with signed_in(browser, base_url, "mediator", lang=lang) as page:
        await page.goto(case_url)
        await reload_until(page, acknowledged)  # the acknowledgement travels back to the case
        await page.goto("/notifications")
        await reload_until(page, number)  # "assigned to you", in the mediator's language
        await shot(page, f"mediator-inbox-{lang}")
        note = page.locator("li.unread", has_text=number).first
        note_id = await note.get_attribute("id")
        await note.get_by_role("button", name=t(lang, "Mark as read"), exact=True).click()
        # htmx swaps the one item in place: no reload, the item is read now.
        await page.wait_for_selector(f"li#{note_id}:not(.unread)")


@pytest.mark.parametrize("lang", LANGS)
async def test_council_session_from_agenda_to_published_protocol(system, browser, base_url, lang):
    today = datetime.now(UTC).date()
    async with signed_in(browser, base_url, "council_secretary", lang=lang) as page:
        await page.goto("/councils")
        await page.locator("table a").first.click()
        council_url = page.url
        council_id = council_url.rsplit("/", 1)[1]
        if MEMBER_NAME not in await page.inner_text("aside"):  # seated once
            await system.create_user(
                "member2", roles=["council_member"], councils=[council_id], password=MEMBER_PASSWORD
            )
            seat = page.locator("details.action", has=page.locator("[name=term_start]"))
            await seat.locator("summary").click()
            await seat.locator("[name=username]").fill("member2")
            await seat.locator("[name=full_name]").fill(MEMBER_NAME)
            await seat.locator("[name=role]").select_option("member")
            async with page.expect_navigation():
                await seat.locator("button[type=submit]").click()
            assert MEMBER_NAME in await page.inner_text("aside")
        box = page.locator("details.action").first
        await box.locator("summary").click()
        await box.locator("[name=title]").fill(f"Кезекті отырыс {lang}")
        # It met three days ago, so a recommendation may already be overdue.
        await box.locator("[name=date]").fill((today - timedelta(days=3)).isoformat())
        await box.locator("[name=place]").fill("Достық үйі")
        async with page.expect_navigation():
            await box.locator("button[type=submit]").click()
        await page.get_by_role("link", name=f"Кезекті отырыс {lang}").click()
        session_url = page.url
        add = page.locator("details.action", has=page.locator("[name=rapporteur]"))
        await add.locator("summary").click()
        await add.locator("[name=title]").fill("Тілдерді дамыту бағдарламасы туралы")
        await add.locator("[name=rapporteur]").fill("Хатшы")
        async with page.expect_navigation():
            await add.locator("button[type=submit]").click()
        attach = page.locator("details.action", has=page.locator("input[type=file]"))
        await attach.locator("summary").click()
        material = {"name": "bagdarlama.txt", "mimeType": "text/plain", "buffer": MATERIAL}
        await attach.locator("input[type=file]").set_input_files(files=[material])
        async with page.expect_navigation():
            await attach.locator("button[type=submit]").click()
        assert "bagdarlama.txt" in await page.inner_text("article")
        async with page.expect_navigation():
            await page.get_by_role(
                "button", name=t(lang, "Convene the session"), exact=True
            ).click()
        for box in await page.locator("input[name=present]").all():
            await box.check()
        async with page.expect_navigation():
            await page.get_by_role("button", name=t(lang, "Save attendance"), exact=True).click()
        assert t(lang, "Quorum reached") in await page.content()
        async with page.expect_navigation():
            await page.get_by_role("button", name=t(lang, "Open the sitting"), exact=True).click()
        async with page.expect_navigation():
            await page.get_by_role("button", name=t(lang, "Open the vote"), exact=True).click()
        await shot(page, f"secretary-session-{lang}")
        await assert_accessible(page)

    async with signed_in(browser, base_url, "council_member", lang=lang) as page:
        await page.goto(session_url)
        link = await page.get_by_role("link", name="bagdarlama.txt").get_attribute("href")
        document = await page.request.get(link)
        assert document.status == 200 and await document.body() == MATERIAL
        async with page.expect_navigation():
            await page.get_by_role("button", name=t(lang, "For"), exact=True).click()
        await shot(page, f"member-session-{lang}")

    async with signed_in(browser, base_url, "council_chair", lang=lang) as page:
        await page.goto(session_url)
        async with page.expect_navigation():
            await page.get_by_role("button", name=t(lang, "For"), exact=True).click()

    async with signed_in(browser, base_url, "council_secretary", lang=lang) as page:
        await page.goto(session_url)
        async with page.expect_navigation():
            await page.get_by_role("button", name=t(lang, "For"), exact=True).click()
        async with page.expect_navigation():
            await page.get_by_role("button", name=t(lang, "Close the vote"), exact=True).click()
        assert t(lang, "Decision adopted") in await page.content()

        async def issue_recommendation(due: date) -> None:
            issue = page.locator("details.action", has=page.locator("[name=addressee]"))
            if await issue.get_attribute("open") is None:
                await issue.locator("summary").click()
            await issue.locator("[name=addressee]").fill("Алматы қаласының әкімдігі")
            await issue.locator("[name=text]").fill("Мемлекеттік тіл курстарын ашу")
            await issue.locator("[name=responsible]").fill("Тілдерді дамыту басқармасы")
            await issue.locator("[name=due_date]").fill(due.isoformat())
            async with page.expect_navigation():
                await issue.locator("button[type=submit]").click()

        await issue_recommendation(today - timedelta(days=5))  # before the session: refused
        refusal = t(lang, "The due date cannot be before the session.")
        assert refusal in await page.inner_text(".alert.error")
        assert await page.locator(".alert.error").count() == 1  # said once, not twice
        await issue_recommendation(today - timedelta(days=1))
        assert "alert error" not in await page.content()
        steps = (
            "Close the session",
            "Draft the protocol",
            "Circulate to members",
            "Approve",
            "Sign",
        )
        for step in steps:
            async with page.expect_navigation():
                await page.get_by_role("button", name=t(lang, step), exact=True).click()
            if step == "Close the session":  # it cannot be undone: a page asks to confirm
                async with page.expect_navigation():
                    await page.get_by_role("button", name=t(lang, step), exact=True).click()
            assert "alert error" not in await page.content(), step

    async with signed_in(browser, base_url, "council_chair", lang=lang) as page:
        await page.goto(session_url)
        async with page.expect_navigation():
            await page.get_by_role("button", name=t(lang, "Sign"), exact=True).click()
        assert "alert error" not in await page.content()

    async with signed_in(browser, base_url, "council_secretary", lang=lang) as page:
        await page.goto(session_url)
        for _confirmed in range(2):  # the button, then the confirmation page's
            async with page.expect_navigation():
                await page.get_by_role("button", name=t(lang, "Publish"), exact=True).click()
        assert t(lang, "Published") in await page.inner_text("#h-protocol + p")
        await shot(page, f"secretary-protocol-{lang}")
        await page.goto(council_url)
        control = await page.inner_text("section[aria-labelledby=h-recs]")
        assert "Мемлекеттік тіл курстарын ашу" in control and t(lang, "Overdue") in control
        await shot(page, f"secretary-council-{lang}")

    async with signed_in(browser, base_url, "council_member", lang=lang) as page:
        await page.goto(council_url)
        assert t(lang, "Published") in await page.inner_text("section[aria-labelledby=h-protocols]")
        await page.locator("section[aria-labelledby=h-protocols] a").last.click()
        assert "Тілдерді дамыту бағдарламасы туралы" in await page.inner_text("article")
        await shot(page, f"member-protocol-{lang}")


async def test_language_switch_is_remembered_and_every_main_page_passes_axe(browser, base_url):
    async with signed_in(browser, base_url, "coordinator") as page:
        await page.get_by_role("button", name="Русский").click()
        await page.wait_for_selector("html[lang=ru]")
        assert "Нагрузка по делам" in await page.inner_text("nav")
        await shot(page, "coordinator-dashboard-ru")
        await page.goto("/caseload")
        assert await page.get_attribute("html", "lang") == "ru"  # remembered on the account
        await page.get_by_role("button", name="English").click()
        await page.wait_for_selector("html[lang=en]")
        await shot(page, "coordinator-caseload-en")
        for path in ("/", "/cases", "/caseload", "/escalations", "/notifications", "/login"):
            await page.goto(path)
            await assert_accessible(page)
    async with signed_in(browser, base_url, "coordinator", lang=None) as page:
        assert await page.get_attribute("html", "lang") == "en"  # a new login keeps the choice
        await page.get_by_role("button", name="Қазақша").click()
        await page.wait_for_selector("html[lang=kk]")


async def test_russian_picked_on_the_login_page_is_spoken_after_login(system, browser, base_url):
    await system.create_user("m-picks-ru", roles=["mediator"], regions=["KZ-75"])
    context = await browser.new_context(base_url=base_url, locale="kk-KZ")
    try:
        page = await context.new_page()
        await page.goto("/login")
        await page.get_by_role("button", name="Русский").click()
        await page.wait_for_selector("html[lang=ru]")
        await page.fill("#f-username", "m-picks-ru")
        await page.fill("#f-password", "user-password-1")
        async with page.expect_navigation(url=f"{base_url}/"):
            await page.get_by_role("button", name=t("ru", "Sign in"), exact=True).click()
        assert await page.get_attribute("html", "lang") == "ru"
        assert t("ru", "Sign out") in await page.inner_text("header")
    finally:
        await context.close()


@pytest.mark.parametrize("lang", LANGS)
async def test_the_account_stays_at_the_headers_right_when_a_long_role_wraps_it(
    browser, base_url, lang
):
    async with signed_in(browser, base_url, "liaison", lang=lang) as page:
        row_right, account_right = await page.evaluate(
            """() => {
                const row = document.querySelector('.header-row');
                const padding = parseFloat(getComputedStyle(row).paddingRight);
                const account = document.querySelector('.account');
                return [row.getBoundingClientRect().right - padding,
                        account.getBoundingClientRect().right];
            }"""
        )
        assert abs(row_right - account_right) <= 1, (lang, row_right, account_right)
        await shot(page, f"liaison-header-{lang}")


async def test_the_api_documentation_works_under_the_csp(browser, base_url):
    context = await browser.new_context(base_url=base_url)
    page = await context.new_page()
    violations = csp_violations(page)
    try:
        answer = await page.goto("/api/docs")
        assert "script-src 'self'" in answer.headers["content-security-policy"]
        await page.wait_for_selector(".swagger-ui .information-container", timeout=30000)
        await page.wait_for_selector(".opblock-tag", timeout=30000)
        await shot(page, "api-docs")
        assert violations == [], violations
    finally:
        await context.close()


async def test_one_long_stored_word_wraps_instead_of_widening_the_page(system, browser, base_url):
    """A party's name of 300 letters and a description that is one 10,000-character URL (the
    longest each may be) wrap inside their column, on a phone and on a desktop."""
    coordinator = await system.login("coordinator", "demo")
    name = "Ә" * 300
    registered = await system.client.post(
        "/api/v1/cases",
        json={
            "region": "KZ-75",
            "category": "neighbour",
            "description": "https://example.kz/" + "ә" * (10_000 - 19),
            "parties": [{"kind": "person", "name": name}, {"kind": "person", "name": "Б"}],
        },
        headers=coordinator,
    )
    assert registered.status_code == 201, registered.text
    case_id = registered.json()["id"]
    async with signed_in(browser, base_url, "coordinator", lang="ru") as page:
        for width in (375, 1280):
            await page.set_viewport_size({"width": width, "height": 900})
            await page.goto(f"/cases/{case_id}")
            assert name in await page.inner_text("main")  # shown to the coordinator
            page_width = await page.evaluate("document.documentElement.scrollWidth")
            assert page_width <= width, (width, page_width)
            await shot(page, f"long-words-{width}")


async def test_the_analysts_charts_fit_their_cards_on_a_phone_and_on_a_desktop(browser, base_url):
    """A chart scales down to its card: the region page's trend made the page 698 px wide on
    a phone, and its category charts were cut off inside their cards on a desktop."""
    async with signed_in(browser, base_url, "analyst", lang="ru") as page:
        for width in (375, 1280):
            await page.set_viewport_size({"width": width, "height": 900})
            await page.goto("/analytics/regions/KZ-75")
            overflowing = await page.evaluate(
                """() => [...document.querySelectorAll('svg.chart')]
                    .filter(c => c.getBoundingClientRect().width > c.parentElement.clientWidth + 1)
                    .map(c => c.id)"""
            )
            charts = await page.locator("svg.chart").count()
            page_width = await page.evaluate("document.documentElement.scrollWidth")
            assert charts >= 2 and overflowing == [] and page_width <= width, (
                width,
                charts,
                overflowing,
                page_width,
            )
            await shot(page, f"analyst-region-{width}")
