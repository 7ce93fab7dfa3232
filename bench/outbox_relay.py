"""Benchmark: outbox relay vs a bare nats-py publish loop, same server, same run.

Prints events/s of each, their ratio, and the relay's commit-to-ack p50/p99.
Targets: ratio >= 0.5, p99 commit-to-ack <= 50 ms.

    python -m bench.outbox_relay [--events 5000] [--in-flight 64]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import nats
from sqlalchemy import MetaData, func, select

from bench.support import result
from kelisim.bus.connection import Bus
from kelisim.bus.relay import OutboxRelay
from kelisim.bus.streams import ensure_streams
from kelisim.db import make_engine
from kelisim.events.cases import CaseRegistered
from kelisim.logging import configure
from kelisim.settings import Settings
from kelisim.tables import backbone_tables
from kelisim.uow import UnitOfWork


def start_nats(folder: Path, port: int) -> subprocess.Popen:
    conf = folder / "nats.conf"
    conf.write_text(
        f"listen: 127.0.0.1:{port}\n"
        f'jetstream {{ store_dir: "{folder / "js"}", sync_interval: always }}\n'
    )
    binary = Path(sys.executable).parent / "nats-server"
    proc = subprocess.Popen([str(binary), "-c", str(conf)], stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    return proc


def write(engine, tables, count: int, aggregates: int) -> None:  # type: ignore[no-untyped-def]
    for i in range(count):
        with UnitOfWork(engine, tables, source="/bench") as uow:
            ref = f"agg-{i % aggregates}"
            uow.emit(
                CaseRegistered(case_ref=ref, number=f"B-{i}", region="KZ-75", category="land"),
                aggregate=ref,
            )
            uow.commit()


async def bare_loop(url: str, count: int, in_flight: int) -> float:
    """Publish `count` messages with `in_flight` concurrent publishers; returns events/s."""
    nc = await nats.connect(url)
    js = nc.jetstream()
    payload = CaseRegistered(case_ref="x", number="B", region="KZ-75", category="land")
    body = payload.model_dump_json().encode()
    queue = iter(range(count))

    async def worker() -> None:
        for _ in queue:
            await js.publish(
                "cases.case.registered", body, headers={"Nats-Msg-Id": uuid.uuid4().hex}
            )

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(in_flight)))
    elapsed = time.perf_counter() - started
    await nc.close()
    return count / elapsed


async def relay_drain(engine, tables, url: str, count: int) -> float:  # type: ignore[no-untyped-def]
    """Relay `count` pre-committed events; returns events/s."""
    bus = Bus(url, "bench")
    await bus.connect()
    relay = OutboxRelay(engine, tables, bus, service="bench", batch_size=500)
    started = time.perf_counter()
    moved = 0
    while moved < count:
        n, _ = await relay.relay_once()
        moved += n
    elapsed = time.perf_counter() - started
    await relay.release()
    await bus.close()
    return count / elapsed


async def relay_latency(engine, tables, url: str, seconds: float, rate: int, aggregates: int):  # type: ignore[no-untyped-def]
    """Commit events at `rate`/s with the relay running; returns commit-to-ack latencies."""
    bus = Bus(url, "bench-latency")
    await bus.connect()
    latencies: list[float] = []
    relay = OutboxRelay(engine, tables, bus, service="bench", poll_seconds=0.5)
    relay.on_ack = lambda _id, latency: latencies.append(latency)
    task = asyncio.create_task(relay.run())
    await asyncio.sleep(0.2)
    total = int(seconds * rate)
    for i in range(total):

        def one(i: int = i) -> None:
            with UnitOfWork(engine, tables, source="/bench", on_commit=relay.wake) as uow:
                ref = f"lat-{i % aggregates}"
                uow.emit(
                    CaseRegistered(case_ref=ref, number=f"L-{i}", region="KZ-75", category="land"),
                    aggregate=ref,
                )
                uow.commit()

        await asyncio.to_thread(one)
        await asyncio.sleep(1 / rate)
    deadline = time.monotonic() + 10
    while len(latencies) < total and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await bus.close()
    return latencies


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--in-flight", type=int, default=64)
    parser.add_argument("--latency-seconds", type=float, default=5.0)
    parser.add_argument("--rate", type=int, default=200, help="events/s for the latency run")
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    configure("WARNING")

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        port = 14000 + (uuid.uuid4().int % 1000)
        server = start_nats(folder, port)
        url = f"nats://127.0.0.1:{port}"
        try:
            db_url = args.database_url or f"sqlite:///{folder / 'bench.db'}"
            engine = make_engine(db_url)
            metadata = MetaData()
            tables = backbone_tables(metadata)
            metadata.drop_all(engine)
            metadata.create_all(engine)
            bus = Bus(url, "bench-setup")
            await bus.connect()
            await ensure_streams(bus.js, Settings(env="test"))  # type: ignore[arg-type]
            await bus.close()

            print(f"writing {args.events} events to the outbox ({engine.dialect.name}) ...")
            await asyncio.to_thread(write, engine, tables, args.events, args.in_flight)
            bare = await bare_loop(url, args.events, args.in_flight)
            relayed = await relay_drain(engine, tables, url, args.events)
            with engine.connect() as conn:
                pending = conn.execute(
                    select(func.count())
                    .select_from(tables.outbox)
                    .where(tables.outbox.c.sent_at.is_(None))
                ).scalar_one()
            assert pending == 0, f"{pending} events left unsent"

            latencies = await relay_latency(
                engine, tables, url, args.latency_seconds, args.rate, args.in_flight
            )
            engine.dispose()
        finally:
            server.terminate()
            server.wait()

    ratio = relayed / bare
    p50, p99 = percentile(latencies, 50) * 1000, percentile(latencies, 99) * 1000
    print(f"bare nats-py publish loop : {bare:10.0f} events/s  ({args.in_flight} in flight)")
    print(f"outbox relay              : {relayed:10.0f} events/s")
    print(f"ratio relay / bare        : {ratio:10.2f}x   (target >= 0.50)")
    print(
        f"commit-to-ack             : p50 {p50:.1f} ms, p99 {p99:.1f} ms"
        f" over {len(latencies)} events   (target p99 <= 50 ms;"
        f" mean {statistics.mean(latencies) * 1000:.1f} ms)"
    )
    result("outbox_relay: relay / bare publish", relayed, bare, ratio, ">= 0.5x", ratio >= 0.5)
    result("outbox_relay: commit-to-ack p99", p99, 50, p99 / 50, "<= 50 ms", p99 <= 50, "ms")


if __name__ == "__main__":
    asyncio.run(main())
