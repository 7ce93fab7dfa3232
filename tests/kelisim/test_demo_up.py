"""`kelisim up --demo` shows the product at work, as each demo user sees it, and only once."""

from __future__ import annotations

import signal
import subprocess
from datetime import UTC, datetime
from typing import Any

import httpx

from kelisim.localtime import local_date
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


def test_demo_data_shows_every_state_to_every_role_and_a_restart_adds_nothing(system: System):
    if not present("gateway", "demo"):
        return
    # The recommendation watcher looks every second, so the overdue one reaches the secretary.
    system.env.update(KELISIM_COUNCILS_WATCH_SECONDS="1", KELISIM_READY_TIMEOUT_SECONDS="300")
    proc = up_demo(system)
    try:
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
        proc.wait(60)

    proc = up_demo(system)
    try:
        wait_until(lambda: system.log().count("Demo data ready") == 2, 600, "demo data again")
        assert Demo(system.url("gateway")).world() == before
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(60)
