"""`kelisim up --demo` shows the product at work, as each demo user sees it, and only once.

Ready means usable: at the gateway's first ready answer every demo user logs in, and the
e-mail the system sends arrives at the local mail sink, where the admin reads it in the web
UI. One demo start shows both (a demo start is the longest thing these tests do).
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from kelisim.localtime import local_date
from kelisim.mailsink import delivered
from kelisim.supervision import present
from tests.kelisim.test_cli import READY_LINE, System, ready, said_ready, wait_until
from tests.kelisim.test_cli import system as system  # noqa: F401 - the fixture

STATES = {"registered", "assigned", "in_mediation", "settled", "closed", "not_settled",
          "refused", "withdrawn", "terminated"}  # fmt: skip
ROLES = (
    "coordinator",
    "mediator",
    "council_secretary",
    "council_member",
    "council_chair",
    "analyst",
)  # fmt: skip  (the liaison's inbox is the feed: rules may not route to it)


class Demo:
    """The gateway of the running system, with a login per demo user."""

    def __init__(self, url: str) -> None:
        self.http = httpx.Client(base_url=url, timeout=30, trust_env=False)
        self.tokens: dict[str, str] = {}

    def get(self, who: str, path: str, **params: Any) -> Any:
        if who not in self.tokens:
            login = {"username": who, "password": "demo"}
            answer = self.http.post("/api/v1/auth/token", data=login)
            assert answer.status_code == 200, answer.text
            self.tokens[who] = answer.json()["access_token"]
        headers = {"Authorization": f"Bearer {self.tokens[who]}"}
        answer = self.http.get(f"/api/v1{path}", params=params, headers=headers)
        assert answer.status_code == 200, f"{who} GET {path}: {answer.status_code} {answer.text}"
        return answer.json()

    def inbox(self, who: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = self.get(who, "/notifications/inbox")["items"]
        return items

    def world(self) -> dict[str, Any]:
        """What the demo made, as counts the second run must leave unchanged."""
        cases = self.get("coordinator", "/cases", limit=200)["items"]
        council = self.get("council_secretary", "/me")["councils"][0]
        sessions = self.get("council_secretary", f"/councils/{council}/sessions")["items"]
        recommendations = self.get("council_secretary", f"/councils/{council}/recommendations")
        feed = self.get("liaison", "/notifications/feed")["items"]
        return {
            "cases": sorted(c["id"] for c in cases),
            "sessions": sorted(s["id"] for s in sessions),
            "recommendations": sorted(r["id"] for r in recommendations["items"]),
            "escalations": sorted(f["escalation_id"] for f in feed),
        }


CHROMIUM = Path("/usr/bin/chromium")
SINK_NOTICE = (
    "Development mode: e-mails do not leave this computer. The local mail sink receives them "
    "and keeps them in %(folder)s."
)


def first_ready(
    url: str, marker: Path, proc_alive: Callable[[], bool], timeout: float
) -> httpx.Response:
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


async def ready_means_usable(system: System, proc: subprocess.Popen[bytes]) -> None:
    """At the first ready answer every demo user logs in; the admin reads the mail sink."""
    url = system.url("gateway")
    marker = system.data_dir / "demo-ready"  # Settings.demo_marker
    answer = first_ready(url, marker, lambda: proc.poll() is None, 600)
    # The very first 200: every demo user logs in at once (no 401 window).
    with httpx.Client(base_url=url, timeout=30, trust_env=False) as http:
        for who in (*ROLES, "liaison"):
            login = http.post("/api/v1/auth/token", data={"username": who, "password": "demo"})
            assert login.status_code == 200, f"{who} right after ready: {login.text}"
    assert answer.json()["checks"]["demo"] is True
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


def up_demo(system: System) -> subprocess.Popen[bytes]:
    """`kelisim up --demo`, waited for generously (the demo's first start is long)."""
    before = system.log().count(READY_LINE)
    proc = system.up("--demo")
    # The log's ready line first, then the gateway's word (a /status asks every app: polled
    # during the demo, it took the CPU the demo needed).
    wait_until(
        lambda: (
            proc.poll() is not None or (said_ready(system, before) and ready(system.url("gateway")))
        ),
        600,
        "ready",
    )
    assert proc.poll() is None, f"kelisim up exited early:\n{system.log()}"
    return proc


@pytest.mark.slow
async def test_demo_data_shows_every_state_to_every_role_and_a_restart_adds_nothing(
    system: System,
):
    if not present("gateway", "demo"):
        return
    # The recommendation watcher looks every second, so the overdue one reaches the secretary.
    system.env.update(KELISIM_COUNCILS_WATCH_SECONDS="1", KELISIM_READY_TIMEOUT_SECONDS="300")
    proc = system.up("--demo")
    try:
        await ready_means_usable(system, proc)
        wait_until(lambda: ready(system.url("gateway")), 120, "every app ready on /status")
        wait_until(lambda: "Demo data ready" in system.log(), 900, "demo data")
        assert "Demo data could not be created" not in system.log()
        demo = Demo(system.url("gateway"))

        cases = demo.get("coordinator", "/cases", limit=200)["items"]
        assert len(cases) >= 12
        assert {c["status"] for c in cases} == STATES
        assert {c["region"] for c in cases} == {"KZ-71", "KZ-75"}
        today = local_date(datetime.now(UTC)).isoformat()  # the demo counts in Kazakhstan
        overdue = [c for c in cases if c["status"] == "in_mediation" and c["deadline"] < today]
        assert len(overdue) == 1
        settled = next(c for c in cases if c["status"] == "settled")
        obligations = demo.get("mediator", f"/cases/{settled['id']}/obligations")["items"]
        assert [o["status"] for o in obligations] == ["open"]
        assert len(demo.get("mediator", "/cases", limit=200)["items"]) >= 10

        feed = demo.get("liaison", "/notifications/feed")["items"]
        assert sorted(bool(f["acknowledged_by"]) for f in feed) == [False, True]

        council = demo.get("council_secretary", "/me")["councils"][0]
        sessions = demo.get("council_member", f"/councils/{council}/sessions")["items"]
        assert [s["status"] for s in sessions] == ["closed"]
        detail = demo.get("council_member", f"/councils/sessions/{sessions[0]['id']}")
        assert detail["quorum"]["reached"] is True
        control = demo.get("council_secretary", f"/councils/{council}/recommendations")
        assert len(control["items"]) == 2
        late = demo.get("council_secretary", f"/councils/{council}/recommendations", only="overdue")
        assert len(late["items"]) == 1
        protocols = demo.get("council_member", f"/councils/{council}/protocols")["items"]
        assert [p["status"] for p in protocols] == ["published"]

        for role in ROLES:
            wait_until(lambda r=role: bool(demo.inbox(r)), 120, f"an inbox item for {role}")
        before = demo.world()
    finally:
        proc.send_signal(signal.SIGINT)
        code = proc.wait(60)
    assert code == 0, system.log()[-3000:]

    proc = up_demo(system)
    try:
        wait_until(lambda: system.log().count("Demo data ready") == 2, 600, "demo data again")
        assert Demo(system.url("gateway")).world() == before
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(60)


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
