"""The fault suite: load through the gateway while processes are killed and paused, then count.

`make test` runs the short version; `make faults` the long one (marked `faults_long`).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.faults.checker import check, quiet
from tests.faults.load import Load, build_world, items_for
from tests.faults.nemesis import Nemesis
from tests.faults.receiver import receiver
from tests.faults.report import Report
from tests.faults.system import System, databases


@dataclass(frozen=True)
class Run:
    operations: int
    faults: int
    pauses: tuple[float, ...]
    gap: float
    seed: int = 14


# A pause longer than the gateway's 4 s proxy timeout leaves the clients not knowing.
SHORT = Run(operations=1000, faults=7, pauses=(5.0, 2.0), gap=2.0)
# Pauses per fault of a round (nemesis.ROUND): cases paused 8 s, beyond the proxy timeout,
# and the relay holder paused 20 s, beyond its 15 s lease, so the other replica takes over.
LONG = Run(
    operations=10_000,
    faults=24,
    pauses=(1.0, 3.0, 6.0, 2.0, 8.0, 3.0, 2.0, 4.0, 20.0, 6.0, 2.0, 5.0),
    gap=3.0,
)


@dataclass(frozen=True)
class Outcome:
    """What a fault run left: whether it settled, what was done and injected, the check."""

    settled: bool
    operations: int
    succeeded: int
    faults: int
    report: Report


async def run_faults(root: Path, run: Run) -> Outcome:
    with databases(root) as urls, receiver() as received:
        system = System(root, urls)
        await asyncio.to_thread(system.configure)
        try:
            clock = time.monotonic()
            await system.start()
            ready = time.monotonic() - clock
            async with httpx.AsyncClient(
                base_url=system.gateway_url, timeout=60, trust_env=False
            ) as client:
                world = await build_world(client, received, items_for(run.operations))
            setup = time.monotonic() - clock
            load = Load(world, run.operations, run.seed)
            nemesis = Nemesis(system, run.faults, load.progress, run.pauses, run.gap)

            async def faults() -> None:
                try:
                    await nemesis.run()
                finally:
                    load.faults_over.set()

            clock = time.monotonic()
            await asyncio.gather(load.run(), faults())
            took = time.monotonic() - clock
            clock = time.monotonic()
            settled = await quiet(system, timeout=240)
            quiet_took = time.monotonic() - clock
            report = await check(system, load.ops, received, world.endpoints)
            outcomes = Counter((o.kind, o.outcome) for o in load.ops)
            injected = ", ".join(f"{f.mode} {f.process} {f.pause:g}s" for f in nemesis.faults)
            summary = (
                f"\n{len(load.ops)} operations in {took:.0f} s ({dict(sorted(outcomes.items()))})"
                f"\n{len(nemesis.faults)} faults: {injected}"
                f"\nsetup {setup:.0f} s (processes ready in {ready:.0f} s);"
                f" settled: {settled} after {quiet_took:.0f} s"
                f"\n{report.table()}\n"
            )
            print(summary)
            (root / "report.txt").write_text(summary)
        finally:
            await system.stop()
    succeeded = sum(1 for o in load.ops if o.outcome == "ok")
    return Outcome(settled, len(load.ops), succeeded, len(nemesis.faults), report)


@pytest.mark.parametrize(
    "run",
    [
        pytest.param(SHORT, marks=pytest.mark.slow, id="1000-operations-7-faults"),
        # `make faults`: the long run, beyond the leases and the proxy's timeout.
        pytest.param(LONG, marks=pytest.mark.faults_long, id="10000-operations-24-faults"),
    ],
)
async def test_nothing_is_lost_or_applied_twice_through_kills_and_pauses(
    tmp_path: Path, run: Run
) -> None:
    outcome = await run_faults(tmp_path, run)
    assert outcome.settled, "the system did not settle after the load"
    assert outcome.operations >= run.operations
    assert outcome.faults >= run.faults
    assert outcome.succeeded > run.operations // 2
    assert not outcome.report.anomalies, outcome.report.table()
