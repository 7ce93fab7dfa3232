"""Benchmark: the hot reads, service direct and through the gateway, against a bare app.

Starts the embedded system (`kelisim up --demo`), registers cases and plans a council
session with an agenda through the gateway, then drives with `wrk` (C, one thread, keep-alive):
- `GET /api/v1/cases?limit=20`, `GET /api/v1/cases/{id}` and
  `GET /api/v1/councils/sessions/{id}`
  - at a bare Starlette app (bench/bare_reads.py: the same SQL with sqlite3 on the same
    database files, the same JSON built by hand, no token check),
  - at the service directly (with a gateway-signed service token),
  - through the gateway (with the coordinator's or secretary's access token).
Prints requests/s of each and the ratios. Targets: service >= 0.7x bare, gateway >= 0.8x
direct. The machine is shared: each figure is the best of `--rounds` alternating rounds.

    python -m bench.api_reads [--seconds 5] [--rounds 2] [--cases 300]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from bench.support import free_port, login, result, system, wrk
from kelisim.auth import Principal, issue_token, load_private_key
from kelisim.settings import Settings

SERVICE_TARGET, GATEWAY_TARGET = 0.7, 0.8


def check(answer: httpx.Response, status: int = 200) -> Any:
    if answer.status_code != status:
        raise RuntimeError(f"{answer.request.url}: {answer.status_code} {answer.text}")
    return answer.json()


def seed(http: httpx.Client, cases: int) -> tuple[str, str, Principal, Principal]:
    """Cases in KZ-75 and a council session with three agenda items; returns their ids."""
    coord = login(http, "coordinator")
    secretary = login(http, "council_secretary")
    case_id = ""
    for n in range(cases):
        person = {"kind": "person", "name": f"Party {n}", "phone": "+77010000000"}
        body = {
            "region": "KZ-75",
            "category": "neighbour",
            "channel": "walk_in",
            "description": f"A dispute over a shared courtyard wall, number {n}",
            "parties": [person, {**person, "name": f"Other party {n}"}],
        }
        headers = {**coord, "Idempotency-Key": uuid.uuid4().hex}
        case_id = check(http.post("/api/v1/cases", json=body, headers=headers), 201)["id"]
    me = check(http.get("/api/v1/me", headers=secretary))
    council_id = me["councils"][0]
    starts = (datetime.now(UTC) + timedelta(days=7)).isoformat()
    session = check(
        http.post(
            f"/api/v1/councils/{council_id}/sessions",
            json={"title": "Bench session", "starts_at": starts, "place": "Akimat hall"},
            headers={**secretary, "Idempotency-Key": uuid.uuid4().hex},
        ),
        201,
    )
    for n in range(3):
        item = {"titles": {"en": f"Item {n}", "kk": f"Мәселе {n}"}, "rapporteur": "Secretary"}
        check(
            http.post(
                f"/api/v1/councils/sessions/{session['id']}/items", json=item, headers=secretary
            ),
            201,
        )
    coordinator = Principal(
        sub="coordinator",
        user_id=me["id"],
        roles=frozenset({"coordinator"}),
        regions=frozenset({"KZ-75"}),
    )
    member = Principal(
        sub="council_secretary",
        user_id=me["id"],
        roles=frozenset({"council_secretary"}),
        councils=frozenset({council_id}),
    )
    return case_id, session["id"], coordinator, member


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--cases", type=int, default=300)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, system(Path(tmp), "--demo") as (_, ports):
        settings = Settings(data_dir=Path(tmp))
        gateway = f"http://127.0.0.1:{ports['gateway']}"
        with httpx.Client(base_url=gateway, timeout=30, trust_env=False) as http:
            case_id, session_id, coordinator, member = seed(http, args.cases)
            users = {
                "cases": login(http, "coordinator"),
                "councils": login(http, "council_secretary"),
            }
        key = load_private_key(settings)
        bare_port = free_port()
        bare = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench.bare_reads",
                str(bare_port),
                str(settings.database_url("cases")).removeprefix("sqlite:///"),
                str(settings.database_url("councils")).removeprefix("sqlite:///"),
            ]
        )
        try:
            wait_ready_bare(bare_port)
            pages = [
                ("case list", "cases", "/api/v1/cases?limit=20", coordinator),
                ("case detail", "cases", f"/api/v1/cases/{case_id}", coordinator),
                ("council session", "councils", f"/api/v1/councils/sessions/{session_id}", member),
            ]
            print(
                f"{'page':18} {'bare r/s':>9} {'direct r/s':>11} {'gateway r/s':>12} "
                f"{'direct/bare':>12} {'gateway/direct':>15}"
            )
            for name, service, path, principal in pages:
                best = {"bare": 0.0, "direct": 0.0, "gateway": 0.0}
                for _ in range(args.rounds):
                    token = issue_token(
                        key, principal, audience=service, issuer=settings.token_issuer
                    )
                    runs = {
                        "bare": (f"http://127.0.0.1:{bare_port}{path}", {}),
                        "direct": (
                            f"http://127.0.0.1:{ports[service]}{path}",
                            {"Authorization": f"Bearer {token}"},
                        ),
                        "gateway": (f"{gateway}{path}", users[service]),
                    }
                    for label, (url, headers) in runs.items():
                        rate = wrk(url, headers, seconds=args.seconds, connections=args.connections)
                        best[label] = max(best[label], rate)
                direct_ratio = best["direct"] / best["bare"]
                gateway_ratio = best["gateway"] / best["direct"]
                print(
                    f"{name:18} {best['bare']:9.0f} {best['direct']:11.0f} {best['gateway']:12.0f} "
                    f"{direct_ratio:11.2f}x {gateway_ratio:14.2f}x"
                )
                result(
                    f"api_reads {name}: service/bare",
                    best["direct"],
                    best["bare"],
                    direct_ratio,
                    f">= {SERVICE_TARGET}x",
                    direct_ratio >= SERVICE_TARGET,
                    "req/s",
                )
                result(
                    f"api_reads {name}: gateway/direct",
                    best["gateway"],
                    best["direct"],
                    gateway_ratio,
                    f">= {GATEWAY_TARGET}x",
                    gateway_ratio >= GATEWAY_TARGET,
                    "req/s",
                )
        finally:
            bare.terminate()
            bare.wait(10)


def wait_ready_bare(port: int) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/v1/cases?limit=1", trust_env=False)
            return
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


if __name__ == "__main__":
    main()
