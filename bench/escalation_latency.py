"""Benchmark: a coordinator's escalation through the gateway -> a verified webhook, vs bare NATS.

Starts the whole system with `kelisim up` (embedded default: nats-server, SQLite, every
service), a local webhook receiver registered for KZ-75 that verifies each call with
`standardwebhooks`, and a coordinator. Then, on a precomputed schedule (asyncio + httpx; the
generator's own lag is printed, so it is visibly not the bottleneck):
- escalations at `--rate`/s for `--seconds`: p50/p99 from the API call to the verified
  webhook, and where the time went (each stage's median and p99, read from the services'
  databases; `KELISIM_BENCH_DUMP=<file>` also writes every escalation's stages, by the time
  it was sent, as JSON: a p99 made by a stall shows there as a run of late ones);
- then steps of `--step-seconds` each, rising by a quarter while each rate holds
  (everything arrives within 2 s of the last call and the last quarter is not much slower
  than the first) or falling by a third from one that did not, until the verdict turns:
  the highest sustained rate;
- the bare baseline in the same run: nats-py publish -> a subscriber process -> an HTTP POST
  signed the same way to the same receiver, at the same rates.
Targets: p99 <= 100 ms at 50/s, sustained >= 200/s, p99 <= 3x the bare path.

    python -m bench.escalation_latency [--rate 50] [--seconds 60] [--step-seconds 15]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import multiprocessing as mp
import os
import secrets
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

from bench.escalation_parts import (
    REGION,
    bare_subscriber_main,
    collect,
    holds,
    line,
    measure_bare,
    pct,
    receiver_main,
    run_schedule,
    summary,
)
from bench.light_http import LightClient
from bench.support import clean_env, cpu_by_part, free_port, result, shape

UP, DOWN = 1.25, 1.5  # the factors of the rising and falling steps
FLOOR, TOP = 1.0, 500.0  # rates, /s, that the steps stay within
DRAIN_SECONDS = 300  # how long a step waits for the last one's backlog
OWNERS = ("gateway", "cases", "councils", "notifications", "analytics")


# The system under test.


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


async def measure_kelisim(args, system: System, receiver: str) -> dict:  # noqa: ANN001
    limits = httpx.Limits(max_connections=400, max_keepalive_connections=400)
    async with httpx.AsyncClient(base_url=system.gateway, timeout=30, limits=limits) as client:
        await system.prepare(client, cases=args.cases)
        light = LightClient(system.gateway)
        send = system.sender(light)
        await run_schedule(5, 2, send)  # warm-up
        await collect(receiver, {}, {})
        got: dict[str, float] = {}
        assert system.proc is not None
        cpu_before, client_before = cpu_by_part(system.proc.pid), time.process_time()
        sent, lags = await run_schedule(args.rate, args.seconds, send)
        client_cpu = (time.process_time() - client_before) * 1000 / max(len(sent), 1)
        tail = await collect(receiver, sent, got)
        cpu_after = cpu_by_part(system.proc.pid)
        cpu = {
            part: (cpu_after[part] - cpu_before.get(part, 0.0)) * 1000 / max(len(sent), 1)
            for part in cpu_after
        }
        base = summary(sent, got) | {
            "tail": tail,
            "lag": pct(lags, 0.99) * 1000,
            "refused": len(lags) - len(sent),
        }
        base["holds"] = holds(base, tail)
        stages = system.stages(sent, got)
        steps = [(args.rate, base)]
        # The highest rate that holds: up by a quarter while each rate holds, or down by a
        # third from one that did not, until the verdict turns; each step starts once the
        # last one's backlog has arrived, so a backlog never carries into the next rate.
        up = base["holds"]
        rate = args.rate
        while True:
            rate = round(rate * UP, 1) if up else round(rate / DOWN, 1)
            if not FLOOR <= rate <= TOP:
                break
            await collect(receiver, sent, got, wait=DRAIN_SECONDS)
            if not all(i in got for i in sent):
                print(f"the backlog before {rate:g}/s did not clear in {DRAIN_SECONDS} s")
                break  # no rate after it could be judged on its own
            got = {}
            sent, lags = await run_schedule(rate, args.step_seconds, send)
            tail = await collect(receiver, sent, got)
            s = summary(sent, got) | {
                "tail": tail,
                "lag": pct(lags, 0.99) * 1000,
                "refused": len(lags) - len(sent),
            }
            s["holds"] = holds(s, tail)
            steps.append((rate, s))
            if s["holds"] != up:
                break
        await light.close()
        return {
            "base": base,
            "stages": stages,
            "steps": steps,
            "refusals": system.refusals,
            "cpu": cpu,
            "client_cpu": client_cpu,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--step-seconds", type=float, default=15)
    parser.add_argument("--cases", type=int, default=200)
    args = parser.parse_args()

    secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
    spawn = mp.get_context("spawn")
    port = free_port()
    receiver = spawn.Process(target=receiver_main, args=(port, secret), daemon=True)
    receiver.start()
    receiver_url = f"http://127.0.0.1:{port}/hooks/kelisim"
    with tempfile.TemporaryDirectory() as tmp:
        system = System(tmp, receiver_url, secret)
        system.start()
        try:
            ours = asyncio.run(measure_kelisim(args, system, receiver_url))
        finally:
            system.stop()
        # The bare path on its own nats-server from the same wheel, once Kelisim has stopped.
        nats_port = free_port()
        server = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "nats-server"),
                "-a",
                "127.0.0.1",
                "-p",
                str(nats_port),
            ],
            stderr=subprocess.DEVNULL,
        )
        nats_url = f"nats://127.0.0.1:{nats_port}"
        time.sleep(0.5)
        sub = spawn.Process(
            target=bare_subscriber_main, args=(nats_url, receiver_url, secret), daemon=True
        )
        sub.start()
        time.sleep(1.5)
        rates = [r for r, _ in ours["steps"] if r != args.rate]
        try:
            bare = asyncio.run(measure_bare(args, nats_url, receiver_url, rates))
        finally:
            sub.terminate()
            server.terminate()
            server.wait(10)
    receiver.terminate()

    base, ref = ours["base"], bare[args.rate]
    print(
        f"escalation -> verified webhook, {args.rate:g}/s for {args.seconds:g} s "
        f"(kelisim up, embedded, KELISIM_PROCESSES={shape()}, this machine)"
    )
    print(line("  kelisim (gateway -> webhook)", base))
    print(line("  bare (nats publish -> POST)", ref))
    if ours["refusals"]:
        print(f"  API answers other than 201, by status: {ours['refusals']}")
    print("  where the time goes (median, p99):")
    for name, median, p99 in ours["stages"]:
        print(f"    {name:<46} {median:7.1f} ms {p99:7.1f} ms")
    print("  CPU per escalation, by process (ms; during the run above, idle work included):")
    for part, ms in sorted(ours["cpu"].items(), key=lambda kv: -kv[1]):
        print(f"    {part:<46} {ms:7.1f} ms")
    print(f"    {'all of Kelisim':<46} {sum(ours['cpu'].values()):7.1f} ms")
    print(f"    {'(the load client, not Kelisim)':<46} {ours['client_cpu']:7.1f} ms")
    print("steps to the highest rate that holds, each for", f"{args.step_seconds:g} s:")
    sustained = 0.0
    for rate, s in ours["steps"]:
        b = bare.get(rate)
        verdict = "holds" if s["holds"] else "backlog"
        print(line(f"  kelisim {rate:g}/s ({verdict})", s))
        if b:
            print(line(f"  bare    {rate:g}/s", b))
        if s["holds"]:
            sustained = max(sustained, s["rate"])
    ratio = base["p99"] / ref["p99"]
    print(
        f"p99 at {args.rate:g}/s           : {base['p99']:7.1f} ms   target <= 100 ms: "
        f"{'PASS' if base['p99'] <= 100 else 'FAIL'}"
    )
    print(
        f"sustained rate          : {sustained:7.1f} /s  target >= 200/s: "
        f"{'PASS' if sustained >= 200 else 'FAIL'}"
    )
    print(
        f"p99 kelisim / bare      : {ratio:7.2f}x    target <= 3x: "
        f"{'PASS' if ratio <= 3 else 'FAIL'}"
    )
    p99 = base["p99"]
    name = f"escalation p99 at {args.rate:g}/s, ms"
    result(name, p99, ref["p99"], ratio, "<= 100 ms", p99 <= 100, "ms")
    result("escalation p99 / bare path", ratio, 1.0, ratio, "<= 3x", ratio <= 3)
    top = max((r for r, s in ours["steps"] if s["holds"]), default=0)
    bare_top = float(bare[top]["rate"]) if top in bare else 0.0
    share = sustained / bare_top if bare_top else 0.0
    result(
        "escalation sustained rate, /s",
        sustained,
        bare_top,
        share,
        ">= 200/s",
        sustained >= 200,
        "/s",
    )


if __name__ == "__main__":
    main()
