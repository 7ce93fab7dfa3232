"""Benchmark: seconds from `kelisim up` to a ready gateway against bare processes, and memory.

The baseline starts the same processes with nothing of Kelisim in them: a nats-server and
five uvicorn apps answering /readyz. Prints both times and their ratio (target <= 2x).
Then the whole embedded system's resident memory, per process and in total, after a short
load through the gateway (registrations, case list and detail reads, the analytics
overview, wrk for the reads): target <= 450 MB in total with every service running.

    python -m bench.startup [--runs 3] [--load-seconds 5]
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from bench.support import (
    OWNERS,
    clean_env,
    command_of,
    descendants,
    free_port,
    login,
    result,
    rss_of,
    shape,
    system,
    wrk,
)
from bench.support import wait_ready as wait

READY_TARGET, MEMORY_TARGET_MB = 2.0, 450

BARE_APP = (
    "import sys, uvicorn\n"
    "from fastapi import FastAPI\n"
    "app = FastAPI()\n"
    "app.get('/readyz')(lambda: {'status': 'ready'})\n"
    "uvicorn.run(app, host='127.0.0.1', port=int(sys.argv[1]), log_level='warning')\n"
)


def kelisim_up() -> float:
    with tempfile.TemporaryDirectory() as tmp:
        ports = {o: free_port() for o in OWNERS}
        env = clean_env()
        env.update(
            KELISIM_DATA_DIR=f"{tmp}/var",
            KELISIM_NATS_URL=f"nats://127.0.0.1:{free_port()}",
            KELISIM_MAIL_SINK_PORT=str(free_port()),  # the development mail sink
            KELISIM_READY_TIMEOUT_SECONDS="600",
            **{f"KELISIM_{o.upper()}_PORT": str(p) for o, p in ports.items()},
        )
        # Migrations are part of a first start, but not of the processes starting: apply first.
        subprocess.run(
            [sys.executable, "-m", "kelisim.cli", "migrate"],
            env=env,
            check=True,
            capture_output=True,
        )
        started = time.monotonic()
        proc = subprocess.Popen(
            [sys.executable, "-m", "kelisim.cli", "up"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            return wait([ports["gateway"]], started, timeout=600)
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(60)


def bare() -> float:
    with tempfile.TemporaryDirectory() as tmp:
        nats_port, ports = free_port(), [free_port() for _ in OWNERS]
        conf = Path(tmp) / "nats.conf"
        conf.write_text(f'listen: 127.0.0.1:{nats_port}\njetstream {{ store_dir: "{tmp}/js" }}\n')
        started = time.monotonic()
        procs = [
            subprocess.Popen(
                [str(Path(sys.executable).parent / "nats-server"), "-c", str(conf)],
                stderr=subprocess.DEVNULL,
            )
        ]
        procs += [subprocess.Popen([sys.executable, "-c", BARE_APP, str(p)]) for p in ports]
        try:
            return wait(ports, started)
        finally:
            for p in procs:
                p.terminate()
                p.wait(10)


def footprint(load_seconds: int) -> dict[str, int]:
    """RSS in bytes of every process of `kelisim up --demo`, after a short load."""
    with tempfile.TemporaryDirectory() as tmp, system(Path(tmp), "--demo") as (proc, ports):
        gateway = f"http://127.0.0.1:{ports['gateway']}"
        with httpx.Client(base_url=gateway, timeout=60, trust_env=False) as http:
            headers = login(http, "coordinator")
            case_id = ""
            for n in range(30):
                body = {
                    "region": "KZ-75",
                    "category": "land",
                    "description": f"A boundary dispute, number {n}",
                    "parties": [{"kind": "person", "name": f"Party {n}"}],
                }
                sent = {**headers, "Idempotency-Key": uuid.uuid4().hex}
                answer = http.post("/api/v1/cases", json=body, headers=sent)
                answer.raise_for_status()
                case_id = answer.json()["id"]
            analyst = login(http, "analyst")
            http.get("/api/v1/analytics/overview", headers=analyst)
            for path in ("/api/v1/cases?limit=20", f"/api/v1/cases/{case_id}"):
                wrk(f"{gateway}{path}", headers, seconds=load_seconds)
        return {
            f"{pid} {name_of(command_of(pid))}": rss_of(pid)
            for pid in [proc.pid, *descendants(proc.pid)]
        }


def name_of(command: str) -> str:
    """A short name for a process of the system."""
    if "nats-server" in command:
        return "nats-server"
    if "serve all" in command:
        return "every app (one process)"
    for owner in OWNERS:
        if f"serve {owner}" in command:
            return owner
    return "supervisor (kelisim up)" if " up" in command else command[:40]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--load-seconds", type=int, default=5)
    args = parser.parse_args()
    base = [bare() for _ in range(args.runs)]
    ours = [kelisim_up() for _ in range(args.runs)]
    b, k = min(base), min(ours)
    print(f"bare processes ready      : {b:6.2f} s  (best of {args.runs})")
    print(f"kelisim up, gateway ready : {k:6.2f} s  (best of {args.runs})")
    print(f"ratio kelisim / bare      : {k / b:6.2f}x   (target <= {READY_TARGET}x)")
    result("startup: ready / bare", k, b, k / b, f"<= {READY_TARGET}x", k / b <= READY_TARGET, "s")
    sizes = footprint(args.load_seconds)
    print(f"\nresident memory after the load (KELISIM_PROCESSES={shape()}):")
    for name, size in sorted(sizes.items(), key=lambda item: -item[1]):
        print(f"  {name:40} {size / 2**20:8.1f} MB")
    total = sum(sizes.values()) / 2**20
    print(f"  {'total':40} {total:8.1f} MB   (target <= {MEMORY_TARGET_MB} MB)")
    result(
        "startup: RSS of the whole system",
        total,
        MEMORY_TARGET_MB,
        total / MEMORY_TARGET_MB,
        f"<= {MEMORY_TARGET_MB} MB",
        total <= MEMORY_TARGET_MB,
        "MB",
    )


if __name__ == "__main__":
    main()
