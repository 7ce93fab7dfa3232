"""The production topology under load: a 3-node JetStream cluster (streams at replicas 3), two
replicas of every service and of the gateway on PostgreSQL, each behind a balancer as behind a
Kubernetes Service. Mid-run one NATS node and one replica of everything are killed; then the
same counts as the fault suite: every acknowledged write once, every event once per consumer,
every escalation once per endpoint, the audit chains intact.

It runs on PostgreSQL (the production database), so only where TEST_DATABASE_URL names one.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections import Counter
from pathlib import Path

import httpx
import nats
import pytest

from kelisim.settings import SERVICES
from tests.faults.checker import check, quiet
from tests.faults.load import Load, build_world, items_for
from tests.faults.receiver import receiver
from tests.faults.stream_checks import EVENT_STREAMS
from tests.faults.system import PRODUCTION, System, databases

OPERATIONS = 600
# One node of the cluster and the second replica of every service and of the gateway.
DOWN = ("nats-2", *(f"{s}-2" for s in SERVICES), "gateway-2")


async def kill_then_restart(system: System, load: Load) -> tuple[float, float]:
    """Kill DOWN a third of the way through the load; bring it back at two thirds."""
    try:
        while load.progress() < 1 / 3:
            await asyncio.sleep(0.2)
        killed = load.progress()
        await asyncio.gather(*(system.kill(p) for p in DOWN))
        while load.progress() < 2 / 3:
            await asyncio.sleep(0.2)
        restored = load.progress()
        for process in DOWN:  # nats first, so the replicas find the whole cluster
            await system.restart(process)
        return killed, restored
    finally:
        load.faults_over.set()


async def stream_replicas(system: System) -> dict[str, int]:
    """Each event stream's replica count, as the cluster reports it."""
    assert system.nats is not None
    nc = await nats.connect(system.nats.url.split(","))
    try:
        js = nc.jetstream()
        return {s: (await js.stream_info(s)).config.num_replicas or 1 for s in EVENT_STREAMS}
    finally:
        await nc.close()


# In `make faults` (with TEST_DATABASE_URL), not `make test`, since the eighth session: it
# failed in two of the last three CI rehearsals on PostgreSQL, run beside the SQLite suite
# on two cores (once "gateway-2 exited" while starting, once not yet named), and a flaky
# test is a bug that must be found, not a gate that fails at random. Ninth session: a likely
# cause fixed (its two gateways raced for the metrics port 8010, see docs/architecture.md
# "The metrics door"); 3 of 3 passes since. Back in `make test` after a whole CI rehearsal.
@pytest.mark.slow
@pytest.mark.faults_long
@pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="the production topology runs on PostgreSQL (set TEST_DATABASE_URL)",
)
async def test_one_nats_node_and_one_replica_of_everything_die_and_nothing_is_lost_or_doubled(
    tmp_path: Path,
) -> None:
    with databases(tmp_path) as urls, receiver() as received:
        system = System(tmp_path, urls, PRODUCTION)
        await asyncio.to_thread(system.configure)
        try:
            clock = time.monotonic()
            await system.start()
            ready = time.monotonic() - clock
            replicas = await stream_replicas(system)
            async with httpx.AsyncClient(
                base_url=system.gateway_url, timeout=60, trust_env=False
            ) as client:
                world = await build_world(client, received, items_for(OPERATIONS))
            load = Load(world, OPERATIONS, seed=18)
            clock = time.monotonic()
            _, (killed, restored) = await asyncio.gather(
                load.run(), kill_then_restart(system, load)
            )
            took = time.monotonic() - clock
            settled = await quiet(system, timeout=240)
            report = await check(system, load.ops, received, world.endpoints)
            picks = {o: dict(b.picks) for o, b in system.balancers.items()}
            outcomes = Counter((o.kind, o.outcome) for o in load.ops)
            summary = (
                f"\nready in {ready:.0f} s; {len(load.ops)} operations in {took:.0f} s"
                f" ({dict(sorted(outcomes.items()))})"
                f"\nkilled {', '.join(DOWN)} at {killed:.0%}, back at {restored:.0%}"
                f"\nconnections per replica: {picks}\nsettled: {settled}\n{report.table()}\n"
            )
            print(summary)
            (tmp_path / "report.txt").write_text(summary)
        finally:
            await system.stop()
    assert settled, "the system did not settle after the load"
    assert sum(1 for o in load.ops if o.outcome == "ok") > OPERATIONS // 2
    assert replicas == dict.fromkeys(EVENT_STREAMS, 3), replicas
    # Both gateways and both replicas of each service the load calls took connections.
    assert all(min(picks[owner].values()) > 0 for owner in ("gateway", "cases", "councils")), picks
    assert not report.anomalies, report.table()
