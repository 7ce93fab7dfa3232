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

With `--runs N` every benchmark runs N times in turn (the whole round again, so a slow
minute of the shared machine falls on one run of each rather than on every run of one); the
summary gives each figure's N values and ratios, and a figure passes only if every run passed.

    python -m bench [--only api_reads,caseload] [--shapes one] [--runs 3] [--logs DIR]
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
    name: str, logs: Path, shape: str | None = None, log_name: str = ""
) -> tuple[str, float, list[dict[str, object]]]:
    """Run one benchmark (in one shape of the system); its status, seconds and result rows.
    Its output goes to `<logs>/<log_name or its label>.log`."""
    if importlib.util.find_spec(f"bench.{name}") is None:
        return "missing", 0.0, []
    started = time.monotonic()
    rows: list[dict[str, object]] = []
    plain: list[tuple[str, ...]] = []
    env = {k: v for k, v in os.environ.items() if k != "KELISIM_PROCESSES"}
    if shape is not None:
        env["KELISIM_PROCESSES"] = shape
    with (logs / f"{log_name or label(name, shape)}.log").open("w") as log:
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


def label(name: str, shape: str | None, attempt: int = 0) -> str:
    """A run's name: the benchmark, its shape, its run number when there are several."""
    named = name if shape is None else f"{name}.{shape}"
    return f"{named}.run{attempt}" if attempt else named


Outcome = tuple[str, str, float, list[dict[str, object]]]  # run's label, status, seconds, rows
RUN_NUMBER = re.compile(r"\.run\d+$")


def summary(rounds: list[list[Outcome]]) -> tuple[list[str], int]:
    """The summary's lines and how many figures or benchmarks failed, from one or more rounds
    of the same runs: a figure's values and ratios side by side, PASS only if each run passed."""
    several = len(rounds) > 1
    head = f"{'benchmark figure':62} {'figure':>10} {'baseline':>10} {'ratio':>7} {'target':>10}"
    lines = [f"{head}  result"]
    failures = 0
    for attempts in zip(*rounds, strict=True):
        name = RUN_NUMBER.sub("", attempts[0][0])
        for log_name, status, seconds, rows in attempts:
            if status != "ok" or not rows:
                lines.append(f"{name:62} {status} after {seconds:.0f} s: see {log_name}.log")
                failures += 1
        figures: dict[str, list[dict[str, object]]] = {}
        for _, _, _, rows in attempts:
            for row in rows:
                figures.setdefault(str(row["name"]), []).append(row)
        for figure, seen in figures.items():
            passed = sum(bool(row["pass"]) for row in seen)
            ok = passed == len(seen) == len(attempts)
            failures += not ok
            verdict = "PASS" if ok else "FAIL"
            if several:
                verdict += f" ({passed} of {len(attempts)})"
            values = " / ".join(str(row["figure"]) for row in seen)
            baselines = " / ".join(str(row["baseline"]) for row in seen if row["baseline"] != "")
            ratios = " / ".join(f"{row['ratio']}x" for row in seen if row["ratio"] != "")
            lines.append(
                f"{figure[:62]:62} {values:>10} {baselines:>10} {ratios:>7} "
                f"{str(seen[0]['target']):>10}  {verdict}"
            )
    return lines, failures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated benchmark names")
    parser.add_argument(
        "--shapes", default=",".join(SHAPES), help="the system's shapes, comma-separated"
    )
    parser.add_argument("--logs", type=Path, help="where each benchmark's report goes")
    parser.add_argument("--runs", type=int, default=1, help="how many times to run each")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be 1 or more")
    names = args.only.split(",") if args.only else list(BENCHMARKS)
    shapes = [s for s in args.shapes.split(",") if s]
    if unknown := set(shapes) - set(SHAPES):
        parser.error(f"unknown shape(s): {', '.join(sorted(unknown))}; known: {SHAPES}")
    runs = [(n, s) for n in names for s in (shapes if n in SHAPED else [None])]
    logs = args.logs or Path(tempfile.mkdtemp(prefix="kelisim-bench-"))
    logs.mkdir(parents=True, exist_ok=True)
    print(f"reports in {logs}", flush=True)
    rounds: list[list[Outcome]] = []
    for attempt in range(1, args.runs + 1):
        outcomes: list[Outcome] = []
        for name, shape in runs:
            named = label(name, shape, attempt if args.runs > 1 else 0)
            print(f"running {named} ...", flush=True)
            outcomes.append((named, *run(name, logs, shape, named)))
        rounds.append(outcomes)
    lines, failures = summary(rounds)
    print()
    print("\n".join(lines))
    verdict = f"{failures} figure(s) or benchmark(s) failed, missing or without a result"
    print(f"\n{verdict}" if failures else "\nall PASS")
    print(f"reports in {logs}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
