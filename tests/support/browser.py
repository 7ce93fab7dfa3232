"""Browser tests' shared parts: the gateway served over real HTTP, Debian's Chromium under
Playwright (never a downloaded browser), signing in, the UI's words, screenshots and axe.

`base_url` and `browser` are module-scoped fixtures, offered to every web test module by
tests/web/conftest.py; a test that asks for `browser` is skipped where Chromium is missing.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import uvicorn
from babel.messages.pofile import read_po

from gateway.web.i18n import LANG_NAMES, po_path
from tests.support.gateway import Stack

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"


@pytest.fixture(scope="module")
async def base_url(system: Stack) -> AsyncIterator[str]:
    """The in-process gateway served over real HTTP on a free port."""
    app = system.client.app  # type: ignore[attr-defined]
    config = uvicorn.Config(app, host="127.0.0.1", port=0, lifespan="off", log_level="warning")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    deadline = asyncio.get_running_loop().time() + 15
    while not server.started:
        assert asyncio.get_running_loop().time() < deadline, "uvicorn did not start"
        await asyncio.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://localhost:{port}"
    server.should_exit = True
    await asyncio.wait_for(task, 10)


@pytest.fixture(scope="module")
async def browser(base_url: str):  # type: ignore[no-untyped-def]
    """Debian's Chromium under Playwright, for the whole module."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (/usr/bin/chromium)")
    playwright_api = pytest.importorskip("playwright.async_api", reason="playwright is missing")
    async with playwright_api.async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        await chromium.close()


@contextlib.asynccontextmanager
async def signed_in(  # type: ignore[no-untyped-def]
    browser, base_url: str, username: str, password: str = "demo", lang: str | None = "kk"
):
    """A fresh browser context logged in through the login form, the language switched."""
    context = await browser.new_context(
        base_url=base_url, locale="kk-KZ", viewport={"width": 1280, "height": 900}
    )
    page = await context.new_page()
    violations = csp_violations(page)
    await page.goto("/login")
    await page.fill("#f-username", username)
    await page.fill("#f-password", password)
    await page.click("form.stack button[type=submit]")
    await page.wait_for_url(f"{base_url}/")
    if lang is not None and await page.get_attribute("html", "lang") != lang:
        await page.get_by_role("button", name=LANG_NAMES[lang]).click()
        await page.wait_for_selector(f"html[lang={lang}]")
    try:
        yield page
        assert violations == [], f"the pages broke their CSP: {violations}"
    finally:
        await context.close()


def csp_violations(page) -> list[str]:  # type: ignore[no-untyped-def]
    """Collects what Chromium reports as refused by the Content-Security-Policy, page by page."""
    seen: list[str] = []

    def on_console(message) -> None:  # type: ignore[no-untyped-def]
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            seen.append(f"{page.url}: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: seen.append(f"{page.url}: {error}"))
    return seen


@functools.cache
def _catalog(lang: str) -> dict[str, str]:
    with po_path(lang).open("rb") as source:
        return {m.id: m.string for m in read_po(source, locale=lang) if m.id}


def t(lang: str, message: str) -> str:
    """A message of the UI as the user reads it in `lang`."""
    return _catalog(lang)[message]


def fragment(lang: str, message: str) -> str:
    """The longest literal piece of a translated message with placeholders."""
    return max(re.split(r"%\(\w+\)s", t(lang, message)), key=len).strip()


async def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


async def assert_accessible(page) -> None:  # type: ignore[no-untyped-def]
    """No serious or critical axe-core violation on the page as it stands."""
    from axe_playwright_python.async_playwright import Axe

    results = await Axe().run(page)
    serious = [
        (v["id"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == [], f"{page.url}: {serious}"


async def reload_until(page, text: str, seconds: float = 20) -> None:  # type: ignore[no-untyped-def]
    """Reload until `text` shows (events travel through NATS); fail at the deadline."""
    deadline = asyncio.get_running_loop().time() + seconds
    while text not in await page.content():
        assert asyncio.get_running_loop().time() < deadline, f"{text!r} never appeared"
        await asyncio.sleep(0.3)
        await page.reload()


async def in_action(
    page,
    action: str,
    fields: dict[str, str],
    selects: dict[str, str] | None = None,
    files: dict[str, dict[str, object]] | None = None,
) -> None:  # type: ignore[no-untyped-def]
    """Open a step's form on the case page, fill it in (ticking every box) and send it."""
    box = page.locator(f"#action-{action}")
    if not await box.get_attribute("open") is not None:
        await box.locator("summary").click()
    for name, value in (selects or {}).items():
        await box.locator(f"[name={name}]").select_option(value)
    for checkbox in await box.locator("input[type=checkbox]").all():
        await checkbox.check()
    for name, payload in (files or {}).items():
        await box.locator(f"[name={name}]").set_input_files(payload)
    for name, value in fields.items():
        await box.locator(f"[name={name}]").fill(value)
    async with page.expect_navigation():
        await box.locator("button[type=submit]").click()
