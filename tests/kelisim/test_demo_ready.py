"""`kelisim up --demo` in development: ready means the demo users can log in, and the e-mail
the system sends arrives at the local mail sink, where the admin reads it in the web UI."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import httpx
import pytest

from kelisim.mailsink import delivered
from kelisim.supervision import present
from tests.kelisim.test_cli import System, wait_until
from tests.kelisim.test_cli import system as system  # noqa: F401 - the fixture
from tests.kelisim.test_demo_up import ROLES

CHROMIUM = Path("/usr/bin/chromium")
SINK_NOTICE = (
    "Development mode: e-mails do not leave this computer. The local mail sink receives them "
    "and keeps them in %(folder)s."
)


def first_ready(url: str, marker: Path, proc_alive, timeout: float) -> httpx.Response:  # type: ignore[no-untyped-def]
    """Poll /readyz without pause until the first 200; the answers before it were not 200.

    Not before the demo's marker exists, without which /readyz is never 200 (so no 200 is
    missed): polled without pause all through the demo, the gateway spent on /readyz the CPU
    the demo needed.
    """
    deadline = time.monotonic() + timeout
    while not marker.exists():
        assert proc_alive(), "kelisim up exited before it was ready"
        assert time.monotonic() < deadline, "the demo never wrote its marker"
        time.sleep(0.01)
    with httpx.Client(base_url=url, timeout=2, trust_env=False) as http:
        while True:
            assert proc_alive(), "kelisim up exited before it was ready"
            assert time.monotonic() < deadline, "the gateway never said ready"
            try:
                answer = http.get("/readyz")
            except httpx.HTTPError:
                continue
            if answer.status_code == 200:
                return answer


@pytest.mark.slow
async def test_ready_means_the_demo_users_can_log_in_and_the_admin_reads_the_mail_sink(
    system: System,
):
    if not present("gateway", "demo"):
        return
    system.env.update(KELISIM_READY_TIMEOUT_SECONDS="300")
    proc = system.up("--demo")
    url = system.url("gateway")
    try:
        marker = system.data_dir / "demo-ready"  # Settings.demo_marker
        ready = first_ready(url, marker, lambda: proc.poll() is None, 600)
        # The very first 200: every demo user logs in at once (no 401 window).
        with httpx.Client(base_url=url, timeout=30, trust_env=False) as http:
            for who in (*ROLES, "liaison"):
                login = http.post("/api/v1/auth/token", data={"username": who, "password": "demo"})
                assert login.status_code == 200, f"{who} right after ready: {login.text}"
        assert ready.json()["checks"]["demo"] is True
        wait_until(lambda: "Kelisim is ready" in system.log(), 60, "the ready line")
        log = system.log()
        assert log.index("Demo data ready") < log.index("Kelisim is ready"), log[-3000:]
        assert f"the mail sink (127.0.0.1:{system.ports['mail_sink']})" in log
        assert str(system.data_dir / "mail") in log

        # The demo's assignments mail the mediator: they arrive at the sink, as sent.
        mail_dir = system.data_dir / "mail"

        def at_sink() -> list:  # type: ignore[type-arg]
            return [m for m in delivered(mail_dir).values() if m.to.endswith("@kelisim.example")]

        wait_until(lambda: bool(at_sink()), 120, "an e-mail at the mail sink")
        if CHROMIUM.exists():
            # the newest: among the 25 newest e-mails written, which the page shows
            await admin_reads_the_sink(url, max(at_sink(), key=lambda m: m.arrived_at))
    finally:
        proc.send_signal(signal.SIGINT)
        code = proc.wait(60)
    assert code == 0, system.log()[-3000:]


async def admin_reads_the_sink(url: str, arrived) -> None:  # type: ignore[no-untyped-def]
    """In Chromium, in Kazakh and Russian: the sink's notice and the e-mail as delivered."""
    from playwright.async_api import async_playwright

    from tests.support.browser import ARGS, fragment, shot, signed_in

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            for lang in ("kk", "ru"):
                async with signed_in(browser, url, "admin", "demo", lang) as page:
                    await page.goto("/admin/mail")
                    notice = await page.locator("#mail-sink").inner_text()
                    assert fragment(lang, SINK_NOTICE) in notice
                    mail_id = arrived.message_id.strip("<>").split("@")[0]
                    box = page.locator(f"details.mail-delivered[data-mail='{mail_id}']")
                    summary = await box.locator("summary").inner_text()
                    assert fragment(lang, "Arrived at the local mail sink: %(time)s") in summary
                    await box.locator("summary").click()
                    shown = await box.locator("pre").inner_text()
                    assert shown.strip() == arrived.text.strip()
                    assert arrived.subject in await box.inner_text()
                    await shot(page, f"mail-sink-{lang}")
        finally:
            await browser.close()
