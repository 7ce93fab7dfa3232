"""`python -m bench`: run every benchmark, keep each one's report, print one summary screen.

Each benchmark runs as its own process (`python -m bench.<name>`); its full output goes to
`<log dir>/<name>.log` and its `BENCH-RESULT` lines (bench/support.result) make the summary:
figure, baseline, ratio, target, PASS/FAIL (a benchmark without them, such as
bench/escalation_latency.py, gives its `<what> : <figure> target <t>: PASS|FAIL` lines). A
benchmark not in this checkout is listed as missing; one that fails is listed as failed.

    python -m bench [--only api_reads,caseload] [--logs DIR] [-- extra args for every one]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.support import MARK

VERDICT = re.compile(r"^(.+?)\s*:\s*(.+?)\s+target (.+?): (PASS|FAIL)$")
BENCHMARKS = ("outbox_relay", "escalation_latency", "api_reads", "caseload", "startup")


def run(name: str, logs: Path) -> tuple[str, float, list[dict[str, object]]]:
    """Run one benchmark; its status, seconds taken and result rows."""
    if importlib.util.find_spec(f"bench.{name}") is None:
        return "missing", 0.0, []
    started = time.monotonic()
    rows: list[dict[str, object]] = []
    plain: list[tuple[str, ...]] = []
    with (logs / f"{name}.log").open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", f"bench.{name}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
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
    return ("ok" if code == 0 else f"failed ({code})"), time.monotonic() - started, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated benchmark names")
    parser.add_argument("--logs", type=Path, help="where each benchmark's report goes")
    args = parser.parse_args()
    names = args.only.split(",") if args.only else list(BENCHMARKS)
    logs = args.logs or Path(tempfile.mkdtemp(prefix="kelisim-bench-"))
    logs.mkdir(parents=True, exist_ok=True)
    print(f"reports in {logs}", flush=True)
    outcomes = []
    for name in names:
        print(f"running {name} ...", flush=True)
        outcomes.append((name, *run(name, logs)))
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
