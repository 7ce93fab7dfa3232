"""List tables on a phone and on a desktop, in headless Chromium, in each language.

On a phone (375 px) a row of a list table reads as a card, each cell labelled with its
column's header: nothing scrolls sideways and the row's link, state and date are in sight
(a mediator saw the case number and the region and had to swipe for the rest). On a desktop
(1280 px) the same tables are tables. Analytics and the public rates are numeric grids that
keep scrolling in their own container; they are not checked here.
"""

from __future__ import annotations

from typing import Any

import pytest

from gateway.demo import DEMO_COUNCIL
from gateway.web.i18n import LANGS
from tests.support.browser import shot, signed_in, t
from tests.support.gateway import ADMIN

PHONE, DESKTOP = 375, 1280

# Who reads which list tables of the demo world; "council" is the demo council's page.
LISTS = {
    "mediator": ("/cases", "/practice-notes"),
    "liaison": ("/escalations",),
    "coordinator": ("/caseload", "/escalations"),
    "council_secretary": ("/councils", "council"),
    "admin": ("/admin/users", "/admin/api-keys", "/admin/rules", "/admin/webhooks"),
}
PUBLIC_LISTS = ("/public/recommendations", "public council")

# Every table of the page: its header texts, whether each header is shown (a row's buttons
# have a header for screen readers only), the labels of its first row's cells and whether the
# table or its container is wider than what it shows.
TABLES = """() => [...document.querySelectorAll('main table')].map(table => {
    const wrap = table.closest('.table-wrap') || table;
    const headers = [...table.querySelectorAll('thead th')];
    const row = table.querySelector('tbody tr');
    const label = td => td.colSpan > 1 ? '' : td.getAttribute('data-label');
    return {
        headers: headers.map(th => th.textContent.trim()),
        shown: headers.map(th => !th.querySelector('.visually-hidden')),
        labels: row ? [...row.cells].map(label) : [],
        overflows: table.scrollWidth > table.clientWidth || wrap.scrollWidth > wrap.clientWidth,
    };
})"""

# The innermost elements that reach past the right edge of the viewport, to name in a failure.
WIDE = """(width) => [...document.querySelectorAll('main *')]
    .filter(e => e.getBoundingClientRect().right > width + 1)
    .filter(e => ![...e.children].some(c => c.getBoundingClientRect().right > width + 1))
    .slice(0, 5).map(e => e.outerHTML.slice(0, 200))"""

# The boxes of the first row's cells under the given headers, and of the header row itself.
CELLS = """(names) => {
    const table = document.querySelector('main table');
    const headers = [...table.querySelectorAll('thead th')].map(th => th.textContent.trim());
    const row = table.querySelector('tbody tr');
    const box = element => {
        const r = element.getBoundingClientRect();
        return {left: r.left, right: r.right, top: r.top, width: r.width, height: r.height};
    };
    return {
        header: box(table.querySelector('thead tr')),
        wrap: box(table.closest('.table-wrap') || table),
        cells: Object.fromEntries(names.map(n => [n, box(row.cells[headers.indexOf(n)])])),
    };
}"""


@pytest.fixture(scope="module", autouse=True)
async def _kazakh_again(system):  # type: ignore[no-untyped-def]
    """The language switch saves on the account: leave the demo users in Kazakh, as the
    modules after this one find them."""
    yield
    users = await system.client.get("/api/v1/users", params={"limit": 100}, headers=system.admin)
    for user in users.json()["items"]:
        if user["username"] in {*LISTS, "analyst", ADMIN[0]} and user["lang"] != "kk":
            reset = await system.client.patch(
                f"/api/v1/users/{user['id']}", json={"lang": "kk"}, headers=system.admin
            )
            assert reset.status_code == 200, reset.text


async def _open(page, path: str, lang: str) -> None:  # type: ignore[no-untyped-def]
    """Open a list page; the public ones are in the language of their `lang` parameter."""
    if path == "council":
        await page.goto("/councils")
        await page.get_by_role("link", name=DEMO_COUNCIL["name"], exact=True).click()
    elif path == "public council":
        await page.goto(f"/public?lang={lang}")
        await page.locator("main a[href^='/public/councils/']").first.click()
    elif path.startswith("/public"):
        await page.goto(f"{path}?lang={lang}")
    else:
        await page.goto(path)
    await page.wait_for_load_state()
    assert await page.get_attribute("html", "lang") == lang, page.url


async def _assert_cards_fit(page, width: int) -> None:  # type: ignore[no-untyped-def]
    """The page does not scroll sideways, no table does and every cell names its column."""
    await page.set_viewport_size({"width": width, "height": 900})
    page_width = await page.evaluate("document.documentElement.scrollWidth")
    tables: list[dict[str, Any]] = await page.evaluate(TABLES)
    assert tables, page.url
    assert page_width <= width, (page.url, width, page_width, await page.evaluate(WIDE, width))
    for table in tables:
        assert not table["overflows"], (page.url, width, table["headers"])
        if any(table["labels"]):  # a row of data, not the "nothing yet" line
            expected = [
                h if shown else None
                for h, shown in zip(table["headers"], table["shown"], strict=True)
            ]
            assert table["labels"] == expected, page.url


async def _cells(page, width: int, *headers: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    await page.set_viewport_size({"width": width, "height": 900})
    boxes: dict[str, Any] = await page.evaluate(CELLS, list(headers))
    return boxes


def _in_sight(box: dict[str, float], width: int) -> bool:
    return box["left"] >= 0 and box["right"] <= width and box["width"] > 0


def _one_row(boxes: dict[str, Any]) -> bool:
    """On a desktop: a visible header row above cells that sit side by side on one line."""
    cells = list(boxes["cells"].values())
    lefts = [c["left"] for c in cells]
    return (
        boxes["header"]["height"] > 10
        and boxes["header"]["top"] < cells[0]["top"]
        and len({round(c["top"]) for c in cells}) == 1
        and lefts == sorted(lefts)
    )


@pytest.mark.parametrize("lang", LANGS)
async def test_a_case_list_row_is_a_card_on_a_phone_and_a_table_row_on_a_desktop(
    browser, base_url, lang
):
    number, region, status, term = (t(lang, h) for h in ("Number", "Region", "Status", "Term"))
    async with signed_in(browser, base_url, "mediator", lang=lang) as page:
        await page.goto("/cases")
        await _assert_cards_fit(page, PHONE)
        phone = (await _cells(page, PHONE, number, region, status, term))["cells"]
        assert all(_in_sight(phone[h], PHONE) for h in (number, status, term)), phone
        # the case's number, then its state and term, before the rest
        assert (
            phone[number]["top"] < phone[status]["top"] < phone[term]["top"] < phone[region]["top"]
        )
        await shot(page, f"cases-phone-{lang}")
        assert _one_row(await _cells(page, DESKTOP, number, region, status, term))
        await shot(page, f"cases-desktop-{lang}")


@pytest.mark.parametrize("lang", LANGS)
async def test_an_escalation_row_is_a_card_on_a_phone_and_a_table_row_on_a_desktop(
    browser, base_url, lang
):
    names = ("Reference", "Region", "Summary", "Escalated", "Acknowledgement")
    reference, region, summary, escalated, acknowledgement = (t(lang, h) for h in names)
    async with signed_in(browser, base_url, "liaison", lang=lang) as page:
        await page.goto("/escalations")
        await _assert_cards_fit(page, PHONE)
        phone = (await _cells(page, PHONE, *(t(lang, h) for h in names)))["cells"]
        assert all(_in_sight(phone[h], PHONE) for h in (reference, escalated, acknowledgement))
        # the reference, whether it was acknowledged and when it came, then what it says
        assert phone[reference]["top"] < phone[acknowledgement]["top"] < phone[escalated]["top"]
        assert phone[escalated]["top"] < phone[summary]["top"] < phone[region]["top"]
        await shot(page, f"escalations-phone-{lang}")
        desktop = await _cells(page, DESKTOP, reference, acknowledgement, summary, region)
        assert _one_row(desktop)
        # A row is wider than the page: the liaison's action and the summary stay in sight,
        # not in the part of the row that scrolls (they were its last columns).
        shown = desktop["wrap"]
        for name in (acknowledgement, summary):
            cell = desktop["cells"][name]
            assert shown["left"] <= cell["left"] and cell["right"] <= shown["right"] + 1, name
        await shot(page, f"escalations-desktop-{lang}")


@pytest.mark.parametrize("lang", LANGS)
async def test_no_list_table_scrolls_sideways_on_a_phone(browser, base_url, lang):
    for username, paths in LISTS.items():
        password = ADMIN[1] if username == "admin" else "demo"
        async with signed_in(browser, base_url, username, password, lang=lang) as page:
            for path in paths:
                await page.set_viewport_size({"width": DESKTOP, "height": 900})
                await _open(page, path, lang)
                first = await page.evaluate(
                    "() => document.querySelector('main table thead th').textContent.trim()"
                )
                assert _one_row(await _cells(page, DESKTOP, first)), page.url
                await _assert_cards_fit(page, PHONE)
    context = await browser.new_context(base_url=base_url, viewport={"width": PHONE, "height": 900})
    try:
        page = await context.new_page()
        for path in PUBLIC_LISTS:
            await _open(page, path, lang)
            await _assert_cards_fit(page, PHONE)
    finally:
        await context.close()


async def test_a_numeric_grid_scrolls_in_its_own_box_with_its_row_names_in_sight(browser, base_url):
    """The analytics cross-tables stay grids (a card of twenty figures compares nothing): they
    scroll inside their container, the page does not, and the region names stay at the left."""
    async with signed_in(browser, base_url, "analyst", lang="kk") as page:
        await page.set_viewport_size({"width": PHONE, "height": 900})
        await page.goto("/analytics")
        grid = page.locator("main .table-wrap", has=page.locator("table")).first
        await grid.evaluate("wrap => { wrap.scrollLeft = wrap.scrollWidth; }")
        scrolled, row_name = await grid.evaluate(
            """wrap => [wrap.scrollLeft,
                        wrap.querySelector('tbody th[scope=row]').getBoundingClientRect().left]"""
        )
        page_width = await page.evaluate("document.documentElement.scrollWidth")
        assert scrolled > 0 and page_width <= PHONE, (scrolled, page_width)
        assert 0 <= row_name < PHONE / 2, row_name
        await shot(page, "analytics-grid-phone-scrolled")


@pytest.mark.parametrize("lang", LANGS)
async def test_on_a_phone_the_menu_folds_into_one_line_naming_the_page(browser, base_url, lang):
    """The coordinator's header and menu took 540 px of a 375 px phone's first screen (seven
    rows of menu) before the page began."""
    async with signed_in(browser, base_url, "coordinator", lang=lang) as page:
        await page.set_viewport_size({"width": PHONE, "height": 700})
        await page.goto("/notifications")
        heading = await page.locator("main h1").bounding_box()
        assert heading is not None and heading["y"] < 300, heading  # on the first screen
        assert not await page.locator("nav.main-nav").is_visible()
        summary = page.locator(".phone-menu summary")
        assert (
            await summary.inner_text()
        ).strip() == f"{t(lang, 'Menu')}: {t(lang, 'Notifications')}"
        links = page.locator(".phone-menu nav a")
        assert not await links.first.is_visible()
        await summary.click()
        assert await links.first.is_visible()
        current = page.locator('.phone-menu nav a[aria-current="page"]')
        assert await current.get_attribute("href") == "/notifications"
        await page.locator(".phone-menu nav a[href='/cases']").click()
        await page.wait_for_url(f"{base_url}/cases")
        assert (await summary.inner_text()).strip().endswith(t(lang, "Cases"))
        await shot(page, f"menu-phone-{lang}")
        # A desktop keeps the bar, and no folded menu.
        await page.set_viewport_size({"width": DESKTOP, "height": 900})
        assert await page.locator("nav.main-nav a[href='/cases']").is_visible()
        assert not await summary.is_visible()
