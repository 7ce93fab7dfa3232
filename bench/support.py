"""What the benchmarks share: free ports, a system started for real, wrk, and the result line.

Every benchmark prints its own report and, for `python -m bench`, one `BENCH-RESULT {json}`
line per figure (name, figure, baseline, ratio, target, pass) that the runner collects.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

MARK = "BENCH-RESULT "
OWNERS = ("gateway", "cases", "councils", "notifications", "analytics")


def result(
    name: str,
    figure: float,
    baseline: float,
    ratio: float,
    target: str,
    passed: bool,
    unit: str = "",
) -> None:
    """Print one figure for the runner's summary."""
    row = {
        "name": name,
        "figure": round(figure, 3),
        "baseline": round(baseline, 3),
        "ratio": round(ratio, 3),
        "target": target,
        "pass": passed,
        "unit": unit,
    }
    print(MARK + json.dumps(row), flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def ready(port: int) -> bool:
    try:
        url = f"http://127.0.0.1:{port}/readyz"
        return httpx.get(url, timeout=0.5, trust_env=False).status_code == 200
    except httpx.HTTPError:
        return False


def wait_ready(
    ports: list[int],
    started: float,
    timeout: float = 120,
    proc: subprocess.Popen[bytes] | None = None,
    log: Path | None = None,
) -> float:
    """Seconds from `started` until every port answers /readyz. A `proc` that exits first
    (`kelisim up` refusing to start) fails at once, with the end of its `log`."""
    while not all(ready(p) for p in ports):
        if proc is not None and proc.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:] if log is not None else ""
            raise RuntimeError(f"exited with {proc.returncode} before it was ready:\n{tail}")
        if time.monotonic() - started > timeout:
            raise TimeoutError("not ready")
        time.sleep(0.02)
    return time.monotonic() - started


def clean_env() -> dict[str, str]:
    """This environment without its Kelisim settings, but for the shape under test.

    `KELISIM_PROCESSES=per-service python -m bench.startup` measures a process per app;
    unset, the default (every app in one process).
    """
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("KELISIM_") or k == "KELISIM_PROCESSES"
    }


def shape() -> str:
    """The shape of the system under test: every app in one process, or one per app."""
    return os.environ.get("KELISIM_PROCESSES", "one")


def system_env(data_dir: Path, **extra: str) -> tuple[dict[str, str], dict[str, int]]:
    """The environment of a whole embedded system in `data_dir`, and its ports."""
    ports = {o: free_port() for o in OWNERS}
    env = clean_env()
    env.update(
        KELISIM_DATA_DIR=str(data_dir),
        KELISIM_NATS_URL=f"nats://127.0.0.1:{free_port()}",
        KELISIM_MAIL_SINK_PORT=str(free_port()),  # the development mail sink
        **{f"KELISIM_{o.upper()}_PORT": str(p) for o, p in ports.items()},
        **extra,
    )
    return env, ports


@contextmanager
def system(
    data_dir: Path, *args: str, **extra: str
) -> Iterator[tuple[subprocess.Popen[bytes], dict[str, int]]]:
    """`kelisim up [args]` on a migrated data dir; yields the process and ports once ready."""
    env, ports = system_env(data_dir, KELISIM_READY_TIMEOUT_SECONDS="600", **extra)
    subprocess.run(
        [sys.executable, "-m", "kelisim.cli", "migrate"], env=env, check=True, capture_output=True
    )
    log_path = data_dir / "kelisim-up.log"
    log = log_path.open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "kelisim.cli", "up", *args], env=env, stdout=log, stderr=log
    )
    try:
        wait_ready([ports["gateway"]], time.monotonic(), timeout=600, proc=proc, log=log_path)
        yield proc, ports
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(60)
        log.close()


def wrk(url: str, headers: dict[str, str], *, seconds: int, connections: int = 8) -> float:
    """Requests per second that `wrk` (one thread) gets from `url`; non-2xx answers fail."""
    binary = shutil.which("wrk")
    if binary is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    cmd = [binary, "-t1", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for name, value in headers.items():
        cmd += ["-H", f"{name}: {value}"]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out:
        raise RuntimeError(f"wrk saw failed answers from {url}:\n{out}")
    found = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if found is None:
        raise RuntimeError(out)
    return float(found.group(1))


def login(http: httpx.Client, username: str) -> dict[str, str]:
    """Bearer headers of a demo user (password `demo`)."""
    deadline = time.monotonic() + 120
    while True:  # the demo users appear a moment after the gateway is ready
        answer = http.post("/api/v1/auth/token", data={"username": username, "password": "demo"})
        if answer.status_code == 200:
            return {"Authorization": f"Bearer {answer.json()['access_token']}"}
        if time.monotonic() > deadline:
            raise TimeoutError(f"cannot log in as {username}: {answer.text}")
        time.sleep(0.5)


def rss_of(pid: int) -> int:
    """Resident memory of one process, in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def descendants(pid: int) -> list[int]:
    """Every process under `pid` (children, grandchildren, ...)."""
    found, queue = [], [pid]
    while queue:
        parent = queue.pop()
        try:
            children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
        except OSError:
            continue
        for child in map(int, children):
            found.append(child)
            queue.append(child)
    return found


def cpu_of(pid: int) -> float:
    """CPU seconds (user + system) one process has used so far; 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_by_part(root: int) -> dict[str, float]:
    """CPU seconds so far of each process under `root`, named by what it runs."""
    parts: dict[str, float] = {}
    for pid in descendants(root):
        argv = command_of(pid).split()
        if "serve" in argv:
            name = argv[argv.index("serve") + 1]
        elif argv and argv[0].endswith("nats-server"):
            name = "nats-server"
        else:
            name = "other"
        parts[name] = parts.get(name, 0.0) + cpu_of(pid)
    parts["supervisor"] = cpu_of(root)
    return parts


def command_of(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except OSError:
        return ""
