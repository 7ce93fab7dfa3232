"""Benchmark: seconds from `kelisim up` to a ready gateway, against bare processes, same run.

The baseline starts the same processes with nothing of Kelisim in them: a nats-server and
five uvicorn apps answering /readyz. Prints both times and their ratio; the promise is
ready within 10 s on an idle machine.

    python -m bench.startup [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

OWNERS = ("gateway", "cases", "councils", "notifications", "analytics")
BARE_APP = (
    "import sys, uvicorn\n"
    "from fastapi import FastAPI\n"
    "app = FastAPI()\n"
    "app.get('/readyz')(lambda: {'status': 'ready'})\n"
    "uvicorn.run(app, host='127.0.0.1', port=int(sys.argv[1]), log_level='warning')\n"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ready(port: int) -> bool:
    try:
        url = f"http://127.0.0.1:{port}/readyz"
        return httpx.get(url, timeout=0.5, trust_env=False).status_code == 200
    except httpx.HTTPError:
        return False


def wait(ports: list[int], started: float, timeout: float = 120) -> float:
    while not all(ready(p) for p in ports):
        if time.monotonic() - started > timeout:
            raise TimeoutError("not ready")
        time.sleep(0.02)
    return time.monotonic() - started


def kelisim_up() -> float:
    with tempfile.TemporaryDirectory() as tmp:
        ports = {o: free_port() for o in OWNERS}
        env = {k: v for k, v in os.environ.items() if not k.startswith("KELISIM_")}
        env.update(
            KELISIM_DATA_DIR=f"{tmp}/var",
            KELISIM_NATS_URL=f"nats://127.0.0.1:{free_port()}",
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
            return wait([ports["gateway"]], started)
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    base = [bare() for _ in range(args.runs)]
    ours = [kelisim_up() for _ in range(args.runs)]
    b, k = min(base), min(ours)
    print(f"bare processes ready      : {b:6.2f} s  (best of {args.runs})")
    print(f"kelisim up, gateway ready : {k:6.2f} s  (best of {args.runs})")
    print(f"ratio kelisim / bare      : {k / b:6.2f}x   (promise: ready within 10 s)")


if __name__ == "__main__":
    main()
