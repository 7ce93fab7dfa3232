"""`python -m bench`: run every benchmark, keep each one's report, print one summary screen.

Each benchmark runs as its own process (`python -m bench.<name>`); its full output goes to
`<log dir>/<name>.log` and its `BENCH-RESULT` lines (bench/support.result) make the summary:
figure, baseline, ratio, target, PASS/FAIL (a benchmark without them, such as
bench/escalation_latency.py, gives its `<what> : <figure> target <t>: PASS|FAIL` lines). A
benchmark not in this checkout is listed as missing; one that fails is listed as failed.

The benchmarks that start the whole system (`SHAPED`) run in both of its shapes, each
figure named with its shape: every app in one process (`kelisim up`'s default, chosen for
memory) and one process per app (`KELISIM_PROCESSES=per-service`, the shape of a Kubernetes
deployment, one app per pod). The two shapes trade memory against CPU on this 2-core
machine, and the summary shows both sides rather than the better one.

    python -m bench [--only api_reads,caseload] [--shapes one] [--logs DIR]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.support import MARK

VERDICT = re.compile(r"^(.+?)\s*:\s*(.+?)\s+target (.+?): (PASS|FAIL)$")
BENCHMARKS = ("outbox_relay", "escalation_latency", "api_reads", "caseload", "startup")
SHAPED = frozenset({"escalation_latency", "api_reads", "startup"})
SHAPES = ("one", "per-service")


def run(
    name: str, logs: Path, shape: str | None = None
) -> tuple[str, float, list[dict[str, object]]]:
    """Run one benchmark (in one shape of the system); its status, seconds and result rows."""
    if importlib.util.find_spec(f"bench.{name}") is None:
        return "missing", 0.0, []
    started = time.monotonic()
    rows: list[dict[str, object]] = []
    plain: list[tuple[str, ...]] = []
    env = {k: v for k, v in os.environ.items() if k != "KELISIM_PROCESSES"}
    if shape is not None:
        env["KELISIM_PROCESSES"] = shape
    with (logs / f"{label(name, shape)}.log").open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", f"bench.{name}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        assert proc.stdout is not None
        for line in proc.stdout:
            log.write(line)
            log.flush()
            if line.startswith(MARK):
                rows.append(json.loads(line.removeprefix(MARK)))
            elif found := VERDICT.match(line.strip()):
                plain.append(found.groups())
        code = proc.wait()
    if not rows:  # a benchmark that prints "name : figure  target ...: PASS|FAIL" lines
        rows = [
            {
                "name": f"{name}: {what.strip()}",
                "figure": figure.strip(),
                "baseline": "",
                "ratio": "",
                "target": target,
                "pass": verdict == "PASS",
            }
            for what, figure, target, verdict in plain
        ]
    if shape is not None:
        for row in rows:
            row["name"] = f"{row['name']} [{shape}]"
    return ("ok" if code == 0 else f"failed ({code})"), time.monotonic() - started, rows


def label(name: str, shape: str | None) -> str:
    return name if shape is None else f"{name}.{shape}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated benchmark names")
    parser.add_argument(
        "--shapes", default=",".join(SHAPES), help="the system's shapes, comma-separated"
    )
    parser.add_argument("--logs", type=Path, help="where each benchmark's report goes")
    args = parser.parse_args()
    names = args.only.split(",") if args.only else list(BENCHMARKS)
    shapes = [s for s in args.shapes.split(",") if s]
    if unknown := set(shapes) - set(SHAPES):
        parser.error(f"unknown shape(s): {', '.join(sorted(unknown))}; known: {SHAPES}")
    runs = [(n, s) for n in names for s in (shapes if n in SHAPED else [None])]
    logs = args.logs or Path(tempfile.mkdtemp(prefix="kelisim-bench-"))
    logs.mkdir(parents=True, exist_ok=True)
    print(f"reports in {logs}", flush=True)
    outcomes = []
    for name, shape in runs:
        print(f"running {label(name, shape)} ...", flush=True)
        outcomes.append((label(name, shape), *run(name, logs, shape)))
    print()
    print(
        f"{'benchmark figure':62} {'figure':>10} {'baseline':>10} {'ratio':>7} "
        f"{'target':>10}  result"
    )
    failures = 0
    for name, status, seconds, rows in outcomes:
        if status != "ok" or not rows:
            print(f"{name:62} {status} after {seconds:.0f} s: see {logs / (name + '.log')}")
            failures += 1
        for row in rows:
            verdict = "PASS" if row["pass"] else "FAIL"
            failures += not row["pass"]
            print(
                f"{str(row['name'])[:62]:62} {row['figure']:>10} {row['baseline']:>10} "
                f"{row['ratio']:>6}{'x' if row['ratio'] != '' else ' '} "
                f"{str(row['target']):>10}  {verdict}"
            )
    verdict = f"{failures} figure(s) or benchmark(s) failed, missing or without a result"
    print(f"\n{verdict}" if failures else "\nall PASS")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
