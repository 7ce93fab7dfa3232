"""The escalation benchmark's system under test: `kelisim up` with a coordinator, a receiver's
endpoint for KZ-75 and cases to escalate; the load's call; each escalation's stages."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

from bench.escalation_parts import REGION, pct
from bench.light_http import LightClient
from bench.support import OWNERS, clean_env, free_port


class System:
    """`kelisim up` in a temporary directory, with an admin, a coordinator and an endpoint."""

    def __init__(self, tmp: str, receiver_url: str, secret: str) -> None:
        self.tmp = tmp
        self.secret = secret
        self.receiver_url = receiver_url
        self.gateway = f"http://127.0.0.1:{free_port()}"
        self.nats_url = f"nats://127.0.0.1:{free_port()}"
        ports = {o: free_port() for o in OWNERS}
        ports["gateway"] = int(self.gateway.rsplit(":", 1)[1])
        self.env = clean_env()
        self.env.update(
            KELISIM_DATA_DIR=f"{tmp}/var",
            KELISIM_NATS_URL=self.nats_url,
            KELISIM_ADMIN_USERNAME="admin",
            KELISIM_ADMIN_PASSWORD="bench-admin-password",
            KELISIM_LOG_LEVEL="warning",
            KELISIM_READY_TIMEOUT_SECONDS="300",  # a shared, busy machine starts slowly
            KELISIM_WEBHOOK_ALLOWED_NETWORKS='["127.0.0.0/8"]',  # the local receiver
            **{f"KELISIM_{o.upper()}_PORT": str(p) for o, p in ports.items()},
        )
        self.proc: subprocess.Popen[bytes] | None = None
        self.cases: list[str] = []
        self.refusals: dict[int, int] = {}  # API answers other than 201, by status
        self.token = ""

    def start(self) -> None:
        run = [sys.executable, "-m", "kelisim.cli"]
        subprocess.run([*run, "migrate"], env=self.env, check=True, capture_output=True)
        log = open(f"{self.tmp}/up.log", "wb")  # noqa: SIM115 - lives as long as the process
        self.proc = subprocess.Popen([*run, "up"], env=self.env, stdout=log, stderr=log)
        deadline = time.time() + 300
        while time.time() < deadline:
            try:
                if httpx.get(f"{self.gateway}/readyz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        tail = Path(f"{self.tmp}/up.log").read_text(errors="replace")[-3000:]
        raise TimeoutError(f"kelisim up not ready:\n{tail}")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGINT)
            self.proc.wait(60)

    async def prepare(self, client: httpx.AsyncClient, cases: int) -> None:
        admin = await self.login(client, "admin", "bench-admin-password")
        user = {
            "username": "coord75",
            "password": "bench-coordinator-password",
            "full_name": "Bench Coordinator",
            "roles": ["coordinator"],
            "regions": [REGION],
        }
        made = await client.post("/api/v1/users", json=user, headers=admin)
        assert made.status_code == 201, made.text
        endpoint = {"region": REGION, "url": self.receiver_url, "secrets": [self.secret]}
        made = await client.post("/api/v1/notifications/endpoints", json=endpoint, headers=admin)
        assert made.status_code == 201, made.text
        coordinator = await self.login(client, "coord75", "bench-coordinator-password")
        self.token = coordinator["Authorization"]
        party = {"kind": "person", "name": "Bench Party", "phone": "+7 701 555 0101"}
        body = {"region": REGION, "category": "interethnic", "parties": [party]}
        for _ in range(cases):  # escalations spread over cases: each case is one relay chain
            made = await client.post("/api/v1/cases", json=body, headers=coordinator)
            assert made.status_code == 201, made.text
            self.cases.append(made.json()["id"])

    async def login(self, client: httpx.AsyncClient, username: str, password: str) -> dict:
        form = {"username": username, "password": password}
        answer = await client.post("/api/v1/auth/token", data=form)
        assert answer.status_code == 200, answer.text
        return {"Authorization": f"Bearer {answer.json()['access_token']}"}

    def sender(self, client: LightClient):  # noqa: ANN201
        """The load's call: one escalation of the next case, by the light client."""
        counter = iter(range(10**9))
        body = {
            "reason": "Leaflets calling for violence against one community were found",
            "risk_of": "interethnic",
            "risk_level": "critical",
            "summary": "Leaflets inciting ethnic hatred in a residential block",
        }
        headers = {"Authorization": self.token, "Content-Type": "application/json"}

        async def send() -> str | None:
            n = next(counter)
            case = self.cases[n % len(self.cases)]
            # Each one a summary of its own: the same escalation of a case again is refused.
            alert = {**body, "summary": f"{body['summary']} (alert {n})"}
            status, answer = await client.request(
                "POST", f"/api/v1/cases/{case}/escalations", json.dumps(alert).encode(), headers
            )
            if status != 201:
                self.refusals[status] = self.refusals.get(status, 0) + 1
                return None
            return str(json.loads(answer)["id"])

        return send

    def stages(
        self, sent: dict[str, float], got: dict[str, float]
    ) -> list[tuple[str, float, float]]:
        """Median and p99 ms of each stage, from the services' own timestamps."""

        def ts(value: str | None) -> float:
            if not value:
                return float("nan")
            at = datetime.fromisoformat(value)
            return (at if at.tzinfo else at.replace(tzinfo=UTC)).timestamp()

        var = Path(self.tmp) / "var"
        cases = sqlite3.connect(var / "cases.db")
        notes = sqlite3.connect(var / "notifications.db")
        out: dict[str, tuple[str, float, float]] = {}
        for event_id, envelope, created, sent_at in cases.execute(
            "SELECT event_id, envelope, created_at, sent_at FROM outbox "
            "WHERE subject = 'cases.case.escalated'"
        ):
            escalation = json.loads(envelope)["data"]["escalation_id"]
            out[escalation] = (event_id, ts(created), ts(sent_at))
        consumed = dict(notes.execute("SELECT event_id, processed_at FROM inbox"))
        posted = {
            esc: ts(at)
            for esc, at in notes.execute(
                "SELECT d.escalation_id, MIN(a.at) FROM delivery d "
                "JOIN delivery_attempt a ON a.delivery_id = d.id GROUP BY d.escalation_id"
            )
        }
        rows, when = [], []  # each escalation's stages, and when it was sent
        for esc, t0 in sent.items():
            if esc not in out or esc not in got:
                continue
            when.append(t0)
            event_id, created, published = out[esc]
            inbox = ts(consumed.get(event_id))
            rows.append(
                (
                    created - t0,
                    published - created,
                    inbox - published,
                    got[esc] - inbox,
                    posted.get(esc, float("nan")) - got[esc],
                )
            )
        names = (
            "API call -> outbox commit (gateway, cases)",
            "outbox commit -> marked published (relay)",
            "published -> consumer commit (delivery row)",
            "delivery row -> webhook at receiver",
            "webhook at receiver -> attempt recorded",
        )
        if dump := os.environ.get("KELISIM_BENCH_DUMP"):  # each escalation's stages, to study
            Path(dump).write_text(json.dumps({"names": names, "sent": when, "rows": rows}))
        columns = [[r[i] * 1000 for r in rows if r[i] == r[i]] for i in range(len(names))]
        return [
            (name, statistics.median(column), pct(column, 0.99))
            for name, column in zip(names, columns, strict=True)
            if column
        ]
